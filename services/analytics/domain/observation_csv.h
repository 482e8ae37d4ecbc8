// File: services/analytics/domain/observation_csv.h
//
// RecordObservations' CSV form (RFC 4180, UTF-8): a header naming columns from
//   indicator,year,value_kind,actual,target_legal,target_striving,target_adjusted,source,note
// in any order (indicator and year required), then one observation per record. Quoted
// fields may hold commas, doubled quotes and newlines; an empty cell means "not given".
// Rows are numbered by the line they start on (the header is line 1).
//
// Whole-input problems (no or bad header, unknown or repeated column, unterminated quote,
// more than max_rows data rows) are INVALID_ARGUMENT on field "csv". Problems in one row
// (wrong number of cells, a year that is not a number, an unknown value_kind, a number not
// in Decimal format) are RowErrors naming the line and the column; the row is dropped.
//
// Pure function, thread-safe.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "dangbo/analytics/v1/indicator.pb.h"
#include "dangbo/common/v1/common.pb.h"

namespace analytics {

struct ParsedCsv {
  std::vector<dangbo::analytics::v1::ObservationInput> rows;  // row = line number
  std::vector<dangbo::common::v1::RowError> errors;
  int data_rows = 0;  // records after the header, valid or not
};

absl::StatusOr<ParsedCsv> ParseObservationsCsv(absl::string_view csv, int max_rows);

}  // namespace analytics
