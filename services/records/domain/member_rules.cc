#include "services/records/domain/member_rules.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "common/vi_text.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/records/domain/dates.h"
#include "services/records/domain/identifiers.h"
#include "services/records/domain/names.h"
#include "services/records/domain/references.h"
#include "services/records/domain/validation.h"

namespace records::domain {
namespace {

using google::protobuf::util::FieldMaskUtil;
using Event = v1::LifecycleEvent;
using State = v1::Member::State;

std::string StateName(State s) { return v1::Member::State_Name(s); }

std::optional<absl::CivilDay> DayOf(const google::type::Date& d) {
  if (!IsValidDate(d)) return std::nullopt;
  return absl::CivilDay(d.year(), d.month(), d.day());
}

absl::CivilDay DayOr(const google::type::Date& d, absl::CivilDay fallback) {
  auto day = DayOf(d);
  return day.has_value() ? *day : fallback;
}

bool IsStateChange(Event::Kind kind) {
  switch (kind) {
    case Event::RATED:
    case Event::DISCIPLINED:
    case Event::CORRECTED:
    case Event::PROFILE_UPDATED:
    case Event::RECOGNIZED_FULL:  // effective on the 12-month date, possibly in the past
      return false;
    default:
      return true;
  }
}

// The lifecycle facts of a member while its history is replayed.
struct Facts {
  State state = v1::Member::STATE_UNSPECIFIED;
  std::string cell;
  std::optional<v1::OrganizationRef> temporary_organization;
  std::optional<absl::CivilDay> admission, entry, full;
  bool readmitted = false;
  bool ever_full = false;
  std::optional<absl::CivilDay> party_age_start;  // first admission, moved by interruptions
  std::optional<absl::CivilDay> left_on;          // REMOVED / EXPELLED effective date
  Event::RemovalGround left_ground = Event::REMOVAL_GROUND_UNSPECIFIED;
  bool left_by_expulsion = false;
  std::optional<absl::CivilDay> ended_on;  // the record stopped counting party age
  std::optional<absl::CivilDay> last_change;
  std::vector<v1::YearlyRating> ratings;
  std::vector<v1::DisciplineRecord> disciplines;
};

absl::Status Rule(absl::string_view reason, absl::string_view subject, absl::string_view message) {
  return common::RuleViolation(reason, subject, message);
}

bool IsFullOn(const Facts& f, absl::CivilDay day) { return f.full.has_value() && *f.full <= day; }

// One effective event being applied to the facts, with what its rules need to say why they
// refuse it. With `check`, every rule is enforced and a violation returned; without, the event
// is applied as far as it goes (used to compute positions on past dates of an already-valid
// history).
struct Step {
  Step(const v1::Member& m, const Event& event, bool check_rules, Facts* facts)
      : member(m),
        e(event),
        check(check_rules),
        f(facts),
        effective(DayOr(event.effective_date(), absl::CivilDay(1970, 1, 1))) {}

  const std::string& subject() const { return member.name(); }

  // The event as violations name it; formatted only for one (replays without `check` never
  // are).
  std::string What() const {
    return absl::StrCat(Event::Kind_Name(e.kind()), " (", e.event_id(), ", ", FormatDmy(effective),
                        ")");
  }

  absl::Status NotAllowed(absl::string_view allowed) const {
    return Rule(kMemberNotActive, subject(),
                absl::StrCat(What(), " is not allowed for a member in state ", StateName(f->state),
                             "; it needs ", allowed));
  }

  // A cell the event names must be of the member's organization.
  absl::Status InOrganization(const std::string& cell) const {
    if (!check || cell.empty() || OrganizationOf(cell) == OrganizationOf(subject())) {
      return absl::OkStatus();
    }
    return Rule(kCellOtherOrganization, subject(),
                absl::StrCat(What(), ": cell ", cell, " is not in ", OrganizationOf(subject())));
  }

