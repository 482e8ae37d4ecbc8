#include "services/records/domain/meeting_rules.h"

#include <map>
#include <set>

namespace records::domain {

void FillAttendanceCounts(v1::Meeting* meeting) {
  int present = 0;
  int excused = 0;
  int absent = 0;
  for (const v1::MeetingAttendance& a : meeting->attendance()) {
    switch (a.status()) {
      case v1::MeetingAttendance::PRESENT:
        ++present;
        break;
      case v1::MeetingAttendance::EXCUSED:
        ++excused;
        break;
      case v1::MeetingAttendance::ABSENT:
        ++absent;
        break;
      default:
        break;
    }
  }
  meeting->set_present_count(present);
  meeting->set_excused_count(excused);
  meeting->set_absent_count(absent);
}

bool RegularMeetingRequired(const v1::Cell& cell, absl::CivilMonth month) {
  const google::type::Date& from = cell.established_date();
  if (from.year() == 0) return false;
  const absl::CivilDay last_day = absl::CivilDay(month + 1) - 1;
  if (last_day < absl::CivilDay(from.year(), from.month(), from.day())) return false;
  const google::type::Date& end = cell.end_date();
  return end.year() == 0 || last_day < absl::CivilDay(end.year(), end.month(), end.day());
}

std::vector<v1::MeetingRequirement> MeetingRequirements(const v1::Cell& cell) {
  std::vector<v1::MeetingRequirement> out;
  const google::type::Date& from = cell.established_date();
  if (from.year() == 0) return out;
  // After the year it ends (or, open-ended, the first whole year) nothing changes any more.
  const int64_t last = cell.end_date().year() != 0 ? cell.end_date().year() + 1 : from.year() + 1;
  for (int64_t year = from.year(); year <= last; ++year) {
    int months = 0;
    for (absl::CivilMonth m(year, 1); m.year() == year; ++m) {
      if (RegularMeetingRequired(cell, m)) ++months;
    }
    const int thematic = (kDefaultThematicMeetingsPerYear * months + 6) / 12;
    if (!out.empty() && out.back().regular_meetings() == months &&
        out.back().thematic_meetings() == thematic) {
      continue;
    }
    v1::MeetingRequirement& r = out.emplace_back();
    r.set_year(static_cast<int32_t>(year));
    r.set_regular_meetings(months);
    r.set_thematic_meetings(thematic);
  }
  return out;
}

v1::MeetingRequirement MeetingRequirementOf(const v1::Cell& cell, int year) {
  v1::MeetingRequirement out;
  for (const v1::MeetingRequirement& r : MeetingRequirements(cell)) {
    if (r.year() > year) break;
    out = r;
  }
  out.set_year(year);
  return out;
}

void SetMeetingRequirements(v1::Cell* cell) {
  cell->clear_meeting_requirements();
  for (v1::MeetingRequirement& r : MeetingRequirements(*cell)) {
    *cell->add_meeting_requirements() = std::move(r);
  }
}

int AttendanceBasisPoints(int present, int total) {
  if (total <= 0) return 0;
  return static_cast<int>((static_cast<int64_t>(present) * 10000 + total / 2) / total);
}

v1::CellMeetingSummary SummarizeMeetings(const v1::Cell& cell, int year,
                                         absl::Span<const v1::Meeting> meetings,
                                         absl::CivilDay today) {
  v1::CellMeetingSummary summary;
  summary.set_cell(cell.name());
  summary.set_year(year);
  summary.set_thematic_meetings_required(MeetingRequirementOf(cell, year).thematic_meetings());
  std::set<int> regular_months;
  std::map<std::string, v1::CellMeetingSummary::MemberAttendance> members;
  int present = 0;
  int total = 0;
  for (const v1::Meeting& m : meetings) {
    if (m.date().year() != year) continue;
    if (m.kind() == v1::Meeting::REGULAR) regular_months.insert(m.date().month());
    if (m.kind() == v1::Meeting::THEMATIC) {
      summary.set_thematic_meetings(summary.thematic_meetings() + 1);
    }
    for (const v1::MeetingAttendance& a : m.attendance()) {
      v1::CellMeetingSummary::MemberAttendance& ma = members[a.member()];
      ma.set_member(a.member());
      if (a.status() == v1::MeetingAttendance::PRESENT) ma.set_present(ma.present() + 1);
      if (a.status() == v1::MeetingAttendance::EXCUSED) ma.set_excused(ma.excused() + 1);
      if (a.status() == v1::MeetingAttendance::ABSENT) ma.set_absent(ma.absent() + 1);
    }
  }
  const absl::CivilMonth current(today);
  for (absl::CivilMonth m(year, 1); m.year() == year && m < current; ++m) {
    if (RegularMeetingRequired(cell, m) && regular_months.count(m.month()) == 0) {
      summary.add_months_without_regular_meeting(m.month());
    }
  }
  for (auto& [name, ma] : members) {
    const int member_total = ma.present() + ma.excused() + ma.absent();
    ma.set_attendance_basis_points(AttendanceBasisPoints(ma.present(), member_total));
    ma.set_flagged(ma.absent() >= kUnexcusedAbsencesFlag);
    present += ma.present();
    total += member_total;
    *summary.add_members() = std::move(ma);
  }
  summary.set_attendance_basis_points(AttendanceBasisPoints(present, total));
  return summary;
}

}  // namespace records::domain
