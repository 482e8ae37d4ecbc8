#include "common/list_query.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/vi_text.h"

namespace common {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

std::string Describe(absl::string_view text, size_t pos) {
  if (pos >= text.size()) return "end of filter";
  return absl::StrCat("'", text.substr(pos, 1), "'");
}

class FilterParser {
 public:
  FilterParser(absl::string_view text, absl::string_view field_name)
      : text_(text), field_name_(field_name) {}

  absl::StatusOr<std::vector<FilterTerm>> Parse() {
    std::vector<FilterTerm> terms;
    SkipSpace();
    if (pos_ >= text_.size()) return terms;
    while (true) {
      FilterTerm term;
      if (absl::Status s = ParseTerm(&term); !s.ok()) return s;
      terms.push_back(std::move(term));
      const size_t before_space = pos_;
      SkipSpace();
      if (pos_ >= text_.size()) break;
      if (pos_ == before_space) {
        return Error(pos_,
                     absl::StrCat("expected white space then AND, found ", Describe(text_, pos_)));
      }
      const size_t word_start = pos_;
      const std::string word = ReadWord();
      if (word == "AND") {
        if (terms.size() >= static_cast<size_t>(kMaxFilterTerms)) {
          return InvalidField(
              field_name_, absl::StrCat("has more than ", kMaxFilterTerms, " comparisons; at most ",
                                        kMaxFilterTerms, " are allowed"));
        }
        const size_t after = pos_;
        SkipSpace();
        if (pos_ == after && pos_ < text_.size()) {
          return Error(pos_, "expected white space after AND");
        }
        if (pos_ >= text_.size())
          return Error(pos_, "expected a comparison after AND, found end of filter");
        continue;
      }
      if (word == "OR" || word == "NOT" || word == "and" || word == "or") {
        return Error(word_start, absl::StrCat("'", word,
                                              "' is not supported: a filter is a conjunction "
                                              "of comparisons joined by AND (upper case)"));
      }
      return Error(word_start,
                   absl::StrCat("expected AND between comparisons, found ",
                                word.empty() ? Describe(text_, word_start) : "'" + word + "'"));
    }
    return terms;
  }

