// File: common/list_query.h
//
// The query parts of List methods (AIP-158/160/132), generic for both services:
//
// - ParseFilter: the AIP-160 subset `field op value [AND field op value]...` with
//   op one of = != < > <= >= and `:` (has), values written as
//     "double-quoted strings" (escapes \" \\ \n \t),  integers (-12, 2024),
//     dates 2024-01-31 (bare, ISO 8601),  bare identifiers (enum values, true/false).
//   Field names are dotted identifiers (`a.b_c`). `AND` is case-sensitive; OR, NOT,
//   parentheses and functions are not supported (INVALID_ARGUMENT naming the position).
//   CheckFilter then holds the terms against the method's allow-list (FilterSpec).
// - ParseOrderBy: "field [desc|asc], other ..." against an allow-list.
// - Page tokens: common/page_token.h.
// - NormalizePageSize: 0 -> default (50), above max (1000) -> max, negative -> error.
//
// - Size bounds (below), checked before anything is parsed, so a query's cost is bounded
//   whatever a client sends: the whole filter and order_by in bytes, the comparisons of a
//   filter, and per field of a method's FilterSpec the length and words of a string value.
//   Over a bound is INVALID_ARGUMENT naming the field and the limit ("filter: has 5242880
//   bytes; at most 4096 are allowed", "filter: name_query has 40 words; at most 10 are
//   allowed").
//
// Errors are INVALID_ARGUMENT built with common::FieldViolations on the request field
// ("filter", "order_by", "page_token", "page_size"). Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/page_token.h"  // List methods use both

namespace common {

// Bounds of every List request, both services. A real query is far below them: the longest
// filters in use (a cell name, a name query and a state; an audit time range with principal
// and method) are under 600 bytes and 7 comparisons.
inline constexpr size_t kMaxFilterBytes = 4096;
inline constexpr size_t kMaxOrderByBytes = 256;
inline constexpr int kMaxFilterTerms = 16;

enum class FilterOp { kEq, kNe, kLt, kGt, kLe, kGe, kHas };

// "=", "!=", "<", ">", "<=", ">=", ":".
absl::string_view FilterOpText(FilterOp op);

struct FilterValue {
  enum class Kind { kString, kInteger, kIdentifier, kDate };
  Kind kind = Kind::kString;
  std::string text;     // kString: unescaped; kIdentifier: as written; kDate: as written
  int64_t integer = 0;  // kInteger
  absl::CivilDay date;  // kDate
};

struct FilterTerm {
  std::string field;
  FilterOp op = FilterOp::kEq;
  FilterValue value;
  int position = 0;  // 1-based character position of the field in the filter text
};

// Parses `filter`; an empty or all-blank filter is an empty list. INVALID_ARGUMENT on field
// `field_name` naming the 1-based position and the problem ("filter: at position 12:
// expected a value after '=', found end of filter"), or the bound when the filter has more
// than kMaxFilterBytes bytes or kMaxFilterTerms comparisons.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter,
                                                    absl::string_view field_name = "filter");

// One field a method's filter accepts.
struct FilterField {
  std::string name;
  std::vector<FilterOp> ops;             // allowed operators
  std::vector<FilterValue::Kind> kinds;  // allowed value kinds
  std::vector<std::string> enum_values;  // for kIdentifier: the allowed words (empty: any)
  int max_occurrences = 1;               // e.g. 2 for a lower and an upper time bound
  int max_length = 0;  // kString: most code points of the value (0: only kMaxFilterBytes)
  int max_words = 0;   // kString: most words (runs of non-blanks) of the value (0: any)
};
using FilterSpec = std::vector<FilterField>;

// OK when every term names an allowed field with an allowed operator, value kind and enum
// value, within the field's max_length and max_words, and no field occurs more often than
// allowed. Otherwise INVALID_ARGUMENT listing every problem, e.g. "filter: unknown field
// \"colour\" at position 1; allowed fields: cell, state".
absl::Status CheckFilter(const std::vector<FilterTerm>& terms, const FilterSpec& spec,
                         absl::string_view field_name = "filter");

// Only field names: OK when every term's field is in `allowed`.
absl::Status CheckFilterFields(const std::vector<FilterTerm>& terms,
                               const std::vector<std::string>& allowed,
                               absl::string_view field_name = "filter");

struct OrderField {
  std::string field;
  bool desc = false;
};

// Parses "field desc, other" (each field at most once, only fields in `allowed`); an empty
// order_by is an empty list. INVALID_ARGUMENT on `field_name` naming the unknown field and
// listing the allowed ones, or the bound when it has more than kMaxOrderByBytes bytes.
absl::StatusOr<std::vector<OrderField>> ParseOrderBy(absl::string_view order_by,
                                                     const std::vector<std::string>& allowed,
                                                     absl::string_view field_name = "order_by");

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 1000;

// 0 -> default_size, > max_size -> max_size, negative -> INVALID_ARGUMENT on "page_size".
absl::StatusOr<int> NormalizePageSize(int64_t page_size, int default_size = kDefaultPageSize,
                                      int max_size = kMaxPageSize);

// What every List method reads first: its filter (parsed, not yet checked against the
// method's fields), its order_by (against `order_fields`), its page size (normalized) and its
// page token, bound to the method, parent, filter and order_by (common/page_token.h).
struct ListRequest {
  std::vector<FilterTerm> terms;
  std::vector<OrderField> order;
  int page_size = kDefaultPageSize;
  ListScope scope;
  std::string after;  // the last key of the previous page; "" for the first page

  // The token of the page after one whose last key is `next_key` ("" : the last page).
  std::string NextPageToken(absl::string_view next_key) const;
};
absl::StatusOr<ListRequest> ParseListRequest(absl::string_view method, absl::string_view parent,
                                             absl::string_view filter, absl::string_view order_by,
                                             int64_t page_size, absl::string_view page_token,
                                             const std::vector<std::string>& order_fields);
// The same for a request message with filter, order_by, page_size and page_token fields.
template <typename Request>
absl::StatusOr<ListRequest> ParseListRequest(absl::string_view method, absl::string_view parent,
                                             const Request& request,
                                             const std::vector<std::string>& order_fields) {
  return ParseListRequest(method, parent, request.filter(), request.order_by(), request.page_size(),
                          request.page_token(), order_fields);
}

}  // namespace common