  const v1::Member& member;
  const Event& e;
  const bool check;
  Facts* const f;
  const absl::CivilDay effective;
};

// ADMITTED, TRANSFERRED_IN, TEMPORARY_HOSTED_IN: the first event of a record.
absl::Status ApplyRecordStart(const Step& s) {
  Facts* f = s.f;
  if (s.check && f->state != v1::Member::STATE_UNSPECIFIED) {
    return s.NotAllowed("a new record (it must be the first event)");
  }
  if (absl::Status st = s.InOrganization(s.e.to_cell()); !st.ok()) return st;
  f->cell = s.e.to_cell();
  if (s.e.kind() == Event::ADMITTED) {
    f->admission = DayOf(s.e.decision().date());
    f->entry = s.effective;
    f->full.reset();
    f->party_age_start = f->admission;
    f->state = v1::Member::PROBATIONARY;
    return absl::OkStatus();
  }
  const v1::CarriedMembership& c = s.e.carried_membership();
  f->admission = DayOf(c.admission_date());
  f->entry = DayOf(c.party_entry_date());
  f->full = DayOf(c.full_membership_date());
  f->ever_full = f->full.has_value();
  f->readmitted = c.readmitted();
  f->party_age_start = DayOf(c.party_age_start());
  if (!f->party_age_start.has_value()) f->party_age_start = f->admission;
  if (s.e.kind() == Event::TRANSFERRED_IN) {
    f->state = f->full.has_value() ? v1::Member::FULL : v1::Member::PROBATIONARY;
  } else {
    f->state = v1::Member::TEMPORARILY_HOSTED;
    f->temporary_organization = s.e.from_organization();
  }
  return absl::OkStatus();
}

// RECOGNIZED_FULL: full from the 12-month date, whenever decided.
absl::Status ApplyRecognition(const Step& s) {
  Facts* f = s.f;
  const bool probationary = f->state == v1::Member::PROBATIONARY ||
                            (f->state == v1::Member::TEMPORARILY_AWAY && !f->full.has_value());
  if (s.check && !probationary) {
    return Rule(
        kMemberNotProbationary, s.subject(),
        absl::StrCat(s.What(),
                     ": only a probationary member can be recognized as a full "
                     "member; the member is ",
                     f->full.has_value() ? "already full (since " + FormatDmy(*f->full) + ")"
                                         : StateName(f->state)));
  }
  if (!f->entry.has_value()) return absl::OkStatus();
  const absl::CivilDay due = AddMonths(*f->entry, kProbationMonths);
  const auto decided = DayOf(s.e.decision().date());
  if (s.check && decided.has_value() && *decided < due) {
    return Rule(kProbationNotComplete, s.subject(),
                absl::StrCat("probation not complete: the 12-month probation from the party "
                             "entry date ",
                             FormatDmy(*f->entry), " ends on ", FormatDmy(due),
                             ", after the recognition decision date ", FormatDmy(*decided),
                             " (Điều lệ Điều 5.1)"));
  }
  if (s.check && s.effective != due) {
    return Rule(
        kProbationNotComplete, s.subject(),
        absl::StrCat(s.What(),
                     ": recognition takes effect 12 months after the party "
                     "entry date, on ",
                     FormatDmy(due), ", not ", FormatDmy(s.effective), " (Điều lệ Điều 5.1)"));
  }
  f->full = due;
  f->ever_full = true;
  if (f->state == v1::Member::PROBATIONARY) f->state = v1::Member::FULL;
  return absl::OkStatus();
}

// TRANSFERRED_CELL: another cell of the organization.
absl::Status ApplyCellTransfer(const Step& s) {
  if (s.check && !IsOnActiveLists(s.f->state)) {
    return s.NotAllowed("PROBATIONARY, FULL, TEMPORARILY_AWAY or TEMPORARILY_HOSTED");
  }
  if (absl::Status st = s.InOrganization(s.e.to_cell()); !st.ok()) return st;
  s.f->cell = s.e.to_cell();
  return absl::OkStatus();
}

// TRANSFERRED_OUT: off the lists, to another organization.
absl::Status ApplyTransferOut(const Step& s) {
  if (s.check && !IsCounted(s.f->state))
    return s.NotAllowed("PROBATIONARY, FULL or TEMPORARILY_AWAY");
  s.f->state = v1::Member::TRANSFERRED_OUT;
  s.f->temporary_organization.reset();
  s.f->ended_on = s.effective;
  return absl::OkStatus();
}

// TEMPORARY_TRANSFER_OUT: away, still counted here.
absl::Status ApplyTemporaryOut(const Step& s) {
  if (s.check && s.f->state != v1::Member::PROBATIONARY && s.f->state != v1::Member::FULL) {
    return s.NotAllowed("PROBATIONARY or FULL");
  }
  s.f->state = v1::Member::TEMPORARILY_AWAY;
  s.f->temporary_organization = s.e.to_organization();
  return absl::OkStatus();
}

// TEMPORARY_TRANSFER_RETURN: back, full or probationary as the dates say.
absl::Status ApplyTemporaryReturn(const Step& s) {
  if (s.check && s.f->state != v1::Member::TEMPORARILY_AWAY) {
    return s.NotAllowed("TEMPORARILY_AWAY");
  }
  s.f->state = s.f->full.has_value() ? v1::Member::FULL : v1::Member::PROBATIONARY;
  s.f->temporary_organization.reset();
  return absl::OkStatus();
}

// TEMPORARY_HOSTING_ENDED: the hosted member goes home.
absl::Status ApplyHostingEnd(const Step& s) {
  if (s.check && s.f->state != v1::Member::TEMPORARILY_HOSTED) {
    return s.NotAllowed("TEMPORARILY_HOSTED");
  }
  s.f->state = v1::Member::TRANSFERRED_OUT;
  s.f->temporary_organization.reset();
  s.f->ended_on = s.effective;
  return absl::OkStatus();
}

// REMOVED: off the lists (xóa tên) on a ground.
absl::Status ApplyRemoval(const Step& s) {
  Facts* f = s.f;
  if (s.check && !IsCounted(f->state))
    return s.NotAllowed("PROBATIONARY, FULL or TEMPORARILY_AWAY");
  if (s.check && s.e.removal_ground() == Event::PROBATION_NOT_RECOGNIZED && f->full.has_value()) {
    return Rule(kRemovalGroundNotAllowed, s.subject(),
                absl::StrCat(s.What(),
                             ": ground PROBATION_NOT_RECOGNIZED applies only to "
                             "probationary members; the member is full since ",
                             FormatDmy(*f->full)));
  }
  f->state = v1::Member::REMOVED;
  f->temporary_organization.reset();
  f->left_on = s.effective;
  f->left_ground = s.e.removal_ground();
  f->left_by_expulsion = false;
  f->ended_on = s.effective;
  return absl::OkStatus();
}

// EXPELLED: full members only, with its EXPULSION discipline record.
absl::Status ApplyExpulsion(const Step& s) {
  Facts* f = s.f;
  const bool full = f->state == v1::Member::FULL ||
                    (f->state == v1::Member::TEMPORARILY_AWAY && f->full.has_value());
  if (s.check && !full) {
    if (f->state == v1::Member::PROBATIONARY || f->state == v1::Member::TEMPORARILY_AWAY) {
      return Rule(kExpulsionOfProbationary, s.subject(),
                  absl::StrCat(s.What(),
                               ": a probationary member cannot be expelled; only a "
                               "reprimand or a warning applies (Quy định 69-QĐ/TW Điều "
                               "7), or removal from the lists (RemoveMember)"));
    }
    return s.NotAllowed("FULL (or TEMPORARILY_AWAY as a full member)");
  }
  f->state = v1::Member::EXPELLED;
  f->temporary_organization.reset();
  f->left_on = s.effective;
  f->left_ground = Event::REMOVAL_GROUND_UNSPECIFIED;
  f->left_by_expulsion = true;
  f->ended_on = s.effective;
  v1::DisciplineRecord d = s.e.discipline();
  d.set_event_id(s.e.event_id());
  f->disciplines.push_back(std::move(d));
  return absl::OkStatus();
}

// DECEASED: recorded by the organization that holds the record on its lists.
absl::Status ApplyDeath(const Step& s) {
  Facts* f = s.f;
  if (s.check && (f->state == v1::Member::STATE_UNSPECIFIED ||
                  f->state == v1::Member::TRANSFERRED_OUT || f->state == v1::Member::REMOVED ||
                  f->state == v1::Member::EXPELLED || f->state == v1::Member::DECEASED)) {
    return Rule(kMemberAlreadyLeft, s.subject(),
                absl::StrCat(s.What(), ": the death of a member in state ", StateName(f->state),
                             " is recorded by the organization that holds the membership"));
  }
  const auto birth = DayOf(s.member.birth_date());
  if (s.check && birth.has_value() && s.effective < *birth) {
    return Rule(
        kDeathBeforeBirth, s.subject(),
        absl::StrCat(s.What(), ": the date of death is before the birth date ", FormatDmy(*birth)));
  }
  if (IsOnActiveLists(f->state)) f->ended_on = s.effective;
  f->state = v1::Member::DECEASED;
  f->temporary_organization.reset();
  return absl::OkStatus();
}

// READMITTED: the rules of QĐ 294 §3.5 that can be checked on the record.
absl::Status CheckReadmission(const Step& s, std::optional<absl::CivilDay> decided) {
  const Facts& f = *s.f;
  if (f.state != v1::Member::REMOVED && f.state != v1::Member::EXPELLED) {
    return Rule(kMemberNotFormer, s.subject(),
                absl::StrCat(s.What(),
                             ": only a removed or expelled member can be readmitted; "
                             "the member is ",
                             StateName(f.state)));
  }
  if (f.readmitted) {
    return Rule(kReadmissionAlreadyUsed, s.subject(),
                absl::StrCat(s.What(),
                             ": a member can be readmitted only once (Quy định "
                             "294-QĐ/TW §3.5), and this member was readmitted before"));
  }
  if (f.left_ground == Event::VOLUNTARY_WITHDRAWAL || f.left_ground == Event::NOT_PARTICIPATING) {
    return Rule(kReadmissionExcluded, s.subject(),
                absl::StrCat(s.What(), ": a member who left with ground ",
                             Event::RemovalGround_Name(f.left_ground),
                             " cannot be readmitted (Quy định 294-QĐ/TW §3.5)"));
  }
  if (decided.has_value() && f.left_on.has_value() &&
      *decided < AddMonths(*f.left_on, kReadmissionWaitMonths)) {
    return Rule(kReadmissionTooEarly, s.subject(),
                absl::StrCat("readmission too early: at least 36 months must pass from "
                             "leaving the party on ",
                             FormatDmy(*f.left_on), " (earliest decision date ",
                             FormatDmy(AddMonths(*f.left_on, kReadmissionWaitMonths)),
                             "), the decision is dated ", FormatDmy(*decided),
                             " (Quy định 294-QĐ/TW §3.5)"));
  }
  const auto birth = DayOf(s.member.birth_date());
  if (birth.has_value() && decided.has_value() && WholeMonthsBetween(*birth, *decided) < 18 * 12) {
    return Rule(kAgeBelowMinimum, s.subject(),
                absl::StrCat(s.What(),
                             ": the member must be at least 18 on the readmission "
                             "decision date ",
                             FormatDmy(*decided)));
  }
  if (birth.has_value() && decided.has_value() && WholeMonthsBetween(*birth, *decided) > 60 * 12) {
    return Rule(kOverAgeApprovalMissing, s.subject(),
                absl::StrCat(s.What(), ": the member is over 60 on the readmission decision date ",
                             FormatDmy(*decided),
                             "; readmission over 60 needs the provincial-level committee's "
                             "approval, which ReadmitMember cannot record"));
  }
  return absl::OkStatus();
}

absl::Status ApplyReadmission(const Step& s) {
  Facts* f = s.f;
  const auto decided = DayOf(s.e.decision().date());
  if (s.check) {
    if (absl::Status st = CheckReadmission(s, decided); !st.ok()) return st;
  }
  if (absl::Status st = s.InOrganization(s.e.to_cell()); !st.ok()) return st;
  // The time out of the party does not count toward party age.
  if (f->party_age_start.has_value() && f->left_on.has_value() && decided.has_value() &&
      *decided > *f->left_on) {
    f->party_age_start = *f->party_age_start + (*decided - *f->left_on);
  }
  if (!f->party_age_start.has_value()) f->party_age_start = decided;
  f->state = v1::Member::PROBATIONARY;
  f->cell = s.e.to_cell();
  f->admission = decided;
  f->entry = s.effective;
  f->full.reset();
  f->readmitted = true;
  f->left_on.reset();
  f->ended_on.reset();
  return absl::OkStatus();
}

// RATED: one rating per year.
absl::Status ApplyRating(const Step& s) {
  Facts* f = s.f;
  if (s.check && std::any_of(f->ratings.begin(), f->ratings.end(),
                             [&](const auto& r) { return r.year() == s.e.rating().year(); })) {
    return Rule(kYearAlreadyRated, s.subject(),
                absl::StrCat(s.What(), ": the year ", s.e.rating().year(), " is already rated"));
  }
  v1::YearlyRating r = s.e.rating();
  r.set_event_id(s.e.event_id());
  *r.mutable_record_time() = s.e.record_time();
  f->ratings.push_back(std::move(r));
  return absl::OkStatus();
}

// DISCIPLINED: probationary members only reprimanded or warned.
absl::Status ApplyDiscipline(const Step& s) {
  const auto form = s.e.discipline().form();
  if (s.check && form != v1::DisciplineRecord::REPRIMAND && form != v1::DisciplineRecord::WARNING &&
      !IsFullOn(*s.f, s.effective)) {
    return Rule(kDisciplineFormNotAllowed, s.subject(),
                absl::StrCat(s.What(),
                             ": a probationary member can only be reprimanded or "
                             "warned (Quy định 69-QĐ/TW Điều 7), not given ",
                             v1::DisciplineRecord::Form_Name(form)));
  }
  v1::DisciplineRecord d = s.e.discipline();
  d.set_event_id(s.e.event_id());
  s.f->disciplines.push_back(std::move(d));
  return absl::OkStatus();
}

absl::Status ApplyKind(const Step& s) {
  switch (s.e.kind()) {
    case Event::ADMITTED:
    case Event::TRANSFERRED_IN:
    case Event::TEMPORARY_HOSTED_IN:
      return ApplyRecordStart(s);
    case Event::RECOGNIZED_FULL:
      return ApplyRecognition(s);
    case Event::TRANSFERRED_CELL:
      return ApplyCellTransfer(s);
    case Event::TRANSFERRED_OUT:
      return ApplyTransferOut(s);
    case Event::TEMPORARY_TRANSFER_OUT:
      return ApplyTemporaryOut(s);
    case Event::TEMPORARY_TRANSFER_RETURN:
      return ApplyTemporaryReturn(s);
    case Event::TEMPORARY_HOSTING_ENDED:
      return ApplyHostingEnd(s);
    case Event::REMOVED:
      return ApplyRemoval(s);
    case Event::EXPELLED:
      return ApplyExpulsion(s);
    case Event::DECEASED:
      return ApplyDeath(s);
    case Event::READMITTED:
      return ApplyReadmission(s);
    case Event::RATED:
      return ApplyRating(s);
    case Event::DISCIPLINED:
      return ApplyDiscipline(s);
    case Event::CORRECTED:
    case Event::PROFILE_UPDATED:
    case Event::KIND_UNSPECIFIED:
    default:
      return absl::OkStatus();
  }
}

// Applies one effective (corrections applied, not voided) event: the order of state changes
// in time, then the rules of its kind (see Step for `check`).
absl::Status ApplyEvent(const v1::Member& member, const Event& e, bool check, Facts* f) {
  const Step step(member, e, check, f);
  if (check && IsStateChange(e.kind()) && f->last_change.has_value() &&
      step.effective < *f->last_change) {
    return Rule(
        kEventBeforePrevious, member.name(),
        absl::StrCat(step.What(), " takes effect before the previous change of the member on ",
                     FormatDmy(*f->last_change),
                     "; lifecycle events must follow each other in time"));
  }
  if (absl::Status s = ApplyKind(step); !s.ok()) return s;
  if (IsStateChange(e.kind())) f->last_change = step.effective;
  return absl::OkStatus();
}

// The history with every CORRECTED event applied to the event it names; voided events and
// CORRECTED / PROFILE_UPDATED events are dropped. Iterating yields the member's own events
// (the member must outlive it) except for corrected ones, which are patched copies: a history
// without corrections is replayed without copying an event.
class EffectiveHistory {
 public:
  explicit EffectiveHistory(const v1::Member& member);

