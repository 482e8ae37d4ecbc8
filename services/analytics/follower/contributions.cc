#include "services/analytics/follower/contributions.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/time/time.h"

namespace analytics {
namespace {

using ::dangbo::records::v1::Cell;
using ::dangbo::records::v1::InspectionItem;
using ::dangbo::records::v1::InspectionPlan;
using ::dangbo::records::v1::LifecycleEvent;
using ::dangbo::records::v1::Member;
using ::dangbo::records::v1::YearlyRating;

void Add(ContributionMap* out, const std::string& org, int year, int field, int64_t delta = 1) {
  (*out)[{org, year}][field] += delta;
}

void DropZeros(ContributionMap* out) {
  for (auto it = out->begin(); it != out->end();) {
    const bool zero =
        std::all_of(it->second.begin(), it->second.end(), [](int64_t v) { return v == 0; });
    it = zero ? out->erase(it) : std::next(it);
  }
}

int RatingField(YearlyRating::Level level, bool member) {
  switch (level) {
    case YearlyRating::EXCELLENT:
      return member ? kMemberExcellent : kCellExcellent;
    case YearlyRating::GOOD:
      return member ? kMemberGood : kCellGood;
    case YearlyRating::COMPLETED:
      return member ? kMemberCompleted : kCellCompleted;
    case YearlyRating::NOT_COMPLETED:
      return member ? kMemberNotCompleted : kCellNotCompleted;
    default:
      return -1;
  }
}

// Year of a civil date, or of the record time in ICT when the date is unset.
int EventYear(const LifecycleEvent& event) {
  if (event.effective_date().year() != 0) return event.effective_date().year();
  const absl::Time t = absl::FromUnixSeconds(event.record_time().seconds());
  return absl::ToCivilYear(t, absl::FixedTimeZone(7 * 3600)).year();
}

int64_t DateKey(const google::type::Date& d) {
  return int64_t{d.year()} * 10000 + d.month() * 100 + d.day();
}

enum class Standing { kNone, kProbationary, kFull, kAway, kHosted, kLeft };

struct YearEnd {
  bool counted = false;  // in the headcount (probationary, full, temporarily away)
  bool full = false;
  bool away = false;
  bool hosted = false;
};

}  // namespace

ContributionMap MemberContribution(const Member& member) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(member.name());
  if (org.empty()) return out;

  // Corrections, in history order (a later correction of the same path wins).
  std::map<std::string, LifecycleEvent> events;  // event_id -> event as corrected
  std::vector<std::string> order;
  std::set<std::string> voided;
  for (const LifecycleEvent& event : member.history()) {
    if (event.kind() == LifecycleEvent::CORRECTED) {
      auto it = events.find(event.corrects_event_id());
      if (it == events.end()) continue;
      if (event.voids_event()) {
        voided.insert(event.corrects_event_id());
        continue;
      }
      for (const std::string& path : event.corrected_fields()) {
        if (path == "effective_date") {
          *it->second.mutable_effective_date() = event.corrected_values().effective_date();
        }
      }
      continue;
    }
    events[event.event_id()] = event;
    order.push_back(event.event_id());
  }
  std::vector<const LifecycleEvent*> timeline;
  for (const std::string& id : order) {
    if (voided.count(id)) continue;
    const LifecycleEvent& event = events[id];
    switch (event.kind()) {
      case LifecycleEvent::PROFILE_UPDATED:
      case LifecycleEvent::RATED:
      case LifecycleEvent::DISCIPLINED:  // counted from member.disciplines below
      case LifecycleEvent::CORRECTED:
      case LifecycleEvent::KIND_UNSPECIFIED:
        break;
      default:
        timeline.push_back(&event);
    }
  }
  // By effective date; the recorded order breaks ties (stable sort).
  std::stable_sort(timeline.begin(), timeline.end(),
                   [](const LifecycleEvent* a, const LifecycleEvent* b) {
                     const int ya = EventYear(*a), yb = EventYear(*b);
                     if (ya != yb) return ya < yb;
                     return DateKey(a->effective_date()) < DateKey(b->effective_date());
                   });

