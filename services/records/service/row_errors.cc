#include "services/records/service/row_errors.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/errors.h"

namespace records {

std::string RowRequestId(absl::string_view request_id, int row) {
  return absl::StrCat(request_id, "#row", row);
}

void AddRowErrors(int row, const absl::Status& status, RowErrors* errors,
                  absl::string_view default_field,
                  const std::function<std::string(const std::string&)>& rename) {
  const std::string reason = common::ErrorReason(status);
  const auto violations = common::FieldViolationsOf(status);
  if (violations.empty()) {
    dangbo::common::v1::RowError* e = errors->Add();
    e->set_row(row);
    e->set_field(std::string(default_field));
    e->set_message(std::string(status.message()));
    e->set_code(static_cast<int>(status.code()));
    e->set_reason(reason.empty() ? absl::StatusCodeToString(status.code()) : reason);
    return;
  }
  for (const auto& [path, description] : violations) {
    const std::string field = rename ? rename(path) : path;
    dangbo::common::v1::RowError* e = errors->Add();
    e->set_row(row);
    e->set_field(field);
    e->set_message(absl::StrCat(field, ": ", description));
    e->set_code(static_cast<int>(status.code()));
    e->set_reason(reason.empty() ? "INVALID_ARGUMENT" : reason);
  }
}

void SortRowErrors(RowErrors* errors) {
  std::stable_sort(errors->begin(), errors->end(),
                   [](const dangbo::common::v1::RowError& a,
                      const dangbo::common::v1::RowError& b) { return a.row() < b.row(); });
}

}  // namespace records
