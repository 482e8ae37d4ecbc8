// Fuzz target: RecordObservations' CSV parser (services/analytics/domain/observation_csv.h).
//
// Input: the CSV text (max_rows 100, so the limit is reachable).
// Properties:
//   - ParseObservationsCsv returns OK or INVALID_ARGUMENT and never crashes; on OK every row
//     and row error names a line after the header, and no more rows are accepted than data_rows;
//   - parse -> format -> parse: the accepted rows written back as CSV (every column, every
//     cell quoted) parse again with no errors to the same observations.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/analytics/domain/observation_csv.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::ObservationInput;
using ::dangbo::analytics::v1::Target;
using google::protobuf::util::MessageDifferencer;

constexpr int kMaxRows = 100;

std::string Quoted(absl::string_view cell) {
  return absl::StrCat("\"", absl::StrReplaceAll(cell, {{"\"", "\"\""}}), "\"");
}

std::string TargetValue(const ObservationInput& row, Target::Type type) {
  for (const Target& target : row.targets()) {
    if (target.type() == type) return target.value().value();
  }
  return "";
}

// The rows as CSV, every column present.
std::string Format(const std::vector<ObservationInput>& rows) {
  std::string csv =
      "indicator,year,value_kind,actual,target_legal,target_striving,target_adjusted,source,"
      "note\r\n";
  for (const ObservationInput& row : rows) {
    const std::string kind = row.value_kind() == Observation::VALUE_KIND_UNSPECIFIED
                                 ? ""
                                 : Observation::ValueKind_Name(row.value_kind());
    const std::string actual = row.has_actual() ? row.actual().value() : "";
    absl::StrAppend(&csv, Quoted(row.indicator()), ",", row.year(), ",", Quoted(kind), ",",
                    Quoted(actual), ",", Quoted(TargetValue(row, Target::LEGAL)), ",",
                    Quoted(TargetValue(row, Target::STRIVING)), ",",
                    Quoted(TargetValue(row, Target::ADJUSTED)), ",", Quoted(row.source()), ",",
                    Quoted(row.note()), "\r\n");
  }
  return csv;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view csv(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<analytics::ParsedCsv> parsed = analytics::ParseObservationsCsv(csv, kMaxRows);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument) << parsed.status();
    return 0;
  }
  FUZZ_CHECK(parsed->data_rows <= kMaxRows);
  FUZZ_CHECK(parsed->rows.size() <= static_cast<size_t>(parsed->data_rows));
  for (const ObservationInput& row : parsed->rows) FUZZ_CHECK(row.row() >= 2) << row.row();
  for (const auto& error : parsed->errors) FUZZ_CHECK(error.row() >= 2) << error.row();

  const std::string formatted = Format(parsed->rows);
  absl::StatusOr<analytics::ParsedCsv> again = analytics::ParseObservationsCsv(formatted, kMaxRows);
  FUZZ_CHECK(again.ok()) << again.status() << "\n" << formatted;
  FUZZ_CHECK(again->errors.empty()) << again->errors[0].message() << "\n" << formatted;
  FUZZ_CHECK(again->rows.size() == parsed->rows.size()) << formatted;
  for (size_t i = 0; i < parsed->rows.size(); ++i) {
    ObservationInput expected = parsed->rows[i];
    expected.set_row(again->rows[i].row());  // lines move when notes hold newlines
    FUZZ_CHECK(MessageDifferencer::Equals(expected, again->rows[i]))
        << expected.DebugString() << "\nreparsed as\n"
        << again->rows[i].DebugString() << "\nfrom\n"
        << formatted;
  }
  return 0;
}