  Standing standing = Standing::kNone;
  bool full = false;
  std::map<int, YearEnd> year_ends;  // year -> state at its end, for years with events
  for (const LifecycleEvent* event : timeline) {
    const int year = EventYear(*event);
    const bool counted_before = standing == Standing::kProbationary ||
                                standing == Standing::kFull || standing == Standing::kAway;
    switch (event->kind()) {
      case LifecycleEvent::ADMITTED:
      case LifecycleEvent::READMITTED:
        Add(&out, org, year,
            event->kind() == LifecycleEvent::ADMITTED ? kAdmissions : kReadmissions);
        standing = Standing::kProbationary;
        full = false;
        break;
      case LifecycleEvent::RECOGNIZED_FULL:
        Add(&out, org, year, kRecognitions);
        full = true;
        if (standing == Standing::kProbationary) standing = Standing::kFull;
        break;
      case LifecycleEvent::TRANSFERRED_CELL:
        Add(&out, org, year, kCellTransfers);
        break;
      case LifecycleEvent::TRANSFERRED_OUT:
        if (counted_before) Add(&out, org, year, kTransfersOut);
        standing = Standing::kLeft;
        break;
      case LifecycleEvent::TRANSFERRED_IN:
        Add(&out, org, year, kTransfersIn);
        full = event->state_after() == Member::FULL ||
               event->carried_membership().has_full_membership_date();
        standing = full ? Standing::kFull : Standing::kProbationary;
        break;
      case LifecycleEvent::TEMPORARY_TRANSFER_OUT:
        standing = Standing::kAway;
        break;
      case LifecycleEvent::TEMPORARY_TRANSFER_RETURN:
        standing = full ? Standing::kFull : Standing::kProbationary;
        break;
      case LifecycleEvent::TEMPORARY_HOSTED_IN:
        standing = Standing::kHosted;
        break;
      case LifecycleEvent::TEMPORARY_HOSTING_ENDED:
        standing = Standing::kLeft;
        break;
      case LifecycleEvent::REMOVED:
        Add(&out, org, year, kRemoved);
        standing = Standing::kLeft;
        break;
      case LifecycleEvent::EXPELLED:
        Add(&out, org, year, kExpelled);
        standing = Standing::kLeft;
        break;
      case LifecycleEvent::DECEASED:
        Add(&out, org, year, kDeceased);
        standing = Standing::kLeft;
        break;
      default:
        break;
    }
    YearEnd& end = year_ends[year];
    end.counted = standing == Standing::kProbationary || standing == Standing::kFull ||
                  standing == Standing::kAway;
    end.full = end.counted && full;
    end.away = standing == Standing::kAway;
    end.hosted = standing == Standing::kHosted;
  }
  // Year-end stocks as changes in the years they change.
  YearEnd previous;
  for (const auto& [year, end] : year_ends) {
    auto change = [&](bool now, bool before) { return int64_t{now} - int64_t{before}; };
    Add(&out, org, year, kProbationaryChange,
        change(end.counted && !end.full, previous.counted && !previous.full));
    Add(&out, org, year, kFullChange, change(end.full, previous.full));
    Add(&out, org, year, kTemporarilyAwayChange, change(end.away, previous.away));
    Add(&out, org, year, kTemporarilyHostedChange, change(end.hosted, previous.hosted));
    previous = end;
  }
  auto counted_at_end_of = [&](int year) {
    auto it = year_ends.upper_bound(year);
    return it != year_ends.begin() && std::prev(it)->second.counted;
  };
  for (const YearlyRating& rating : member.ratings()) {
    const int field = RatingField(rating.level(), /*member=*/true);
    if (field >= 0 && counted_at_end_of(rating.year())) Add(&out, org, rating.year(), field);
  }
  for (const auto& discipline : member.disciplines()) {
    if (discipline.effective_date().year() != 0) {
      Add(&out, org, discipline.effective_date().year(), kDisciplines);
    }
  }
  DropZeros(&out);
  return out;
}

ContributionMap CellContribution(const Cell& cell) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(cell.name());
  if (org.empty() || cell.established_date().year() == 0) return out;
  const int first = cell.established_date().year();
  // Active at the end of year Y while established ≤ 31/12/Y < end_date.
  const bool ends = cell.end_date().year() != 0;
  const int last = ends ? cell.end_date().year() - 1 : 99999;
  if (last >= first) {
    Add(&out, org, first, kCellsChange, 1);
    if (ends) Add(&out, org, last + 1, kCellsChange, -1);
  }
  for (const YearlyRating& rating : cell.ratings()) {
    const int field = RatingField(rating.level(), /*member=*/false);
    if (field >= 0 && rating.year() >= first && rating.year() <= last) {
      Add(&out, org, rating.year(), field);
    }
  }
  DropZeros(&out);
  return out;
}

ContributionMap PlanContribution(const InspectionPlan& plan) {
  ContributionMap out;
  const std::string org = OrganizationIdOf(plan.name());
  if (org.empty() || plan.year() == 0) return out;
  Add(&out, org, plan.year(), kPlans);
  for (const InspectionItem& item : plan.items()) {
    if (item.state() == InspectionItem::CANCELLED) {
      Add(&out, org, plan.year(), kItemsCancelled);
      continue;
    }
    Add(&out, org, plan.year(), kItemsPlanned);
    if (item.state() == InspectionItem::CONCLUDED || item.state() == InspectionItem::CLOSED) {
      Add(&out, org, plan.year(), kItemsCompleted);
      const auto outcome = item.conclusion().outcome();
      if (outcome == InspectionItem::Conclusion::VIOLATION ||
          outcome == InspectionItem::Conclusion::VIOLATION_WITH_DISCIPLINE) {
        Add(&out, org, plan.year(), kItemsWithViolation);
      }
    }
  }
  return out;
}

}  // namespace analytics
