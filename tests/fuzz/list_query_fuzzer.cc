// Fuzz target: the query parts of List methods (common/list_query.h) with the records
// methods' allow-lists (validation.h).
//
// Input: text lines  filter \n order_by \n page token \n last key (the rest, any bytes).
// Properties:
//   - ParseFilter, CheckFilter, ParseOrderBy, ParsePageToken, NormalizePageSize return OK or
//     INVALID_ARGUMENT with a readable BadRequest, and never crash; parsed terms carry 1-based
//     positions inside the filter;
//   - what is accepted is within the bounds: a filter of at most kMaxFilterBytes bytes and
//     kMaxFilterTerms comparisons, an order_by of at most kMaxOrderByBytes bytes, a member
//     name_query of at most kMaxNameQueryLength characters and kMaxNameQueryWords words; and
//     a filter past its byte bound is refused whatever it holds;
//   - a parsed order_by names only allowed fields, each at most once;
//   - MakePageToken -> ParsePageToken gives back the key for the same scope within the TTL,
//     and is refused for another parent, filter or order_by and once expired; a token with
//     one character changed never yields another key.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/list_query.h"
#include "common/vi_text.h"
#include "services/records/domain/validation.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

namespace domain = ::records::domain;

void CheckInvalidArgument(const absl::Status& status, const char* what) {
  if (!status.ok()) fuzz::CheckBadRequest(status, what);
}

