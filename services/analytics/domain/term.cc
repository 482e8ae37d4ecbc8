#include "services/analytics/domain/term.h"

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace analytics {

absl::Status ValidateYear(int year, absl::string_view field) {
  if (year < kMinYear || year > kMaxYear) {
    return common::InvalidField(
        field, absl::StrCat("must be a year from ", kMinYear, " to ", kMaxYear, "; got ", year));
  }
  return absl::OkStatus();
}

absl::Status ValidateTerm(const dangbo::common::v1::Term& term, absl::string_view field) {
  common::FieldViolations v;
  const std::string start = absl::StrCat(field, ".start_year");
  const std::string end = absl::StrCat(field, ".end_year");
  if (term.start_year() < kMinYear || term.start_year() > kMaxYear) {
    v.Add(start, absl::StrCat("must be a year from ", kMinYear, " to ", kMaxYear, "; got ",
                              term.start_year()));
  }
  if (term.end_year() <= term.start_year() || term.end_year() > term.start_year() + 10) {
    v.Add(end, absl::StrCat("must be after start_year and at most 10 years after it; got ",
                            term.start_year(), "–", term.end_year()));
  }
  return v.ToStatus();
}

dangbo::common::v1::Term DefaultTerm(int year) {
  dangbo::common::v1::Term term;
  term.set_start_year(year - year % 5);
  term.set_end_year(term.start_year() + 5);
  return term;
}

bool TermContains(const dangbo::common::v1::Term& term, int year) {
  return term.start_year() <= year && year <= term.end_year();
}

}  // namespace analytics
