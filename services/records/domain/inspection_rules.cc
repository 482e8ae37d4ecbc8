#include "services/records/domain/inspection_rules.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/update_mask.h"

namespace records::domain {
namespace {

using Item = v1::InspectionItem;

std::string ItemStateName(Item::State s) { return Item::State_Name(s); }

// The item's fields a caller edits (everything else is OUTPUT_ONLY).
Item Editable(const Item& item) {
  Item out;
  out.set_item_id(item.item_id());
  out.set_target(item.target());
  out.set_content(item.content());
  *out.mutable_window_start() = item.window_start();
  *out.mutable_window_end() = item.window_end();
  out.set_lead(item.lead());
  *out.mutable_team() = item.team();
  return out;
}

// Ids "item-N" for items without one, skipping ids already taken.
void AssignItemIds(google::protobuf::RepeatedPtrField<Item>* items) {
  std::set<std::string> taken;
  for (const Item& i : *items) taken.insert(i.item_id());
  int next = 1;
  for (Item& i : *items) {
    if (!i.item_id().empty()) continue;
    while (taken.count(absl::StrCat("item-", next)) > 0) ++next;
    i.set_item_id(absl::StrCat("item-", next));
    taken.insert(i.item_id());
  }
}

absl::Status WindowsInYear(const v1::InspectionPlan& plan) {
  common::FieldViolations v;
  for (int i = 0; i < plan.items_size(); ++i) {
    const Item& item = plan.items(i);
    for (auto [date, field] : {std::pair{&item.window_start(), "window_start"},
                               std::pair{&item.window_end(), "window_end"}}) {
      if (IsValidDate(*date) && date->year() != plan.year()) {
        v.Add(absl::StrCat("inspection_plan.items[", i, "].", field),
              absl::StrCat("must be inside the plan's year ", plan.year(), ", got ",
                           FormatDmy(*date)));
      }
    }
  }
  return v.ToStatus();
}

absl::Status NotFound(const v1::InspectionPlan& plan, absl::string_view item_id) {
  return common::WithReason(
      absl::NotFoundError(absl::StrCat("item_id: ", plan.name(), " has no item \"", item_id, "\"")),
      kItemNotFound);
}

// Finds the item, checks its state is one of `from`, and that `effective` is not before the
// item's last transition. Returns the mutable item of `plan`.
absl::StatusOr<Item*> Begin(v1::InspectionPlan* plan, absl::string_view item_id,
                            std::initializer_list<Item::State> from, absl::string_view action,
                            const google::type::Date& effective) {
  auto it = std::find_if(plan->mutable_items()->begin(), plan->mutable_items()->end(),
                         [&](const Item& i) { return i.item_id() == item_id; });
  if (it == plan->mutable_items()->end()) return NotFound(*plan, item_id);
  Item* item = &*it;
  if (std::find(from.begin(), from.end(), item->state()) == from.end()) {
    std::string allowed;
    for (Item::State s : from)
      absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", ItemStateName(s));
    return common::RuleViolation(
        kItemStateNotAllowed, plan->name(),
        absl::StrCat("item ", item_id, " is ", ItemStateName(item->state()), "; ", action,
                     " needs an item in state ", allowed));
  }
  if (item->transitions_size() > 0) {
    const google::type::Date& last =
        item->transitions(item->transitions_size() - 1).effective_date();
    if (IsValidDate(last) && IsValidDate(effective) && FormatIso(effective) < FormatIso(last)) {
      return common::RuleViolation(
          kTransitionBeforePrevious, plan->name(),
          absl::StrCat("item ", item_id, ": ", action, " on ", FormatDmy(effective),
                       " is before the item's previous step on ", FormatDmy(last), " (",
                       ItemStateName(item->transitions(item->transitions_size() - 1).state()),
                       ")"));
    }
  }
  return item;
}

void Transition(Item* item, Item::State state, const google::type::Date& effective,
                const dangbo::common::v1::DecisionRef* decision, const std::string& note,
                const EventContext& context) {
  item->set_state(state);
  Item::Transition* t = item->add_transitions();
  t->set_state(state);
  *t->mutable_effective_date() = effective;
  if (decision != nullptr) *t->mutable_decision() = *decision;
  t->set_note(note);
  t->set_recorded_by(context.principal);
  *t->mutable_record_time() = context.record_time;
}

void Finish(v1::InspectionPlan* plan, const EventContext& context) {
  plan->set_state(DerivePlanState(*plan));
  *plan->mutable_update_time() = context.record_time;
}

}  // namespace

const Item* FindItem(const v1::InspectionPlan& plan, absl::string_view item_id) {
  for (const Item& i : plan.items()) {
    if (i.item_id() == item_id) return &i;
  }
  return nullptr;
}

v1::InspectionPlan::State DerivePlanState(const v1::InspectionPlan& plan) {
  bool any_closed = false;
  for (const Item& i : plan.items()) {
    if (i.state() != Item::CLOSED && i.state() != Item::CANCELLED) return v1::InspectionPlan::OPEN;
    any_closed |= i.state() == Item::CLOSED;
  }
  if (plan.items_size() == 0) return v1::InspectionPlan::OPEN;
  return any_closed ? v1::InspectionPlan::COMPLETED : v1::InspectionPlan::CANCELLED;
}

void FillDerived(v1::InspectionPlan* plan, absl::CivilDay today) {
  plan->set_state(DerivePlanState(*plan));
  const std::string today_iso = FormatIso(today);
  for (Item& item : *plan->mutable_items()) {
    for (auto& r : *item.mutable_recommendations()) {
      r.set_overdue(r.state() == Item::Recommendation::OPEN && IsValidDate(r.due_date()) &&
                    FormatIso(r.due_date()) < today_iso);
    }
  }
}

absl::StatusOr<v1::InspectionPlan> NewInspectionPlan(const v1::CreateInspectionPlanRequest& request,
                                                     const EventContext& context) {
  v1::InspectionPlan plan;
  const v1::InspectionPlan& in = request.inspection_plan();
  plan.set_name(absl::StrCat(request.parent(), "/inspectionPlans/", request.inspection_plan_id()));
  plan.set_year(in.year());
  plan.set_issuing_body(in.issuing_body());
  *plan.mutable_decision() = in.decision();
  plan.set_kind(in.kind());
  plan.set_title(in.title());
  for (const Item& i : in.items()) {
    Item* item = plan.add_items();
    *item = Editable(i);
    item->set_state(Item::PLANNED);
  }
  AssignItemIds(plan.mutable_items());
  if (absl::Status s = WindowsInYear(plan); !s.ok()) return s;
  *plan.mutable_create_time() = context.record_time;
  Finish(&plan, context);
  return plan;
}

absl::StatusOr<v1::InspectionPlan> UpdateInspectionPlan(
    const v1::InspectionPlan& current, const v1::UpdateInspectionPlanRequest& request,
    const EventContext& context) {
  UpdatePolicy policy;
  policy.updatable = {"issuing_body", "decision", "title", "items"};
  policy.immutable = {"year", "kind"};
  policy.output_only = {"name", "state", "create_time", "update_time", "etag"};
  policy.resource_field = "inspection_plan";
  // year and kind are IMMUTABLE, but a patch that leaves them unset does not change them.
  v1::InspectionPlan patch = request.inspection_plan();
  if (patch.year() == 0) patch.set_year(current.year());
  if (patch.kind() == 0) patch.set_kind(current.kind());
  auto paths = ResolveUpdatePaths(current, patch, request.update_mask(), policy);
  if (!paths.ok()) return paths.status();
  v1::InspectionPlan out = current;
  std::vector<std::string> plain;
  bool items = false;
  for (const std::string& p : *paths) {
    if (p == "items" || p.rfind("items.", 0) == 0) {
      items = true;
    } else {
      plain.push_back(p);
    }
  }
  ApplyUpdatePaths(patch, plain, &out);
  if (items) {
    std::map<std::string, const Item*> before;
    for (const Item& i : current.items()) before[i.item_id()] = &i;
    google::protobuf::RepeatedPtrField<Item> next;
    std::set<std::string> sent;
    for (const Item& i : patch.items()) {
      auto it = i.item_id().empty() ? before.end() : before.find(i.item_id());
      Item* item = next.Add();
      if (it != before.end() && it->second->state() != Item::PLANNED) {
        if (!google::protobuf::util::MessageDifferencer::Equals(Editable(i),
                                                                Editable(*it->second))) {
          return common::RuleViolation(
              kItemNotEditable, current.name(),
              absl::StrCat("item ", i.item_id(), " is ", ItemStateName(it->second->state()),
                           "; only PLANNED items can be edited (send it back unchanged)"));
        }
        *item = *it->second;
      } else {
        *item = Editable(i);
        item->set_state(Item::PLANNED);
      }
      if (!i.item_id().empty()) sent.insert(i.item_id());
    }
    for (const Item& i : current.items()) {
      if (i.state() != Item::PLANNED && sent.count(i.item_id()) == 0) {
        return common::RuleViolation(
            kItemNotEditable, current.name(),
            absl::StrCat("item ", i.item_id(), " is ", ItemStateName(i.state()),
                         "; only PLANNED items can be removed (send it back unchanged)"));
      }
    }
    AssignItemIds(&next);
    *out.mutable_items() = std::move(next);
    if (absl::Status s = WindowsInYear(out); !s.ok()) return s;
  }
  Finish(&out, context);
  return out;
}

std::vector<std::string> ReferencesToCheck(const v1::InspectionPlan& current,
                                           const v1::InspectionPlan& updated) {
  std::vector<std::string> out;
  auto add = [&](const std::string& name) {
    if (!name.empty() && std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  };
  for (const Item& i : updated.items()) {
    const Item* old = FindItem(current, i.item_id());
    if (old != nullptr &&
        google::protobuf::util::MessageDifferencer::Equals(Editable(*old), Editable(i))) {
      continue;
    }
    add(i.target());
    add(i.lead());
    for (const std::string& m : i.team()) add(m);
  }
  return out;
}

absl::StatusOr<v1::InspectionPlan> NotifyInspectionItem(
    const v1::InspectionPlan& plan, const v1::NotifyInspectionItemRequest& request,
    const EventContext& context) {
  v1::InspectionPlan out = plan;
  auto item = Begin(&out, request.item_id(), {Item::PLANNED}, "notifying the target",
                    request.effective_date());
  if (!item.ok()) return item.status();
  Transition(*item, Item::NOTIFIED, request.effective_date(),
             request.has_decision() ? &request.decision() : nullptr, request.note(), context);
  Finish(&out, context);
  return out;
}

absl::StatusOr<v1::InspectionPlan> StartInspectionItem(
    const v1::InspectionPlan& plan, const v1::StartInspectionItemRequest& request,
    const EventContext& context) {
  v1::InspectionPlan out = plan;
  auto item = Begin(&out, request.item_id(), {Item::NOTIFIED}, "starting the inspection",
                    request.effective_date());
  if (!item.ok()) return item.status();
  Transition(*item, Item::IN_PROGRESS, request.effective_date(),
             request.has_decision() ? &request.decision() : nullptr, request.note(), context);
  Finish(&out, context);
  return out;
}

absl::StatusOr<v1::InspectionPlan> ConcludeInspectionItem(
    const v1::InspectionPlan& plan, const v1::ConcludeInspectionItemRequest& request,
    const EventContext& context) {
  v1::InspectionPlan out = plan;
  const google::type::Date& date = request.conclusion().date();
  auto item = Begin(&out, request.item_id(), {Item::IN_PROGRESS}, "concluding", date);
  if (!item.ok()) return item.status();
  const auto& c = request.conclusion();
  if (!c.discipline_member().empty() && (*item)->target().find("/members/") != std::string::npos &&
      c.discipline_member() != (*item)->target()) {
    return common::InvalidField("conclusion.discipline_member",
                                absl::StrCat("must be the item's target ", (*item)->target(),
                                             ", got ", c.discipline_member()));
  }
  *(*item)->mutable_conclusion() = c;
  (*item)->clear_recommendations();
  std::set<std::string> taken;
  for (const auto& r : request.recommendations()) taken.insert(r.recommendation_id());
  int next = 1;
  for (const auto& r : request.recommendations()) {
    Item::Recommendation* rec = (*item)->add_recommendations();
    rec->set_recommendation_id(r.recommendation_id());
    if (rec->recommendation_id().empty()) {
      while (taken.count(absl::StrCat("r", next)) > 0) ++next;
      rec->set_recommendation_id(absl::StrCat("r", next));
      taken.insert(rec->recommendation_id());
    }
    rec->set_text(r.text());
    rec->set_owner(r.owner());
    *rec->mutable_due_date() = r.due_date();
    rec->set_state(Item::Recommendation::OPEN);
  }
  Transition(*item, Item::CONCLUDED, date, request.has_decision() ? &request.decision() : nullptr,
             request.note(), context);
  Finish(&out, context);
  return out;
}

absl::StatusOr<v1::InspectionPlan> CloseInspectionItem(
    const v1::InspectionPlan& plan, const v1::CloseInspectionItemRequest& request,
    const EventContext& context) {
  v1::InspectionPlan out = plan;
  auto item =
      Begin(&out, request.item_id(), {Item::CONCLUDED}, "closing", request.effective_date());
  if (!item.ok()) return item.status();
  Item::Conclusion* c = (*item)->mutable_conclusion();
  const bool with_discipline = c->outcome() == Item::Conclusion::VIOLATION_WITH_DISCIPLINE;
  if (!request.discipline_member().empty()) {
    if (!with_discipline) {
      return common::InvalidField(
          "discipline_member",
          absl::StrCat("a discipline link is allowed only with outcome VIOLATION_WITH_DISCIPLINE; "
                       "the item's outcome is ",
                       Item::Conclusion::Outcome_Name(c->outcome())));
    }
    if ((*item)->target().find("/members/") != std::string::npos &&
        request.discipline_member() != (*item)->target()) {
      return common::InvalidField("discipline_member",
                                  absl::StrCat("must be the item's target ", (*item)->target()));
    }
    c->set_discipline_member(request.discipline_member());
    c->set_discipline_id(request.discipline_id());
  }
  for (const auto& r : (*item)->recommendations()) {
    if (r.state() == Item::Recommendation::OPEN) {
      return common::RuleViolation(
          kRecommendationsOpen, plan.name(),
          absl::StrCat("item ", request.item_id(), " cannot be closed: recommendation ",
                       r.recommendation_id(), " (due ", FormatDmy(r.due_date()),
                       ") is still OPEN; every recommendation must be DONE or DROPPED"));
    }
  }
  if (with_discipline && (c->discipline_member().empty() || c->discipline_id().empty())) {
    return common::RuleViolation(
        kDisciplineLinkMissing, plan.name(),
        absl::StrCat("item ", request.item_id(),
                     " concluded VIOLATION_WITH_DISCIPLINE and cannot be closed before its "
                     "discipline record is linked (discipline_member and discipline_id)"));
  }
  Transition(*item, Item::CLOSED, request.effective_date(),
             request.has_decision() ? &request.decision() : nullptr, request.note(), context);
  Finish(&out, context);
  return out;
}

absl::StatusOr<v1::InspectionPlan> CancelInspectionItem(
    const v1::InspectionPlan& plan, const v1::CancelInspectionItemRequest& request,
    const EventContext& context) {
  v1::InspectionPlan out = plan;
  auto item = Begin(&out, request.item_id(), {Item::PLANNED, Item::NOTIFIED, Item::IN_PROGRESS},
                    "cancelling", request.effective_date());
  if (!item.ok()) return item.status();
  Transition(*item, Item::CANCELLED, request.effective_date(),
             request.has_decision() ? &request.decision() : nullptr, request.note(), context);
  Finish(&out, context);
  return out;
}

absl::StatusOr<v1::InspectionPlan> UpdateRecommendation(
    const v1::InspectionPlan& plan, const v1::UpdateRecommendationRequest& request,
    const EventContext& context) {
  v1::InspectionPlan out = plan;
  auto it = std::find_if(out.mutable_items()->begin(), out.mutable_items()->end(),
                         [&](const Item& i) { return i.item_id() == request.item_id(); });
  if (it == out.mutable_items()->end()) return NotFound(plan, request.item_id());
  if (it->state() != Item::CONCLUDED) {
    return common::RuleViolation(
        kItemStateNotAllowed, plan.name(),
        absl::StrCat("item ", request.item_id(), " is ", ItemStateName(it->state()),
                     "; recommendations are followed up only while the item is CONCLUDED"));
  }
  auto rec = std::find_if(
      it->mutable_recommendations()->begin(), it->mutable_recommendations()->end(),
      [&](const auto& r) { return r.recommendation_id() == request.recommendation_id(); });
  if (rec == it->mutable_recommendations()->end()) {
    return common::WithReason(absl::NotFoundError(absl::StrCat(
                                  "recommendation_id: item ", request.item_id(),
                                  " has no recommendation \"", request.recommendation_id(), "\"")),
                              kRecommendationNotFound);
  }
  if (request.state() == Item::Recommendation::DONE) {
    const auto& concluded = it->conclusion().date();
    if (IsValidDate(concluded) && IsValidDate(request.done_date()) &&
        FormatIso(request.done_date()) < FormatIso(concluded)) {
      return common::InvalidField(
          "done_date", absl::StrCat("must not be before the conclusion date ", FormatDmy(concluded),
                                    ", got ", FormatDmy(request.done_date())));
    }
    *rec->mutable_done_date() = request.done_date();
  } else {
    rec->clear_done_date();
  }
  rec->set_state(request.state());
  rec->set_note(request.note());
  Finish(&out, context);
  return out;
}

}  // namespace records::domain
