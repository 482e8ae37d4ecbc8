#include "services/analytics/domain/observation_csv.h"

#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/errors.h"
#include "services/analytics/domain/decimal.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::ObservationInput;
using ::dangbo::analytics::v1::Target;
using ::dangbo::common::v1::RowError;

constexpr const char* kColumns[] = {"indicator",       "year",         "value_kind",
                                    "actual",          "target_legal", "target_striving",
                                    "target_adjusted", "source",       "note"};

struct Record {
  int line = 0;
  std::vector<std::string> cells;
};

// Splits RFC 4180 records; `records` get the line each starts on.
absl::Status SplitRecords(absl::string_view csv, std::vector<Record>* records) {
  size_t i = 0;
  int line = 1;
  if (csv.substr(0, 3) == "\xEF\xBB\xBF") i = 3;  // UTF-8 byte order mark
  while (i < csv.size()) {
    Record record;
    record.line = line;
    std::string cell;
    bool end_of_record = false;
    while (!end_of_record) {
      if (i < csv.size() && csv[i] == '"') {
        const int quote_line = line;
        ++i;
        while (true) {
          if (i >= csv.size()) {
            return common::InvalidField(
                "csv", absl::StrCat("line ", quote_line, ": quoted field is not closed"));
          }
          if (csv[i] == '"') {
            if (i + 1 < csv.size() && csv[i + 1] == '"') {
              cell.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (csv[i] == '\n') ++line;
          cell.push_back(csv[i++]);
        }
      }
      while (i < csv.size() && csv[i] != ',' && csv[i] != '\n' && csv[i] != '\r') {
        cell.push_back(csv[i++]);
      }
      record.cells.push_back(std::move(cell));
      cell.clear();
      if (i >= csv.size()) {
        end_of_record = true;
      } else if (csv[i] == ',') {
        ++i;
      } else {
        if (csv[i] == '\r') ++i;
        if (i < csv.size() && csv[i] == '\n') ++i;
        ++line;
        end_of_record = true;
      }
    }
    const bool blank = record.cells.size() == 1 && record.cells[0].empty();
    if (!blank) records->push_back(std::move(record));
  }
  return absl::OkStatus();
}

RowError MakeRowError(int row, absl::string_view field, absl::string_view message) {
  RowError error;
  error.set_row(row);
  error.set_field(std::string(field));
  error.set_message(field.empty() ? std::string(message) : absl::StrCat(field, ": ", message));
  error.set_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
  error.set_reason("INVALID_ARGUMENT");
  return error;
}

}  // namespace

absl::StatusOr<ParsedCsv> ParseObservationsCsv(absl::string_view csv, int max_rows) {
  std::vector<Record> records;
  if (absl::Status s = SplitRecords(csv, &records); !s.ok()) return s;
  if (records.empty()) {
    return common::InvalidField("csv", absl::StrCat("must start with a header line naming "
                                                    "columns from: ",
                                                    absl::StrJoin(kColumns, ",")));
  }
  std::map<std::string, int> column_of;  // name -> index
  common::FieldViolations header_errors;
  const Record& header = records.front();
  for (size_t c = 0; c < header.cells.size(); ++c) {
    const std::string& name = header.cells[c];
    bool known = false;
    for (const char* column : kColumns) known |= name == column;
    if (!known) {
      header_errors.Add("csv", absl::StrCat("line 1: unknown column \"", name,
                                            "\"; allowed: ", absl::StrJoin(kColumns, ",")));
    } else if (!column_of.emplace(name, static_cast<int>(c)).second) {
      header_errors.Add("csv", absl::StrCat("line 1: column \"", name, "\" appears twice"));
    }
  }
  for (const char* required : {"indicator", "year"}) {
    if (!column_of.count(required)) {
      header_errors.Add("csv",
                        absl::StrCat("line 1: the header must name column \"", required, "\""));
    }
  }
  if (!header_errors.empty()) return header_errors.ToStatus();
  if (static_cast<int>(records.size()) - 1 > max_rows) {
    return common::InvalidField(
        "csv", absl::StrCat("at most ", max_rows, " data lines; got ", records.size() - 1));
  }

  ParsedCsv out;
  out.data_rows = static_cast<int>(records.size()) - 1;
  for (size_t r = 1; r < records.size(); ++r) {
    const Record& record = records[r];
    if (record.cells.size() != header.cells.size()) {
      out.errors.push_back(
          MakeRowError(record.line, "",
                       absl::StrCat("line ", record.line, ": has ", record.cells.size(),
                                    " cells; the header has ", header.cells.size())));
      continue;
    }
    auto cell = [&](const char* name) -> std::string {
      auto it = column_of.find(name);
      return it == column_of.end() ? std::string() : record.cells[it->second];
    };
    const size_t errors_before = out.errors.size();
    ObservationInput input;
    input.set_row(record.line);
    input.set_indicator(cell("indicator"));
    int year = 0;
    if (!absl::SimpleAtoi(cell("year"), &year)) {
      out.errors.push_back(MakeRowError(
          record.line, "year",
          absl::StrCat("must be a year like 2019; got \"", cell("year").substr(0, 20), "\"")));
    }
    input.set_year(year);
    const std::string kind = cell("value_kind");
    Observation::ValueKind value_kind = Observation::VALUE_KIND_UNSPECIFIED;
    if (!kind.empty() && (!Observation::ValueKind_Parse(kind, &value_kind) ||
                          value_kind == Observation::VALUE_KIND_UNSPECIFIED)) {
      out.errors.push_back(MakeRowError(
          record.line, "value_kind",
          absl::StrCat("must be ACTUAL, ESTIMATE, PRELIMINARY, REVISED or empty; got \"",
                       kind.substr(0, 20), "\"")));
    }
    input.set_value_kind(value_kind);
    auto decimal = [&](const char* column) -> bool {
      const std::string text = cell(column);
      if (text.empty()) return false;
      absl::StatusOr<int64_t> parsed = ParseDecimal(text, column);
      if (!parsed.ok()) {
        const auto violations = common::FieldViolationsOf(parsed.status());
        out.errors.push_back(MakeRowError(
            record.line, column,
            violations.empty() ? std::string(parsed.status().message()) : violations[0].second));
        return false;
      }
      return true;
    };
    if (decimal("actual")) input.mutable_actual()->set_value(cell("actual"));
    const std::pair<const char*, Target::Type> targets[] = {{"target_legal", Target::LEGAL},
                                                            {"target_striving", Target::STRIVING},
                                                            {"target_adjusted", Target::ADJUSTED}};
    for (const auto& [column, type] : targets) {
      if (decimal(column)) {
        Target* target = input.add_targets();
        target->set_type(type);
        target->mutable_value()->set_value(cell(column));
      }
    }
    // A value_kind beside an empty actual says nothing: a targets-only line.
    if (!input.has_actual()) input.set_value_kind(Observation::VALUE_KIND_UNSPECIFIED);
    input.set_source(cell("source"));
    input.set_note(cell("note"));
    if (out.errors.size() == errors_before) out.rows.push_back(std::move(input));
  }
  return out;
}

}  // namespace analytics
