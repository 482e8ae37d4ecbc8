// File: services/records/domain/meeting_rules.h
//
// Rules of cell meetings (sinh hoạt chi bộ) decidable from the meetings alone: attendance per
// member and cell, members absent without reason three times within a calendar year, months
// without a regular meeting, and thematic meetings held against those required.
// dues_validation.h has the request-alone checks of CreateMeeting / UpdateMeeting.
//
// A month is missed only once it has ended without a REGULAR meeting dated in it; the
// current month is never missed. EXCUSED absences never count towards the flag. Attendance
// rates are present / (present + excused + absent) in basis points, rounded half up.
// Pure, thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "dangbo/records/v1/cell.pb.h"
#include "dangbo/records/v1/meeting.pb.h"

namespace records::domain {

namespace v1 = ::dangbo::records::v1;

// Absences without reason within one calendar year that flag a member (DOMAIN.md §1.4).
inline constexpr int kUnexcusedAbsencesFlag = 3;

// Thematic meetings a cell holds in a year when the caller gives no other number: one a
// quarter. Unverified: read from the cell-meeting guidance (HD 12-HD/BTCTW) as commonly
// summarised; the seed can set another number per year.
inline constexpr int kDefaultThematicMeetingsPerYear = 4;

// What the rules require of a cell in each year it exists (Cell.meeting_requirements), from
// its established_date and end_date (active on a day D while established <= D < end_date):
// a REGULAR meeting for each month of the year the cell is active on the month's last day,
// and kDefaultThematicMeetingsPerYear THEMATIC meetings prorated to those months
// (× months / 12, rounded half up: 4 for a whole year, 2 for six months). Entries only where
// the requirement changes: the first year, the first whole year, the year it ends and {0, 0}
// the year after. None without an established_date.
std::vector<v1::MeetingRequirement> MeetingRequirements(const v1::Cell& cell);

// The requirement of `year` alone: the last entry of MeetingRequirements(cell) at or before
// it, as {year, regular, thematic}; {year, 0, 0} before the cell's first year.
v1::MeetingRequirement MeetingRequirementOf(const v1::Cell& cell, int year);

// Whether `month` needs a REGULAR meeting of the cell: the cell is active on its last day.
bool RegularMeetingRequired(const v1::Cell& cell, absl::CivilMonth month);

// Sets cell->meeting_requirements (OUTPUT_ONLY) from the cell's dates; every write and read
// path of a cell calls it, so a stored or logged cell always carries what its dates decide.
void SetMeetingRequirements(v1::Cell* cell);

// The meeting's present / excused / absent counts (OUTPUT_ONLY fields) from its attendance.
void FillAttendanceCounts(v1::Meeting* meeting);

// present × 10000 / total rounded half up; 0 when total is 0.
int AttendanceBasisPoints(int present, int total);

// The cell's year from its meetings (others' years ignored), against what the rules above
// require of the cell that year: months (up to the month before `today`'s, all twelve for a
// past year) that needed a REGULAR meeting (RegularMeetingRequired) and had none, THEMATIC
// meetings held vs MeetingRequirementOf(cell, year) (prorated for a cell established or
// ended during the year), attendance of the cell and per member (member name order), and
// the members flagged for kUnexcusedAbsencesFlag absences without reason.
v1::CellMeetingSummary SummarizeMeetings(const v1::Cell& cell, int year,
                                         absl::Span<const v1::Meeting> meetings,
                                         absl::CivilDay today);

}  // namespace records::domain