  class Iterator {
   public:
    explicit Iterator(std::vector<const Event*>::const_iterator it) : it_(it) {}
    const Event& operator*() const { return **it_; }
    Iterator& operator++() {
      ++it_;
      return *this;
    }
    bool operator!=(const Iterator& other) const { return it_ != other.it_; }

   private:
    std::vector<const Event*>::const_iterator it_;
  };
  Iterator begin() const { return Iterator(events_.begin()); }
  Iterator end() const { return Iterator(events_.end()); }

 private:
  std::map<int, Event> patched_;  // by position in the history; node addresses are stable
  std::vector<const Event*> events_;
};

EffectiveHistory::EffectiveHistory(const v1::Member& member) {
  const auto& history = member.history();
  // The event at `i` as corrected so far.
  const auto current = [&](int i) -> const Event& {
    auto p = patched_.find(i);
    return p == patched_.end() ? history[i] : p->second;
  };
  std::set<std::string> voided;
  for (const Event& c : history) {
    if (c.kind() != Event::CORRECTED) continue;
    int target = 0;
    while (target < history.size() && current(target).event_id() != c.corrects_event_id()) {
      ++target;
    }
    if (target == history.size()) continue;
    if (c.voids_event()) {
      voided.insert(c.corrects_event_id());
      continue;
    }
    // EventCorrection fields have the names and types of LifecycleEvent's: copy them into an
    // Event-shaped patch, then merge the corrected paths with replace semantics.
    Event patch;
    const v1::EventCorrection& v = c.corrected_values();
    *patch.mutable_decision() = v.decision();
    *patch.mutable_effective_date() = v.effective_date();
    patch.set_reason(v.reason());
    patch.set_from_cell(v.from_cell());
    patch.set_to_cell(v.to_cell());
    *patch.mutable_to_organization() = v.to_organization();
    *patch.mutable_from_organization() = v.from_organization();
    patch.set_removal_ground(v.removal_ground());
    *patch.mutable_rating() = v.rating();
    *patch.mutable_discipline() = v.discipline();
    google::protobuf::FieldMask mask;
    for (const std::string& p : c.corrected_fields()) mask.add_paths(p);
    FieldMaskUtil::MergeOptions options;
    options.set_replace_message_fields(true);
    options.set_replace_repeated_fields(true);
    auto [corrected, added] = patched_.try_emplace(target);
    if (added) corrected->second = history[target];
    FieldMaskUtil::MergeMessageTo(patch, mask, options, &corrected->second);
  }
  events_.reserve(history.size());
  for (int i = 0; i < history.size(); ++i) {
    const Event& e = current(i);
    if (e.kind() == Event::CORRECTED || e.kind() == Event::PROFILE_UPDATED) continue;
    if (!voided.empty() && voided.count(e.event_id()) > 0) continue;
    events_.push_back(&e);
  }
}

absl::StatusOr<Facts> ReplayFacts(const v1::Member& member, const EffectiveHistory& history) {
  Facts f;
  for (const Event& e : history) {
    if (absl::Status s = ApplyEvent(member, e, /*check=*/true, &f); !s.ok()) return s;
  }
  if (f.state == v1::Member::STATE_UNSPECIFIED && member.history_size() > 0) {
    return Rule(kMemberNotActive, member.name(),
                "the history has no admission, transfer in or hosting: the record would have "
                "no state");
  }
  return f;
}

absl::StatusOr<Facts> ReplayFacts(const v1::Member& member) {
  return ReplayFacts(member, EffectiveHistory(member));
}

void Store(const Facts& f, v1::Member* m) {
  m->set_state(f.state);
  m->set_cell(f.cell);
  if (f.temporary_organization.has_value()) {
    *m->mutable_temporary_organization() = *f.temporary_organization;
  } else {
    m->clear_temporary_organization();
  }
  auto set = [](std::optional<absl::CivilDay> day, google::type::Date* out) {
    if (day.has_value()) {
      *out = ToDate(*day);
    } else {
      out->Clear();
    }
  };
  set(f.admission, m->mutable_admission_date());
  set(f.entry, m->mutable_party_entry_date());
  set(f.full, m->mutable_full_membership_date());
  if (!f.full.has_value()) m->clear_full_membership_date();
  if (!f.admission.has_value()) m->clear_admission_date();
  if (!f.entry.has_value()) m->clear_party_entry_date();
  m->set_readmitted(f.readmitted);
  std::vector<v1::YearlyRating> ratings = f.ratings;
  std::stable_sort(ratings.begin(), ratings.end(),
                   [](const auto& a, const auto& b) { return a.year() < b.year(); });
  m->clear_ratings();
  for (auto& r : ratings) *m->add_ratings() = std::move(r);
  std::vector<v1::DisciplineRecord> disciplines = f.disciplines;
  std::stable_sort(disciplines.begin(), disciplines.end(), [](const auto& a, const auto& b) {
    return DayOr(a.effective_date(), absl::CivilDay()) <
           DayOr(b.effective_date(), absl::CivilDay());
  });
  m->clear_disciplines();
  for (auto& d : disciplines) *m->add_disciplines() = std::move(d);
}

// --- the member's party statistics -----------------------------------------------------------

using Statistics = v1::MemberStatistics;
using Fact = v1::MemberStatistics::Fact;

// Where the facts leave the member at the end of `day`, as GetCellHeadcount counts it.
Statistics::Standing StandingOn(const Facts& f, absl::CivilDay day) {
  switch (f.state) {
    case v1::Member::PROBATIONARY:
    case v1::Member::FULL:
      return IsFullOn(f, day) ? Statistics::FULL : Statistics::PROBATIONARY;
    case v1::Member::TEMPORARILY_AWAY:
      return IsFullOn(f, day) ? Statistics::FULL_AWAY : Statistics::PROBATIONARY_AWAY;
    case v1::Member::TEMPORARILY_HOSTED:
      return Statistics::HOSTED;
    default:
      return Statistics::STANDING_UNSPECIFIED;
  }
}

// What an event counts as, given the state it found the member in.
Fact::Kind FactKindOf(Event::Kind kind, State before) {
  switch (kind) {
    case Event::ADMITTED:
      return Fact::ADMISSION;
    case Event::READMITTED:
      return Fact::READMISSION;
    case Event::RECOGNIZED_FULL:
      return Fact::RECOGNITION;
    case Event::TRANSFERRED_IN:
      return Fact::TRANSFER_IN;
    case Event::TRANSFERRED_OUT:
      return IsCounted(before) ? Fact::TRANSFER_OUT : Fact::KIND_UNSPECIFIED;
    case Event::TRANSFERRED_CELL:
      return Fact::CELL_TRANSFER;
    case Event::REMOVED:
      return Fact::REMOVAL;
    case Event::EXPELLED:
      return Fact::EXPULSION;
    case Event::DECEASED:  // a hosted member's death counts at home
      return IsCounted(before) ? Fact::DEATH : Fact::KIND_UNSPECIFIED;
    default:
      return Fact::KIND_UNSPECIFIED;
  }
}

// Ratings and disciplines do not move a member's standing.
bool MovesStanding(Event::Kind kind) {
  return kind != Event::RATED && kind != Event::DISCIPLINED && kind != Event::CORRECTED &&
         kind != Event::PROFILE_UPDATED;
}

// The facts that place the member at the end of `day`: the events effective by then, in
// recorded order (ratings and disciplines skipped: they place no one). MemberPositionAt,
// hence GetCellHeadcount, and the year-end standings of the statistics share it.
Facts PositionFactsOn(const v1::Member& member, const EffectiveHistory& history,
                      absl::CivilDay day) {
  Facts f;
  for (const Event& e : history) {
    if (!MovesStanding(e.kind())) continue;
    auto effective = DayOf(e.effective_date());
    if (!effective.has_value() || *effective > day) continue;
    (void)ApplyEvent(member, e, /*check=*/false, &f);
  }
  return f;
}

void AddFact(Statistics* out, Fact::Kind kind, int year, const std::string& event_id) {
  Fact* fact = out->add_facts();
  fact->set_kind(kind);
  fact->set_year(year);
  fact->set_event_id(event_id);
}

// The statistics of a member whose effective history is `history` (see MemberStatistics).
// The standing only changes on an effective date or a full-membership date, so it is replayed
// (MemberPositionAt's way: the events effective by that day, in recorded order) only at the
// ends of those years.
Statistics StatisticsOf(const v1::Member& member, const EffectiveHistory& history) {
  Statistics out;
  Facts f;
  std::vector<int> years;
  for (const Event& e : history) {
    const State before = f.state;
    (void)ApplyEvent(member, e, /*check=*/false, &f);
    const int year = static_cast<int>(DayOr(e.effective_date(), absl::CivilDay(1970, 1, 1)).year());
    const Fact::Kind kind = FactKindOf(e.kind(), before);
    if (kind != Fact::KIND_UNSPECIFIED) AddFact(&out, kind, year, e.event_id());
    if (MovesStanding(e.kind())) years.push_back(year);
    if (f.full.has_value()) years.push_back(static_cast<int>(f.full->year()));
  }
  std::sort(years.begin(), years.end());
  years.erase(std::unique(years.begin(), years.end()), years.end());
  std::map<int, Statistics::Standing> ends;  // year -> standing at its end, where it changes
  Statistics::Standing previous = Statistics::STANDING_UNSPECIFIED;
  for (int year : years) {
    const absl::CivilDay end(year, 12, 31);
    const Statistics::Standing standing = StandingOn(PositionFactsOn(member, history, end), end);
    if (standing == previous) continue;
    Statistics::YearEnd* entry = out.add_year_ends();
    entry->set_year(year);
    entry->set_standing(standing);
    ends[year] = standing;
    previous = standing;
  }
  std::vector<const v1::DisciplineRecord*> disciplines;
  for (const auto& d : f.disciplines) disciplines.push_back(&d);
  std::stable_sort(disciplines.begin(), disciplines.end(), [](const auto* a, const auto* b) {
    return DayOr(a->effective_date(), absl::CivilDay()) <
           DayOr(b->effective_date(), absl::CivilDay());
  });
  for (const v1::DisciplineRecord* d : disciplines) {
    if (d->effective_date().year() != 0) {
      AddFact(&out, Fact::DISCIPLINE, d->effective_date().year(), d->event_id());
    }
  }
  std::vector<const v1::YearlyRating*> ratings;
  for (const auto& r : f.ratings) ratings.push_back(&r);
  std::stable_sort(ratings.begin(), ratings.end(),
                   [](const auto* a, const auto* b) { return a->year() < b->year(); });
  for (const v1::YearlyRating* r : ratings) {
    // Counted at that year's end: the last standing change at or before it.
    auto it = ends.upper_bound(r->year());
    if (it == ends.begin()) continue;
    const Statistics::Standing standing = std::prev(it)->second;
    if (standing == Statistics::STANDING_UNSPECIFIED || standing == Statistics::HOSTED) continue;
    AddFact(&out, Fact::RATING, r->year(), r->event_id());
    out.mutable_facts(out.facts_size() - 1)->set_rating_level(r->level());
  }
  return out;
}

std::string NextEventId(const v1::Member& member) {
  return absl::StrCat("e", member.history_size() + 1);
}

std::string NextDisciplineId(const v1::Member& member) {
  int n = 0;
  for (const Event& e : member.history()) {
    if (e.kind() == Event::DISCIPLINED || e.kind() == Event::EXPELLED) ++n;
  }
  return absl::StrCat("d", n + 1);
}

// Appends `event` (ids and recorder from `context`), replays, and records state_after.
absl::StatusOr<v1::Member> Append(const v1::Member& member, Event event,
                                  const EventContext& context) {
  v1::Member out = member;
  event.set_event_id(context.event_id.empty() ? NextEventId(member) : context.event_id);
  event.set_recorded_by(context.principal);
  *event.mutable_record_time() = context.record_time;
  *out.add_history() = std::move(event);
  const EffectiveHistory history(out);
  absl::StatusOr<Facts> facts = ReplayFacts(out, history);
  if (!facts.ok()) return facts.status();
  Store(*facts, &out);
  *out.mutable_statistics() = StatisticsOf(out, history);
  out.mutable_history(out.history_size() - 1)->set_state_after(facts->state);
  *out.mutable_update_time() = context.record_time;
  return out;
}

// The cell a member joins, named by request field `field`: a cell of the member's organization,
// ACTIVE (references.h: a merged cell's refusal names the cell it went into).
absl::Status CellJoinable(const v1::Cell& cell, absl::string_view field,
                          absl::string_view member_name) {
  if (OrganizationOf(cell.name()) != OrganizationOf(member_name)) {
    return Rule(
        kCellOtherOrganization, member_name,
        absl::StrCat("the cell ", cell.name(), " is not a cell of ", OrganizationOf(member_name)));
  }
  return CheckActiveCell(cell, field, kCellNotActive, member_name);
}

// Copies the profile fields (not the name, lifecycle or derived fields).
void CopyProfile(const v1::Member& from, v1::Member* to) {
  google::protobuf::FieldMask mask;
  for (const std::string& p : MemberProfilePaths()) {
    if (p != "education") mask.add_paths(p);
  }
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(from, mask, options, to);
}

v1::Member ProfileOnly(const v1::Member& m) {
  v1::Member out;
  CopyProfile(m, &out);
  return out;
}

std::string ValueText(const v1::Member& m, const std::string& path) {
  if (path == "gender") return m.gender() == 0 ? "" : v1::Member::Gender_Name(m.gender());
  if (path == "birth_date") return IsSet(m.birth_date()) ? FormatIso(m.birth_date()) : "";
  if (path == "aliases") return absl::StrJoin(m.aliases(), "; ");
  const google::protobuf::Message* msg = &m;
  std::string field = path;
  if (absl::StartsWith(path, "education.")) {
    msg = &m.education();
    field = path.substr(10);
  }
  const auto* fd = msg->GetDescriptor()->FindFieldByName(field);
  if (fd == nullptr) return "";
  return msg->GetReflection()->GetString(*msg, fd);
}

bool IsIdentityPath(absl::string_view path) {
  return path == "full_name" || path == "birth_name" || path == "gender" || path == "birth_date" ||
         path == "national_id" || path == "member_file_number";
}

}  // namespace

bool IsOnActiveLists(State s) {
  return s == v1::Member::PROBATIONARY || s == v1::Member::FULL ||
         s == v1::Member::TEMPORARILY_AWAY || s == v1::Member::TEMPORARILY_HOSTED;
}

bool IsCounted(State s) {
  return s == v1::Member::PROBATIONARY || s == v1::Member::FULL ||
         s == v1::Member::TEMPORARILY_AWAY;
}

bool MemberPosition::counted() const { return IsCounted(state); }

// --- creation ------------------------------------------------------------------------------

absl::StatusOr<v1::Member> AdmitMember(const v1::AdmitMemberRequest& request,
                                       absl::string_view member_name, const v1::Cell& cell,
                                       const EventContext& context) {
  if (absl::Status s = CellJoinable(cell, "cell", member_name); !s.ok()) return s;
  v1::Member member = ProfileOnly(request.member());
  member.set_name(std::string(member_name));
  *member.mutable_create_time() = context.record_time;
  Event e;
  e.set_kind(Event::ADMITTED);
  *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = request.ceremony_date();
  e.set_reason(request.reason());
  e.set_to_cell(cell.name());
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> ImportMember(const v1::ImportMemberRow& row, absl::string_view parent,
                                        absl::string_view member_name, const v1::Cell& cell,
                                        const EventContext& context) {
  v1::AdmitMemberRequest admit;
  admit.set_parent(std::string(parent));
  *admit.mutable_member() = row.member();
  admit.set_cell(row.cell());
  *admit.mutable_decision() = row.admission_decision();
  *admit.mutable_ceremony_date() = row.party_entry_date();
  admit.set_reason(row.reason());
  EventContext ctx = context;
  ctx.event_id.clear();
  absl::StatusOr<v1::Member> member = AdmitMember(admit, member_name, cell, ctx);
  if (!member.ok() || !row.has_recognition_decision()) return member;
  v1::RecognizeFullMemberRequest recognize;
  recognize.set_name(std::string(member_name));
  *recognize.mutable_decision() = row.recognition_decision();
  recognize.set_reason(row.reason());
  return RecognizeFullMember(*member, recognize, ctx);
}

absl::StatusOr<v1::Member> ReceiveMember(const v1::ReceiveMemberRequest& request,
                                         absl::string_view member_name, const v1::Cell& cell,
                                         const v1::Member* source, const EventContext& context) {
  if (absl::Status s = CellJoinable(cell, "cell", member_name); !s.ok()) return s;
  const bool official = request.kind() == v1::ReceiveMemberRequest::OFFICIAL;
  v1::Member member;
  v1::CarriedMembership carried;
  if (source != nullptr) {
    const State wanted = official ? v1::Member::TRANSFERRED_OUT : v1::Member::TEMPORARILY_AWAY;
    const Event::Kind out_kind = official ? Event::TRANSFERRED_OUT : Event::TEMPORARY_TRANSFER_OUT;
    std::string destination;
    for (const Event& e : EffectiveHistory(*source)) {
      if (e.kind() == out_kind) destination = e.to_organization().organization();
    }
    const std::string receiving = OrganizationOf(member_name);
    if (source->state() != wanted || destination != receiving) {
      return Rule(
          kSourceMemberNotTransferred, member_name,
          absl::StrCat("the source member ", source->name(), " is ", StateName(source->state()),
                       destination.empty() ? "" : " to " + destination, "; receiving ",
                       official ? "officially" : "temporarily", " needs it ", StateName(wanted),
                       " to ", receiving));
    }
    absl::StatusOr<Facts> facts = ReplayFacts(*source);
    if (!facts.ok()) return facts.status();
    CopyProfile(*source, &member);
    if (facts->admission) *carried.mutable_admission_date() = ToDate(*facts->admission);
    if (facts->entry) *carried.mutable_party_entry_date() = ToDate(*facts->entry);
    if (facts->full) *carried.mutable_full_membership_date() = ToDate(*facts->full);
    carried.set_readmitted(facts->readmitted);
    if (facts->party_age_start)
      *carried.mutable_party_age_start() = ToDate(*facts->party_age_start);
  } else {
    member = ProfileOnly(request.member());
    *carried.mutable_admission_date() = request.admission_date();
    *carried.mutable_party_entry_date() = request.party_entry_date();
    if (IsSet(request.full_membership_date())) {
      *carried.mutable_full_membership_date() = request.full_membership_date();
    }
    *carried.mutable_party_age_start() = request.admission_date();
  }
  member.set_name(std::string(member_name));
  *member.mutable_create_time() = context.record_time;
  Event e;
  e.set_kind(official ? Event::TRANSFERRED_IN : Event::TEMPORARY_HOSTED_IN);
  *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = request.effective_date();
  e.set_reason(request.reason());
  e.set_to_cell(cell.name());
  *e.mutable_from_organization() = request.from_organization();
  *e.mutable_carried_membership() = carried;
  return Append(member, std::move(e), context);
}

// --- custom methods ------------------------------------------------------------------------

absl::StatusOr<v1::Member> RecognizeFullMember(const v1::Member& member,
                                               const v1::RecognizeFullMemberRequest& request,
                                               const EventContext& context) {
  absl::StatusOr<Facts> facts = ReplayFacts(member);
  if (!facts.ok()) return facts.status();
  if (!facts->entry.has_value()) {
    return Rule(kMemberNotProbationary, member.name(), "the member has no party entry date");
  }
  const absl::CivilDay due = AddMonths(*facts->entry, kProbationMonths);
  if (IsSet(request.effective_date()) && DayOf(request.effective_date()) != due) {
    return common::InvalidField(
        "effective_date",
        absl::StrCat("must be the party entry date + 12 months, ", FormatDmy(due), " (",
                     FormatDmy(*facts->entry), " + 12 months), or unset; got ",
                     FormatDmy(request.effective_date())));
  }
  Event e;
  e.set_kind(Event::RECOGNIZED_FULL);
  *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = ToDate(due);
  e.set_reason(request.reason());
  e.set_from_cell(facts->cell);
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> TransferMember(const v1::Member& member,
                                          const v1::TransferMemberRequest& request,
                                          const v1::Cell* target_cell,
                                          const EventContext& context) {
  using K = v1::TransferMemberRequest;
  const State state = member.state();
  auto require = [&](std::initializer_list<State> allowed) -> absl::Status {
    if (std::find(allowed.begin(), allowed.end(), state) != allowed.end()) {
      return absl::OkStatus();
    }
    std::vector<std::string> names;
    for (State s : allowed) names.push_back(StateName(s));
    return Rule(
        kTransferStateNotAllowed, member.name(),
        absl::StrCat("a ", K::Kind_Name(request.kind()), " transfer needs a member in state ",
                     absl::StrJoin(names, " or "), "; the member is ", StateName(state)));
  };
  Event e;
  *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = request.effective_date();
  e.set_reason(request.reason());
  e.set_from_cell(member.cell());
  switch (request.kind()) {
    case K::OFFICIAL_TO_CELL: {
      if (absl::Status s = require({v1::Member::PROBATIONARY, v1::Member::FULL}); !s.ok()) return s;
      if (target_cell == nullptr) {
        return common::InvalidField("target_cell", "is required for OFFICIAL_TO_CELL");
      }
      if (target_cell->name() == member.cell()) {
        return common::InvalidField("target_cell",
                                    absl::StrCat("is the member's current cell ", member.cell(),
                                                 "; a transfer needs another cell"));
      }
      if (absl::Status s = CellJoinable(*target_cell, "target_cell", member.name()); !s.ok()) {
        return s;
      }
      e.set_kind(Event::TRANSFERRED_CELL);
      e.set_to_cell(target_cell->name());
      break;
    }
    case K::OFFICIAL_OUT: {
      if (absl::Status s =
              require({v1::Member::PROBATIONARY, v1::Member::FULL, v1::Member::TEMPORARILY_AWAY});
          !s.ok()) {
        return s;
      }
      e.set_kind(Event::TRANSFERRED_OUT);
      *e.mutable_to_organization() = request.destination();
      break;
    }
    case K::TEMPORARY_OUT: {
      if (absl::Status s = require({v1::Member::PROBATIONARY, v1::Member::FULL}); !s.ok()) return s;
      e.set_kind(Event::TEMPORARY_TRANSFER_OUT);
      *e.mutable_to_organization() = request.destination();
      break;
    }
    case K::TEMPORARY_RETURN: {
      if (absl::Status s = require({v1::Member::TEMPORARILY_AWAY}); !s.ok()) return s;
      e.set_kind(Event::TEMPORARY_TRANSFER_RETURN);
      break;
    }
    case K::TEMPORARY_HOSTING_END: {
      if (absl::Status s = require({v1::Member::TEMPORARILY_HOSTED}); !s.ok()) return s;
      e.set_kind(Event::TEMPORARY_HOSTING_ENDED);
      *e.mutable_to_organization() = member.temporary_organization();
      break;
    }
    default:
      return common::InvalidField("kind", "is required");
  }
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> MoveMemberForMerge(const v1::Member& member,
                                              const v1::MergeCellRequest& request,
                                              const EventContext& context) {
  if (member.cell() != request.name() || !IsOnActiveLists(member.state())) return member;
  auto effective = DayOf(request.effective_date());
  if (!effective.has_value()) return common::InvalidField("effective_date", "is required");
  Event e;
  e.set_kind(Event::TRANSFERRED_CELL);
  *e.mutable_decision() = request.decision();
  // The merged cell's last day is effective_date; members belong to the target from the next day.
  *e.mutable_effective_date() = ToDate(*effective + 1);
  e.set_reason(request.reason());
  e.set_from_cell(request.name());
  e.set_to_cell(request.merged_into());
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> RemoveMember(const v1::Member& member,
                                        const v1::RemoveMemberRequest& request,
                                        const EventContext& context) {
  Event e;
  e.set_kind(Event::REMOVED);
  *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = request.effective_date();
  e.set_reason(request.reason());
  e.set_from_cell(member.cell());
  e.set_removal_ground(request.ground());
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> ExpelMember(const v1::Member& member,
                                       const v1::ExpelMemberRequest& request,
                                       const EventContext& context) {
  Event e;
  e.set_kind(Event::EXPELLED);
  *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = request.effective_date();
  e.set_reason(request.reason());
  e.set_from_cell(member.cell());
  v1::DisciplineRecord* d = e.mutable_discipline();
  d->set_discipline_id(NextDisciplineId(member));
  d->set_form(v1::DisciplineRecord::EXPULSION);
  d->set_violation_summary(request.violation_summary());
  *d->mutable_decision() = request.decision();
  *d->mutable_effective_date() = request.effective_date();
  d->set_inspection_plan(request.inspection_plan());
  d->set_inspection_item_id(request.inspection_item_id());
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> RecordMemberDeath(const v1::Member& member,
                                             const v1::RecordMemberDeathRequest& request,
                                             const EventContext& context) {
  const auto birth = DayOf(member.birth_date());
  const auto died = DayOf(request.effective_date());
  if (birth.has_value() && died.has_value() && *died < *birth) {
    return common::InvalidField("effective_date",
                                absl::StrCat("the date of death ", FormatDmy(*died),
                                             " is before the birth date ", FormatDmy(*birth)));
  }
  Event e;
  e.set_kind(Event::DECEASED);
  if (request.has_decision()) *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = request.effective_date();
  e.set_reason(request.reason());
  e.set_from_cell(member.cell());
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> ReadmitMember(const v1::Member& member,
                                         const v1::ReadmitMemberRequest& request,
                                         const v1::Cell& cell, const EventContext& context) {
  // State rules first (they name the rule), then the cell.
  absl::StatusOr<Facts> facts = ReplayFacts(member);
  if (!facts.ok()) return facts.status();
  Event e;
  e.set_kind(Event::READMITTED);
  *e.mutable_decision() = request.decision();
  *e.mutable_effective_date() = request.ceremony_date();
  e.set_reason(request.reason());
  e.set_to_cell(cell.name());
  e.set_from_cell(member.cell());
  Facts probe = *facts;
  Event probe_event = e;
  probe_event.set_event_id(NextEventId(member));
  if (absl::Status s = ApplyEvent(member, probe_event, true, &probe); !s.ok()) return s;
  if (absl::Status s = CellJoinable(cell, "cell", member.name()); !s.ok()) return s;
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> CorrectMemberEvent(const v1::Member& member,
                                              const v1::CorrectMemberEventRequest& request,
                                              const EventContext& context) {
  auto target = std::find_if(member.history().begin(), member.history().end(),
                             [&](const Event& e) { return e.event_id() == request.event_id(); });
  if (target == member.history().end()) {
    return common::WithReason(
        absl::NotFoundError(absl::StrCat("event_id: ", member.name(), " has no event \"",
                                         request.event_id(), "\"")),
        kEventNotFound);
  }
  if (target->kind() == Event::CORRECTED || target->kind() == Event::PROFILE_UPDATED) {
    return Rule(kEventNotCorrectable, member.name(),
                absl::StrCat(request.event_id(), " is a ", Event::Kind_Name(target->kind()),
                             " event, which cannot be corrected",
                             target->kind() == Event::PROFILE_UPDATED
                                 ? " (use UpdateMember for profile fields)"
                                 : " (correct the original event instead)"));
  }
  // Which correction paths fit which event kind.
  common::FieldViolations violations;
  for (int i = 0; i < request.correction_mask().paths_size(); ++i) {
    const std::string& p = request.correction_mask().paths(i);
    const std::string top = p.substr(0, p.find('.'));
    const Event::Kind k = target->kind();
    bool fits = false;
    if (top == "decision") fits = k != Event::RATED;
    if (top == "effective_date" || top == "reason") fits = true;
    if (top == "from_cell") fits = k == Event::TRANSFERRED_CELL;
    if (top == "to_cell") {
      fits = k == Event::ADMITTED || k == Event::TRANSFERRED_CELL || k == Event::TRANSFERRED_IN ||
             k == Event::TEMPORARY_HOSTED_IN || k == Event::READMITTED;
    }
    if (top == "to_organization") {
      fits = k == Event::TRANSFERRED_OUT || k == Event::TEMPORARY_TRANSFER_OUT;
    }
    if (top == "from_organization") {
      fits = k == Event::TRANSFERRED_IN || k == Event::TEMPORARY_HOSTED_IN;
    }
    if (top == "removal_ground") fits = k == Event::REMOVED;
    if (top == "rating") {
      fits = k == Event::RATED && p != "rating.year" && p != "rating.event_id" &&
             p != "rating.record_time" && p != "rating";
    }
    if (top == "discipline") {
      fits = (k == Event::DISCIPLINED || k == Event::EXPELLED) && p != "discipline.discipline_id" &&
             p != "discipline.event_id" && p != "discipline" &&
             !(k == Event::EXPELLED && p == "discipline.form");
    }
    if (!fits) {
      violations.Add(
          absl::StrCat("correction_mask.paths[", i, "]"),
          absl::StrCat("\"", p, "\" cannot be corrected on a ", Event::Kind_Name(k), " event"));
    }
  }
  if (absl::Status s = violations.ToStatus(); !s.ok()) return s;
  Event e;
  e.set_kind(Event::CORRECTED);
  *e.mutable_decision() = request.basis();
  e.set_reason(request.reason());
  e.set_corrects_event_id(request.event_id());
  e.set_voids_event(request.voids_event());
  if (!request.voids_event()) {
    v1::EventCorrection values;
    FieldMaskUtil::MergeOptions options;
    options.set_replace_message_fields(true);
    options.set_replace_repeated_fields(true);
    FieldMaskUtil::MergeMessageTo(request.corrected_values(), request.correction_mask(), options,
                                  &values);
    *e.mutable_corrected_values() = values;
    for (const std::string& p : request.correction_mask().paths()) e.add_corrected_fields(p);
  }
  absl::StatusOr<v1::Member> out = Append(member, std::move(e), context);
  if (!out.ok() && out.status().code() == absl::StatusCode::kFailedPrecondition) {
    return Rule(kCorrectionBreaksRule, member.name(),
                absl::StrCat("the correction of ", request.event_id(),
                             " would break a rule when the history is replayed (",
                             common::ErrorReason(out.status()), "): ", out.status().message()));
  }
  return out;
}

absl::StatusOr<v1::Member> RateMember(const v1::Member& member,
                                      const v1::RateMemberRequest& request,
                                      const EventContext& context) {
  const int year = request.rating().year();
  for (const v1::YearlyRating& r : member.ratings()) {
    if (r.year() == year) {
      return common::WithReason(
          absl::AlreadyExistsError(
              absl::StrCat("rating.year: ", member.name(), " is already rated for ", year,
                           " (event ", r.event_id(), "); correct it with CorrectMemberEvent")),
          kYearAlreadyRated);
    }
  }
  // On the lists on at least one day of the year: check the year's last day and the days
  // around every change inside the year.
  std::vector<absl::CivilDay> days = {absl::CivilDay(year, 12, 31)};
  for (const Event& e : EffectiveHistory(member)) {
    auto d = DayOf(e.effective_date());
    if (d.has_value() && d->year() == year) {
      days.push_back(*d);
      if ((*d - 1).year() == year) days.push_back(*d - 1);
    }
  }
  const bool member_in_year = std::any_of(days.begin(), days.end(), [&](absl::CivilDay d) {
    return MemberPositionAt(member, d).counted();
  });
  if (!member_in_year) {
    return Rule(kNotAMemberInYear, member.name(),
                absl::StrCat("the member was not on the organization's lists on any day of ", year,
                             "; only a year of membership can be rated"));
  }
  Event e;
  e.set_kind(Event::RATED);
  *e.mutable_rating() = request.rating();
  e.mutable_rating()->clear_event_id();
  e.mutable_rating()->clear_record_time();
  *e.mutable_effective_date() = request.rating().decision_date();
  e.set_from_cell(member.cell());
  return Append(member, std::move(e), context);
}

absl::StatusOr<v1::Member> DisciplineMember(const v1::Member& member,
                                            const v1::DisciplineMemberRequest& request,
                                            const EventContext& context) {
  if (!IsCounted(member.state())) {
    return Rule(kMemberNotActive, member.name(),
                absl::StrCat("only a member on the organization's lists (PROBATIONARY, FULL or "
                             "TEMPORARILY_AWAY) can be disciplined here; the member is ",
                             StateName(member.state())));
  }
  Event e;
  e.set_kind(Event::DISCIPLINED);
  *e.mutable_decision() = request.discipline().decision();
  *e.mutable_effective_date() = request.discipline().effective_date();
  e.set_reason(request.reason());
  e.set_from_cell(member.cell());
  v1::DisciplineRecord* d = e.mutable_discipline();
  *d = request.discipline();
  d->set_discipline_id(NextDisciplineId(member));
  d->clear_event_id();
  return Append(member, std::move(e), context);
}

// --- profile updates -------------------------------------------------------------------------

const std::vector<std::string>& MemberProfilePaths() {
  static const auto* const kPaths =
      new std::vector<std::string>{"full_name",
                                   "birth_name",
                                   "aliases",
                                   "gender",
                                   "birth_date",
                                   "national_id",
                                   "party_card_number",
                                   "member_file_number",
                                   "hometown",
                                   "permanent_address",
                                   "ethnicity",
                                   "religion",
                                   "education",
                                   "education.general_education",
                                   "education.professional_qualification",
                                   "education.political_theory",
                                   "position"};
  return *kPaths;
}

bool IsPiiPath(absl::string_view path) {
  return path == "birth_date" || path == "national_id" || path == "hometown" ||
         path == "permanent_address";
}

absl::StatusOr<std::vector<std::string>> MemberUpdatePaths(const v1::UpdateMemberRequest& request) {
  static const std::vector<std::string> kLeaves = [] {
    std::vector<std::string> out;
    for (const std::string& p : MemberProfilePaths()) {
      if (p != "education") out.push_back(p);
    }
    return out;
  }();
  std::vector<std::string> out;
  auto add = [&](const std::string& p) {
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  };
  const v1::Member& m = request.member();
  if (request.update_mask().paths_size() == 0) {
    for (const std::string& p : kLeaves) {
      if (p == "gender"       ? m.gender() != 0
          : p == "birth_date" ? IsSet(m.birth_date())
          : p == "aliases"    ? m.aliases_size() > 0
                              : !ValueText(m, p).empty()) {
        add(p);
      }
    }
    return out;
  }
  common::FieldViolations violations;
  for (int i = 0; i < request.update_mask().paths_size(); ++i) {
    const std::string& p = request.update_mask().paths(i);
    if (p == "*") {
      for (const std::string& leaf : kLeaves) add(leaf);
    } else if (p == "education") {
      add("education.general_education");
      add("education.professional_qualification");
      add("education.political_theory");
    } else if (std::find(kLeaves.begin(), kLeaves.end(), p) != kLeaves.end()) {
      add(p);
    } else {
      violations.Add(
          absl::StrCat("update_mask.paths[", i, "]"),
          absl::StrCat("\"", p, "\" cannot be updated: only profile fields may be named (",
                       absl::StrJoin(MemberProfilePaths(), ", "),
                       "); lifecycle and OUTPUT_ONLY fields change only through the "
                       "custom methods"));
    }
  }
  if (!violations.empty()) return violations.ToStatus();
  return out;
}

absl::StatusOr<v1::Member> UpdateMemberProfile(const v1::Member& member,
                                               const v1::UpdateMemberRequest& request,
                                               const EventContext& context) {
  absl::StatusOr<std::vector<std::string>> paths = MemberUpdatePaths(request);
  if (!paths.ok()) return paths.status();
  v1::Member updated = member;
  google::protobuf::FieldMask mask;
  for (const std::string& p : *paths) mask.add_paths(p);
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(request.member(), mask, options, &updated);
  Event e;
  e.set_kind(Event::PROFILE_UPDATED);
  bool identity_changed = false;
  std::set<std::string> changed;
  for (const std::string& p : *paths) {
    const std::string before = ValueText(member, p);
    const std::string after = ValueText(updated, p);
    if (before == after) continue;
    changed.insert(p);
    identity_changed |= IsIdentityPath(p);
    auto* change = e.add_profile_changes();
    change->set_field(p);
    change->set_old_value(before);
    change->set_new_value(after);
  }
  if (changed.empty()) return member;
  if (identity_changed && !request.has_basis()) {
    std::vector<std::string> fields;
    for (const std::string& p : changed) {
      if (IsIdentityPath(p)) fields.push_back(p);
    }
    return common::InvalidField(
        "basis",
        absl::StrCat("is required when an identity field changes (", absl::StrJoin(fields, ", "),
                     "): the member file is corrected only on a stated basis"));
  }
  if (!updated.national_id().empty() &&
      (changed.count("national_id") || changed.count("gender") || changed.count("birth_date"))) {
    absl::Status s = ValidateNationalId(updated.national_id(), updated.gender(),
                                        DayOf(updated.birth_date()), "member.national_id");
    if (!s.ok()) return s;
  }
  if (request.has_basis()) *e.mutable_decision() = request.basis();
  e.set_reason(request.reason());
  e.set_from_cell(member.cell());
  // A profile update takes effect when recorded.
  *e.mutable_effective_date() =
      ToDate(DayIct(absl::FromUnixSeconds(context.record_time.seconds())));
  return Append(updated, std::move(e), context);
}

// --- replay and derived fields ---------------------------------------------------------------

absl::StatusOr<v1::Member> Replay(const v1::Member& member) {
  const EffectiveHistory history(member);
  absl::StatusOr<Facts> facts = ReplayFacts(member, history);
  if (!facts.ok()) return facts.status();
  v1::Member out = member;
  Store(*facts, &out);
  *out.mutable_statistics() = StatisticsOf(member, history);
  return out;
}

void SetStatistics(v1::Member* member) {
  v1::MemberStatistics statistics = StatisticsOf(*member, EffectiveHistory(*member));
  *member->mutable_statistics() = std::move(statistics);
}

absl::StatusOr<v1::LifecycleEvent> EffectiveEvent(const v1::Member& member,
                                                  absl::string_view event_id) {
  for (const Event& e : EffectiveHistory(member)) {
    if (e.event_id() == event_id) return e;
  }
  for (const Event& e : member.history()) {
    if (e.event_id() == event_id) return e;  // voided, CORRECTED or PROFILE_UPDATED: as written
  }
  return common::WithReason(absl::NotFoundError(absl::StrCat("event_id: ", member.name(),
                                                             " has no event \"", event_id, "\"")),
                            kEventNotFound);
}

void FillDerived(v1::Member* member, absl::CivilDay today) {
  member->set_full_name_upper(common::ToUpperVi(member->full_name()));
  *member->mutable_derived_as_of() = ToDate(today);
  member->set_party_age_years(0);
  member->set_party_age_months(0);
  member->set_next_badge_years(0);
  member->clear_next_badge_date();
  Facts f;
  for (const Event& e : EffectiveHistory(*member)) {
    (void)ApplyEvent(*member, e, /*check=*/false, &f);
  }
  if (!f.ever_full || !f.party_age_start.has_value()) return;
  absl::CivilDay end = today;
  if (!IsOnActiveLists(f.state) && f.ended_on.has_value()) end = std::min(end, *f.ended_on);
  const int months = std::max(0, WholeMonthsBetween(*f.party_age_start, end));
  member->set_party_age_years(months / 12);
  member->set_party_age_months(months % 12);
  if (!IsOnActiveLists(f.state) || !f.full.has_value()) return;
  static constexpr int kBadges[] = {30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90};
  for (int badge : kBadges) {
    if (months < badge * 12) {
      member->set_next_badge_years(badge);
      *member->mutable_next_badge_date() = ToDate(AddMonths(*f.party_age_start, badge * 12));
      return;
    }
  }
}

MemberPosition MemberPositionAt(const v1::Member& member, absl::CivilDay day) {
  const Facts f = PositionFactsOn(member, EffectiveHistory(member), day);
  MemberPosition position;
  position.state = f.state;
  position.cell = f.cell;
  position.full = IsFullOn(f, day);
  return position;
}

v1::GetCellHeadcountResponse CellHeadcount(absl::string_view cell, absl::CivilDay as_of,
                                           const std::vector<const v1::Member*>& members) {
  v1::GetCellHeadcountResponse out;
  out.set_cell(std::string(cell));
  *out.mutable_as_of() = ToDate(as_of);
  const std::string organization = OrganizationOf(cell);
  for (const v1::Member* m : members) {
    if (m == nullptr || OrganizationOf(m->name()) != organization) continue;
    const MemberPosition p = MemberPositionAt(*m, as_of);
    if (p.cell != cell) continue;
    if (p.state == v1::Member::TEMPORARILY_HOSTED) {
      out.set_temporarily_hosted_not_counted(out.temporarily_hosted_not_counted() + 1);
      continue;
    }
    if (!p.counted()) continue;
    if (p.full) {
      out.set_official(out.official() + 1);
    } else {
      out.set_probationary(out.probationary() + 1);
    }
    if (p.state == v1::Member::TEMPORARILY_AWAY) {
      out.set_temporarily_away(out.temporarily_away() + 1);
    }
  }
  out.set_total_counted(out.official() + out.probationary());
  return out;
}

}  // namespace records::domain