 private:
  absl::Status Error(size_t pos, absl::string_view what) const {
    return InvalidField(field_name_, absl::StrCat("at position ", pos + 1, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }

  std::string ReadWord() {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  absl::Status ParseTerm(FilterTerm* term) {
    term->position = static_cast<int>(pos_) + 1;
    if (pos_ < text_.size() && (text_[pos_] == '(' || text_[pos_] == '-')) {
      return Error(pos_, absl::StrCat(Describe(text_, pos_),
                                      " is not supported: no parentheses or negation; write "
                                      "`field op value`"));
    }
    if (pos_ >= text_.size() || !IsIdentStart(text_[pos_])) {
      return Error(pos_, absl::StrCat("expected a field name, found ", Describe(text_, pos_)));
    }
    const size_t start = pos_;
    while (pos_ < text_.size()) {
      if (IsIdentChar(text_[pos_])) {
        ++pos_;
      } else if (text_[pos_] == '.' && pos_ + 1 < text_.size() && IsIdentStart(text_[pos_ + 1])) {
        ++pos_;
      } else {
        break;
      }
    }
    term->field = std::string(text_.substr(start, pos_ - start));
    if (term->field == "AND" || term->field == "OR" || term->field == "NOT") {
      return Error(start, absl::StrCat("expected a field name, found '", term->field, "'"));
    }
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '(') {
      return Error(pos_, absl::StrCat("functions are not supported (", term->field, "(...))"));
    }
    const size_t op_pos = pos_;
    absl::string_view rest = text_.substr(pos_);
    if (absl::StartsWith(rest, "!=")) {
      term->op = FilterOp::kNe, pos_ += 2;
    } else if (absl::StartsWith(rest, "<=")) {
      term->op = FilterOp::kLe, pos_ += 2;
    } else if (absl::StartsWith(rest, ">=")) {
      term->op = FilterOp::kGe, pos_ += 2;
    } else if (absl::StartsWith(rest, "=")) {
      term->op = FilterOp::kEq, pos_ += 1;
    } else if (absl::StartsWith(rest, "<")) {
      term->op = FilterOp::kLt, pos_ += 1;
    } else if (absl::StartsWith(rest, ">")) {
      term->op = FilterOp::kGt, pos_ += 1;
    } else if (absl::StartsWith(rest, ":")) {
      term->op = FilterOp::kHas, pos_ += 1;
    } else {
      return Error(op_pos, absl::StrCat("expected an operator (=, !=, <, >, <=, >=, :) after \"",
                                        term->field, "\", found ", Describe(text_, op_pos)));
    }
    SkipSpace();
    return ParseValue(term->op, &term->value);
  }

  absl::Status ParseValue(FilterOp op, FilterValue* value) {
    const size_t start = pos_;
    if (pos_ >= text_.size()) {
      return Error(pos_, absl::StrCat("expected a value after '", FilterOpText(op),
                                      "', found end of filter"));
    }
    const char c = text_[pos_];
    if (c == '"' || c == '\'') return ParseString(c, value);
    if (absl::ascii_isdigit(c) || c == '-') {
      ++pos_;
      while (pos_ < text_.size() && (absl::ascii_isalnum(text_[pos_]) || text_[pos_] == '-' ||
                                     text_[pos_] == '.' || text_[pos_] == ':')) {
        ++pos_;
      }
      const absl::string_view literal = text_.substr(start, pos_ - start);
      int64_t integer = 0;
      if (absl::SimpleAtoi(literal, &integer) && (literal[0] != '-' || literal.size() > 1)) {
        value->kind = FilterValue::Kind::kInteger;
        value->integer = integer;
        value->text = std::string(literal);
        return absl::OkStatus();
      }
      const std::vector<absl::string_view> parts = absl::StrSplit(literal, '-');
      int y = 0, m = 0, d = 0;
      if (parts.size() == 3 && parts[0].size() == 4 && parts[1].size() == 2 &&
          parts[2].size() == 2 && absl::SimpleAtoi(parts[0], &y) &&
          absl::SimpleAtoi(parts[1], &m) && absl::SimpleAtoi(parts[2], &d)) {
        const absl::CivilDay day(y, m, d);
        if (day.year() != y || day.month() != m || day.day() != d || m < 1 || d < 1) {
          return Error(start, absl::StrCat("\"", literal, "\" is not a valid date"));
        }
        value->kind = FilterValue::Kind::kDate;
        value->date = day;
        value->text = std::string(literal);
        return absl::OkStatus();
      }
      return Error(start, absl::StrCat("\"", literal,
                                       "\" is not a value: expected an integer, a date "
                                       "(2024-01-31), a quoted string or an enum name"));
    }
    if (IsIdentStart(c)) {
      while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '.')) ++pos_;
      value->kind = FilterValue::Kind::kIdentifier;
      value->text = std::string(text_.substr(start, pos_ - start));
      if (value->text == "AND" || value->text == "OR" || value->text == "NOT") {
        return Error(start, absl::StrCat("expected a value after '", FilterOpText(op), "', found '",
                                         value->text, "'"));
      }
      return absl::OkStatus();
    }
    return Error(start, absl::StrCat("expected a value after '", FilterOpText(op), "', found ",
                                     Describe(text_, start)));
  }

  absl::Status ParseString(char quote, FilterValue* value) {
    const size_t start = pos_;
    ++pos_;
    std::string out;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        value->kind = FilterValue::Kind::kString;
        value->text = std::move(out);
        return absl::OkStatus();
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) break;
        const char e = text_[pos_ + 1];
        switch (e) {
          case '"':
          case '\'':
          case '\\':
            out.push_back(e);
            break;
          case 'n':
            out.push_back('\n');
            break;
          case 't':
            out.push_back('\t');
            break;
          default:
            return Error(pos_, absl::StrCat("unknown escape '\\", absl::string_view(&e, 1),
                                            "' in string (use \\\", \\\\, \\n or \\t)"));
        }
        pos_ += 2;
        continue;
      }
      out.push_back(c);
      ++pos_;
    }
    return Error(start, "unterminated string (missing closing quote)");
  }

  absl::string_view text_;
  absl::string_view field_name_;
  size_t pos_ = 0;
};