void FuzzFilter(absl::string_view filter) {
  absl::StatusOr<std::vector<common::FilterTerm>> terms = common::ParseFilter(filter);
  CheckInvalidArgument(terms.status(), "ParseFilter");
  if (!terms.ok()) return;
  FUZZ_CHECK(filter.size() <= common::kMaxFilterBytes)
      << "a filter of " << filter.size() << " bytes was parsed";
  FUZZ_CHECK(terms->size() <= static_cast<size_t>(common::kMaxFilterTerms))
      << terms->size() << " comparisons were parsed";
  for (const common::FilterTerm& term : *terms) {
    FUZZ_CHECK(term.position >= 1 && static_cast<size_t>(term.position) <= filter.size())
        << "position " << term.position << " outside a filter of " << filter.size() << " bytes";
    FUZZ_CHECK(!term.field.empty()) << "a term without a field";
  }
  if (common::CheckFilter(*terms, domain::MemberFilterSpec()).ok()) {
    for (const common::FilterTerm& term : *terms) {
      if (term.field != "name_query") continue;
      const std::vector<absl::string_view> words =
          absl::StrSplit(term.value.text, absl::ByAnyChar(" \t\n\v\f\r"), absl::SkipEmpty());
      FUZZ_CHECK(words.size() <= static_cast<size_t>(domain::kMaxNameQueryWords))
          << "a name_query of " << words.size() << " words was accepted";
      absl::StatusOr<std::string> nfc = common::ToNfc(term.value.text);
      const std::string& text = nfc.ok() ? *nfc : term.value.text;
      const size_t length = static_cast<size_t>(
          std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
      FUZZ_CHECK(length <= static_cast<size_t>(domain::kMaxNameQueryLength))
          << "a name_query of " << length << " characters was accepted";
    }
  }
  for (const common::FilterSpec* spec :
       {&domain::OrganizationFilterSpec(), &domain::CellFilterSpec(), &domain::MemberFilterSpec(),
        &domain::InspectionPlanFilterSpec(), &domain::AuditEventFilterSpec()}) {
    CheckInvalidArgument(common::CheckFilter(*terms, *spec), "CheckFilter");
  }
  CheckInvalidArgument(common::CheckFilterFields(*terms, {"state", "cell"}), "CheckFilterFields");
}

// Past the byte bound a filter is refused for its size, whatever it holds.
void FuzzOversizedFilter(absl::string_view filter) {
  const std::string unit = filter.empty() ? std::string(" ") : std::string(filter);
  std::string big = unit;
  while (big.size() <= common::kMaxFilterBytes) big += unit;
  absl::StatusOr<std::vector<common::FilterTerm>> terms = common::ParseFilter(big);
  FUZZ_CHECK(!terms.ok()) << "a filter of " << big.size() << " bytes was parsed";
  CheckInvalidArgument(terms.status(), "ParseFilter");
}

void FuzzOrderBy(absl::string_view order_by) {
  for (const std::vector<std::string>* allowed :
       {&domain::OrganizationOrderFields(), &domain::CellOrderFields(),
        &domain::MemberOrderFields(), &domain::InspectionPlanOrderFields(),
        &domain::AuditEventOrderFields()}) {
    absl::StatusOr<std::vector<common::OrderField>> fields =
        common::ParseOrderBy(order_by, *allowed);
    CheckInvalidArgument(fields.status(), "ParseOrderBy");
    if (!fields.ok()) continue;
    FUZZ_CHECK(order_by.size() <= common::kMaxOrderByBytes)
        << "an order_by of " << order_by.size() << " bytes was parsed";
    std::set<std::string> seen;
    for (const common::OrderField& field : *fields) {
      FUZZ_CHECK(std::find(allowed->begin(), allowed->end(), field.field) != allowed->end())
          << "order_by accepted field \"" << field.field << "\"";
      FUZZ_CHECK(seen.insert(field.field).second) << "order_by repeats " << field.field;
    }
  }
}

void FuzzPageTokens(absl::string_view token, absl::string_view last_key,
                    const common::ListScope& scope) {
  const absl::Time now = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z
  CheckInvalidArgument(common::ParsePageToken(token, scope, now).status(), "ParsePageToken");

  const std::string made = common::MakePageToken(last_key, scope, now);
  absl::StatusOr<std::string> parsed = common::ParsePageToken(made, scope, now + absl::Hours(71));
  FUZZ_CHECK(parsed.ok()) << parsed.status();
  FUZZ_CHECK(*parsed == last_key) << "round trip changed the key";

  for (int which = 0; which < 4; ++which) {
    common::ListScope other = scope;
    std::string& part = which == 0   ? other.parent
                        : which == 1 ? other.filter
                        : which == 2 ? other.order_by
                                     : other.method;
    part.push_back('x');
    FUZZ_CHECK(!common::ParsePageToken(made, other, now).ok()) << "token accepted for another "
                                                               << (which == 0   ? "parent"
                                                                   : which == 1 ? "filter"
                                                                   : which == 2 ? "order_by"
                                                                                : "method");
  }
  FUZZ_CHECK(!common::ParsePageToken(made, scope, now + absl::Hours(73)).ok())
      << "expired token accepted";

  // One character changed (the position and replacement taken from the token itself).
  if (!made.empty()) {
    std::string altered = made;
    const size_t at = (last_key.size() * 7 + token.size()) % altered.size();
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    absl::StatusOr<std::string> altered_key = common::ParsePageToken(altered, scope, now);
    FUZZ_CHECK(!altered_key.ok() || *altered_key == last_key)
        << "an altered token gave another key";
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> lines = absl::StrSplit(input, absl::MaxSplits('\n', 3));
  lines.resize(4);
  FuzzFilter(lines[0]);
  FuzzOversizedFilter(lines[0]);
  FuzzOrderBy(lines[1]);
  common::ListScope scope;
  scope.method = "ListMembers";
  scope.parent = "organizations/hq-long-an";
  scope.filter = std::string(lines[0]);
  scope.order_by = std::string(lines[1]);
  FuzzPageTokens(lines[2], lines[3], scope);

  absl::StatusOr<int> page_size = common::NormalizePageSize(static_cast<int64_t>(size) - 8);
  CheckInvalidArgument(page_size.status(), "NormalizePageSize");
  if (page_size.ok()) FUZZ_CHECK(*page_size >= 1 && *page_size <= common::kMaxPageSize);
  return 0;
}
