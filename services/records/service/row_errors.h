// File: services/records/service/row_errors.h
//
// How a bulk call (ImportMembers, ImportDuesPayments) reports the rows it refused: each as
// the error the single-item call would have returned, turned into RowErrors that name the
// row, the field and the rule; and the per-row request ids that make a resent import skip
// the rows an earlier attempt wrote.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "dangbo/common/v1/common.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace records {

using RowErrors = google::protobuf::RepeatedPtrField<dangbo::common::v1::RowError>;

// The request id of row `row` of an import sent under `request_id`: "{request_id}#row{row}".
std::string RowRequestId(absl::string_view request_id, int row);

// Adds `status` as errors of row `row`: one per field violation it carries (the field as
// `rename` gives it, when set: a single-item request's path -> the row's), or one for the
// row naming `default_field`. Code and reason are the single-item call's.
void AddRowErrors(int row, const absl::Status& status, RowErrors* errors,
                  absl::string_view default_field = "",
                  const std::function<std::string(const std::string&)>& rename = nullptr);

// Orders `errors` by row, keeping each row's errors in the order they were added.
void SortRowErrors(RowErrors* errors);

}  // namespace records