absl::string_view KindName(FilterValue::Kind kind) {
  switch (kind) {
    case FilterValue::Kind::kString:
      return "a quoted string";
    case FilterValue::Kind::kInteger:
      return "an integer";
    case FilterValue::Kind::kIdentifier:
      return "a bare name";
    case FilterValue::Kind::kDate:
      return "a date";
  }
  return "a value";
}

// Code points of UTF-8 text (bytes that do not continue a sequence).
size_t CodePoints(absl::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Runs of characters other than ASCII white space: the words a name search splits.
size_t Words(absl::string_view text) {
  size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool blank = absl::ascii_isspace(static_cast<unsigned char>(c));
    if (!blank && !in_word) ++words;
    in_word = !blank;
  }
  return words;
}

}  // namespace

absl::string_view FilterOpText(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return "=";
    case FilterOp::kNe:
      return "!=";
    case FilterOp::kLt:
      return "<";
    case FilterOp::kGt:
      return ">";
    case FilterOp::kLe:
      return "<=";
    case FilterOp::kGe:
      return ">=";
    case FilterOp::kHas:
      return ":";
  }
  return "?";
}

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter,
                                                    absl::string_view field_name) {
  if (filter.size() > kMaxFilterBytes) {
    return InvalidField(field_name, absl::StrCat("has ", filter.size(), " bytes; at most ",
                                                 kMaxFilterBytes, " are allowed"));
  }
  return FilterParser(filter, field_name).Parse();
}

absl::Status CheckFilter(const std::vector<FilterTerm>& terms, const FilterSpec& spec,
                         absl::string_view field_name) {
  FieldViolations violations;
  std::vector<std::string> allowed;
  for (const FilterField& f : spec) allowed.push_back(f.name);
  std::vector<int> seen(spec.size(), 0);
  for (const FilterTerm& term : terms) {
    auto it = std::find_if(spec.begin(), spec.end(),
                           [&](const FilterField& f) { return f.name == term.field; });
    if (it == spec.end()) {
      violations.Add(std::string(field_name),
                     absl::StrCat("unknown field \"", term.field, "\" at position ", term.position,
                                  "; allowed fields: ", absl::StrJoin(allowed, ", ")));
      continue;
    }
    const size_t index = static_cast<size_t>(it - spec.begin());
    if (++seen[index] == it->max_occurrences + 1) {
      violations.Add(
          std::string(field_name),
          absl::StrCat("field \"", term.field, "\" may appear at most ", it->max_occurrences,
                       it->max_occurrences == 1 ? " time" : " times"));
    }
    if (std::find(it->ops.begin(), it->ops.end(), term.op) == it->ops.end()) {
      std::vector<std::string> ops;
      for (FilterOp op : it->ops) ops.emplace_back(FilterOpText(op));
      violations.Add(std::string(field_name),
                     absl::StrCat("operator '", FilterOpText(term.op), "' is not allowed on \"",
                                  term.field, "\" (allowed: ", absl::StrJoin(ops, " "), ")"));
    }
    if (std::find(it->kinds.begin(), it->kinds.end(), term.value.kind) == it->kinds.end()) {
      std::vector<std::string> kinds;
      for (FilterValue::Kind k : it->kinds) kinds.emplace_back(KindName(k));
      violations.Add(std::string(field_name),
                     absl::StrCat("\"", term.field, "\" takes ", absl::StrJoin(kinds, " or "),
                                  ", got ", KindName(term.value.kind), " (", term.value.text, ")"));
    } else if (term.value.kind == FilterValue::Kind::kString) {
      // Measured as stored text is: code points of the NFC form (the filter's byte bound
      // keeps this cheap).
      absl::StatusOr<std::string> nfc = ToNfc(term.value.text);
      const size_t length = CodePoints(nfc.ok() ? *nfc : term.value.text);
      if (it->max_length > 0 && length > static_cast<size_t>(it->max_length)) {
        violations.Add(std::string(field_name),
                       absl::StrCat(term.field, " has ", length, " characters; at most ",
                                    it->max_length, " are allowed"));
      }
      if (it->max_words > 0 && Words(term.value.text) > static_cast<size_t>(it->max_words)) {
        violations.Add(std::string(field_name),
                       absl::StrCat(term.field, " has ", Words(term.value.text), " words; at most ",
                                    it->max_words, " are allowed"));
      }
    } else if (term.value.kind == FilterValue::Kind::kIdentifier && !it->enum_values.empty() &&
               std::find(it->enum_values.begin(), it->enum_values.end(), term.value.text) ==
                   it->enum_values.end()) {
      violations.Add(std::string(field_name),
                     absl::StrCat("\"", term.value.text, "\" is not a value of \"", term.field,
                                  "\" (allowed: ", absl::StrJoin(it->enum_values, ", "), ")"));
    }
  }
  return violations.ToStatus();
}

absl::Status CheckFilterFields(const std::vector<FilterTerm>& terms,
                               const std::vector<std::string>& allowed,
                               absl::string_view field_name) {
  FieldViolations violations;
  for (const FilterTerm& term : terms) {
    if (std::find(allowed.begin(), allowed.end(), term.field) == allowed.end()) {
      violations.Add(std::string(field_name),
                     absl::StrCat("unknown field \"", term.field, "\" at position ", term.position,
                                  "; allowed fields: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return violations.ToStatus();
}

absl::StatusOr<std::vector<OrderField>> ParseOrderBy(absl::string_view order_by,
                                                     const std::vector<std::string>& allowed,
                                                     absl::string_view field_name) {
  std::vector<OrderField> out;
  if (order_by.size() > kMaxOrderByBytes) {
    return InvalidField(field_name, absl::StrCat("has ", order_by.size(), " bytes; at most ",
                                                 kMaxOrderByBytes, " are allowed"));
  }
  if (absl::StripAsciiWhitespace(order_by).empty()) return out;
  FieldViolations violations;
  for (absl::string_view part : absl::StrSplit(order_by, ',')) {
    const std::vector<absl::string_view> words =
        absl::StrSplit(part, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    if (words.empty()) {
      violations.Add(std::string(field_name), "empty field between commas");
      continue;
    }
    OrderField field{std::string(words[0]), false};
    if (words.size() > 2 || (words.size() == 2 && words[1] != "desc" && words[1] != "asc")) {
      violations.Add(std::string(field_name),
                     absl::StrCat("\"", absl::StripAsciiWhitespace(part),
                                  "\": expected a field name optionally followed by \" desc\""));
      continue;
    }
    field.desc = words.size() == 2 && words[1] == "desc";
    if (std::find(allowed.begin(), allowed.end(), field.field) == allowed.end()) {
      violations.Add(std::string(field_name),
                     absl::StrCat("unknown field \"", field.field,
                                  "\"; allowed: ", absl::StrJoin(allowed, ", ")));
      continue;
    }
    if (std::any_of(out.begin(), out.end(),
                    [&](const OrderField& o) { return o.field == field.field; })) {
      violations.Add(std::string(field_name),
                     absl::StrCat("field \"", field.field, "\" named more than once"));
      continue;
    }
    out.push_back(std::move(field));
  }
  if (!violations.empty()) return violations.ToStatus();
  return out;
}

absl::StatusOr<int> NormalizePageSize(int64_t page_size, int default_size, int max_size) {
  if (page_size < 0) {
    return InvalidField("page_size", absl::StrCat("must not be negative, got ", page_size));
  }
  if (page_size == 0) return default_size;
  return static_cast<int>(std::min<int64_t>(page_size, max_size));
}

absl::StatusOr<ListRequest> ParseListRequest(absl::string_view method, absl::string_view parent,
                                             absl::string_view filter, absl::string_view order_by,
                                             int64_t page_size, absl::string_view page_token,
                                             const std::vector<std::string>& order_fields) {
  ListRequest list;
  ASSIGN_OR_RETURN(list.terms, ParseFilter(filter));
  ASSIGN_OR_RETURN(list.order, ParseOrderBy(order_by, order_fields));
  ASSIGN_OR_RETURN(list.page_size, NormalizePageSize(page_size));
  list.scope = ListScope{std::string(method), std::string(parent), std::string(filter),
                         std::string(order_by)};
  ASSIGN_OR_RETURN(list.after, ParsePageToken(page_token, list.scope));
  return list;
}

std::string ListRequest::NextPageToken(absl::string_view next_key) const {
  return next_key.empty() ? std::string() : MakePageToken(next_key, scope);
}

}  // namespace common
