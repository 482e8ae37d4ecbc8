#include "services/records/domain/validation.h"

#include <algorithm>
#include <optional>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/vi_text.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/records/domain/dues_rules.h"
#include "services/records/domain/identifiers.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/names.h"

namespace records::domain {
namespace {

using common::FieldViolations;
using common::FilterField;
using common::FilterOp;
using common::FilterValue;
using dangbo::common::v1::DecisionRef;
using google::type::Date;

std::string Path(absl::string_view prefix, absl::string_view field) {
  return prefix.empty() ? std::string(field) : absl::StrCat(prefix, ".", field);
}

size_t CodePoints(absl::string_view s) {
  return static_cast<size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

// Checks a text field: valid UTF-8 and, in its stored form, between min and max code points.
void CheckText(absl::string_view value, const std::string& field, size_t min, size_t max,
               FieldViolations* v, bool is_name = false) {
  if (!common::IsValidUtf8(value)) {
    v->Add(field, "must be valid UTF-8");
    return;
  }
  std::string stored;
  if (is_name) {
    auto n = common::NormalizeName(value);
    stored = n.ok() ? *n : std::string(value);
  } else {
    auto n = common::ToNfc(value);
    stored = n.ok() ? *n : std::string(value);
  }
  const size_t length = CodePoints(stored);
  if (length < min) {
    v->Add(field,
           min == 1 ? "is required" : absl::StrCat("must have at least ", min, " characters"));
  } else if (length > max) {
    v->Add(field, absl::StrCat("must have at most ", max, " characters, has ", length));
  }
}

void Required(absl::string_view value, const std::string& field, size_t max, FieldViolations* v,
              bool is_name = false) {
  CheckText(value, field, 1, max, v, is_name);
}

void Optional(absl::string_view value, const std::string& field, size_t max, FieldViolations* v,
              bool is_name = false) {
  CheckText(value, field, 0, max, v, is_name);
}

void NotFuture(absl::CivilDay day, const std::string& field, absl::CivilDay today,
               FieldViolations* v) {
  if (day > today) {
    v->Add(field, absl::StrCat("must not be in the future (", FormatDmy(day), " is after today, ",
                               FormatDmy(today), ")"));
  }
}

// A date field; returns the day when valid. `past` requires it not to be after today.
std::optional<absl::CivilDay> DateField(const Date& date, const std::string& field, bool required,
                                        bool past, absl::CivilDay today, FieldViolations* v,
                                        int min_year = kMinYear) {
  std::optional<absl::CivilDay> day = CheckDate(date, field, required, v);
  if (!day.has_value()) return day;
  if (day->year() < min_year) {
    v->Add(field, absl::StrCat("must not be before ", min_year, ", got ", FormatDmy(*day)));
    return std::nullopt;
  }
  if (past) NotFuture(*day, field, today, v);
  return day;
}

void NotBefore(std::optional<absl::CivilDay> later, std::optional<absl::CivilDay> earlier,
               const std::string& later_field, absl::string_view earlier_field,
               FieldViolations* v) {
  if (later.has_value() && earlier.has_value() && *later < *earlier) {
    v->Add(later_field, absl::StrCat("must be on or after ", earlier_field, " (", FormatDmy(*later),
                                     " is before ", FormatDmy(*earlier), ")"));
  }
}

// A DecisionRef; returns its date when valid.
std::optional<absl::CivilDay> Decision(const DecisionRef& d, bool present, const std::string& field,
                                       bool required, absl::CivilDay today, FieldViolations* v) {
  if (!present) {
    if (required) v->Add(field, "is required (number, date, issuing_body)");
    return std::nullopt;
  }
  Required(d.number(), Path(field, "number"), kMaxDecisionNumberLength, v);
  Required(d.issuing_body(), Path(field, "issuing_body"), kMaxIssuingBodyLength, v);
  return DateField(d.date(), Path(field, "date"), true, true, today, v);
}

void RequestId(absl::string_view id, FieldViolations* v) {
  if (!id.empty() && !IsValidRequestId(id)) {
    v->Add("request_id", absl::StrCat("must be 1 to ", kMaxRequestIdLength,
                                      " characters of [A-Za-z0-9_-] (a UUID4 is recommended)"));
  }
}

template <typename Parsed>
void NameField(absl::StatusOr<Parsed> parsed, FieldViolations* v) {
  if (parsed.ok()) return;
  for (auto& [field, description] : common::FieldViolationsOf(parsed.status())) {
    v->Add(field, description);
  }
}

void OrganizationField(absl::string_view name, const std::string& field, FieldViolations* v) {
  NameField(ParseOrganizationName(name, field), v);
}
void CellField(absl::string_view name, const std::string& field, FieldViolations* v,
               absl::string_view same_org_as = "") {
  auto cell = ParseCellName(name, field);
  NameField(cell, v);
  if (cell.ok() && !same_org_as.empty() && OrganizationOf(same_org_as) != cell->Parent() &&
      !OrganizationOf(same_org_as).empty()) {
    v->Add(field,
           absl::StrCat("must be a cell of ", OrganizationOf(same_org_as), ", got \"", name, "\""));
  }
}
void MemberField(absl::string_view name, const std::string& field, FieldViolations* v,
                 absl::string_view same_org_as = "") {
  auto member = ParseMemberName(name, field);
  NameField(member, v);
  if (member.ok() && !same_org_as.empty() && !OrganizationOf(same_org_as).empty() &&
      OrganizationOf(same_org_as) != member->Parent()) {
    v->Add(field, absl::StrCat("must be a member of ", OrganizationOf(same_org_as), ", got \"",
                               name, "\""));
  }
}
void PlanField(absl::string_view name, const std::string& field, FieldViolations* v) {
  NameField(ParseInspectionPlanName(name, field), v);
}
void IdField(absl::string_view id, const std::string& field, bool required, FieldViolations* v) {
  if (id.empty() && !required) return;
  for (auto& [f, d] : common::FieldViolationsOf(ValidateResourceId(id, field))) v->Add(f, d);
}

void OrgRef(const v1::OrganizationRef& ref, bool present, const std::string& field, bool required,
            FieldViolations* v) {
  if (!present || (ref.organization().empty() && ref.display_name().empty())) {
    if (required || present) {
      v->Add(field, "is required: set organization or display_name");
    }
    return;
  }
  if (!ref.organization().empty())
    OrganizationField(ref.organization(), Path(field, "organization"), v);
  Optional(ref.display_name(), Path(field, "display_name"), kMaxDisplayNameLength, v);
}

void PageSize(int32_t page_size, FieldViolations* v) {
  if (page_size < 0) v->Add("page_size", absl::StrCat("must not be negative, got ", page_size));
}

void FilterAndOrder(absl::string_view filter, const common::FilterSpec& spec,
                    absl::string_view order_by, const std::vector<std::string>& order_fields,
                    FieldViolations* v) {
  auto terms = common::ParseFilter(filter);
  absl::Status status = terms.ok() ? common::CheckFilter(*terms, spec) : terms.status();
  for (auto& [field, description] : common::FieldViolationsOf(status)) v->Add(field, description);
  auto order = common::ParseOrderBy(order_by, order_fields);
  for (auto& [field, description] : common::FieldViolationsOf(order.status())) {
    v->Add(field, description);
  }
}

template <typename Enum>
void EnumRequired(int value, bool (*is_valid)(int), const std::string& field,
                  absl::string_view what, FieldViolations* v) {
  if (value == 0) {
    v->Add(field, absl::StrCat("is required (", what, ")"));
  } else if (!is_valid(value)) {
    v->Add(field, absl::StrCat("unknown value ", value));
  }
}

void EnumOptional(int value, bool (*is_valid)(int), const std::string& field, FieldViolations* v) {
  if (!is_valid(value)) v->Add(field, absl::StrCat("unknown value ", value));
}

// --- resources ----------------------------------------------------------------------------

// Validates a member profile (AdmitMember, ReceiveMember, ImportMembers, UpdateMember with
// every path). Returns the birth date when valid.
std::optional<absl::CivilDay> Profile(const v1::Member& m, const std::string& prefix,
                                      absl::CivilDay today, FieldViolations* v,
                                      const std::set<std::string>* only = nullptr) {
  auto named = [&](absl::string_view path) {
    return only == nullptr || only->count(std::string(path)) > 0;
  };
  std::optional<absl::CivilDay> birth;
  if (named("full_name"))
    Required(m.full_name(), Path(prefix, "full_name"), kMaxNameLength, v, true);
  if (named("birth_name"))
    Optional(m.birth_name(), Path(prefix, "birth_name"), kMaxNameLength, v, true);
  if (named("aliases")) {
    if (m.aliases_size() > kMaxAliases) {
      v->Add(Path(prefix, "aliases"),
             absl::StrCat("at most ", kMaxAliases, " aliases, got ", m.aliases_size()));
    }
    // Past a count bound only the entries within it are looked at: the request is refused
    // anyway, and its cost and error stay bounded whatever the list's length.
    for (int i = 0; i < std::min(m.aliases_size(), kMaxAliases); ++i) {
      Required(m.aliases(i), absl::StrCat(Path(prefix, "aliases"), "[", i, "]"), kMaxNameLength, v,
               true);
    }
  }
  if (named("gender")) {
    EnumRequired<v1::Member::Gender>(m.gender(), v1::Member::Gender_IsValid, Path(prefix, "gender"),
                                     "MALE or FEMALE", v);
  }
  if (named("birth_date")) {
    birth =
        DateField(m.birth_date(), Path(prefix, "birth_date"), true, true, today, v, kMinBirthYear);
  }
  if (named("national_id") && !m.national_id().empty()) {
    const v1::Member::Gender gender = named("gender") && v1::Member::Gender_IsValid(m.gender())
                                          ? m.gender()
                                          : v1::Member::GENDER_UNSPECIFIED;
    for (const std::string& p :
         CheckNationalId(m.national_id(), gender, named("birth_date") ? birth : std::nullopt)) {
      v->Add(Path(prefix, "national_id"), p);
    }
  }
  if (named("party_card_number") && !m.party_card_number().empty()) {
    for (const std::string& p : CheckPartyCardNumber(m.party_card_number())) {
      v->Add(Path(prefix, "party_card_number"), p);
    }
  }
  if (named("member_file_number") && !m.member_file_number().empty()) {
    for (const std::string& p : CheckMemberFileNumber(m.member_file_number())) {
      v->Add(Path(prefix, "member_file_number"), p);
    }
  }
  if (named("hometown")) Optional(m.hometown(), Path(prefix, "hometown"), kMaxAddressLength, v);
  if (named("permanent_address")) {
    Optional(m.permanent_address(), Path(prefix, "permanent_address"), kMaxAddressLength, v);
  }
  if (named("ethnicity"))
    Optional(m.ethnicity(), Path(prefix, "ethnicity"), kMaxShortTextLength, v);
  if (named("religion")) Optional(m.religion(), Path(prefix, "religion"), kMaxShortTextLength, v);
  if (named("education.general_education")) {
    Optional(m.education().general_education(), Path(prefix, "education.general_education"), 100,
             v);
  }
  if (named("education.professional_qualification")) {
    Optional(m.education().professional_qualification(),
             Path(prefix, "education.professional_qualification"), 200, v);
  }
  if (named("education.political_theory")) {
    Optional(m.education().political_theory(), Path(prefix, "education.political_theory"), 100, v);
  }
  if (named("position")) Optional(m.position(), Path(prefix, "position"), 200, v);
  return birth;
}

// Age rules of an admission on `admission` (the decision date).
void AdmissionAge(std::optional<absl::CivilDay> birth, std::optional<absl::CivilDay> admission,
                  const std::string& birth_field, bool has_over_age_approval,
                  const std::string& approval_field, FieldViolations* v) {
  if (!birth.has_value() || !admission.has_value()) return;
  const int months = AgeInMonths(*birth, *admission);
  if (months < kAdmissionMinAgeMonths) {
    v->Add(birth_field,
           absl::StrCat("the member must be at least 18 on the admission date (counted by calendar "
                        "months): born ",
                        FormatDmy(*birth), ", 18 on ", FormatDmy(AddMonths(*birth, 216)),
                        ", admitted ", FormatDmy(*admission), " at ", std::max(months, 0) / 12,
                        " years ", std::max(months, 0) % 12, " months"));
  } else if (months > kAdmissionMaxAgeMonths && !has_over_age_approval && !approval_field.empty()) {
    v->Add(approval_field,
           absl::StrCat("is required: the member is over 60 on the admission date (", months / 12,
                        " years ", months % 12, " months on ", FormatDmy(*admission),
                        "); admission over 60 needs the provincial-level committee's approval"));
  }
}

void Rating(const v1::YearlyRating& r, bool present, const std::string& prefix,
            absl::CivilDay today, FieldViolations* v) {
  if (!present) {
    v->Add(prefix, "is required");
    return;
  }
  if (r.year() < kMinYear || r.year() > today.year()) {
    v->Add(Path(prefix, "year"), absl::StrCat("must be from ", kMinYear, " to the current year ",
                                              today.year(), ", got ", r.year()));
  }
  EnumRequired<v1::YearlyRating::Level>(r.level(), v1::YearlyRating::Level_IsValid,
                                        Path(prefix, "level"),
                                        "EXCELLENT, GOOD, COMPLETED or NOT_COMPLETED", v);
  if (r.has_score()) {
    if (r.score() < 0 || r.score() > 100) {
      v->Add(Path(prefix, "score"), absl::StrCat("must be 0 to 100, got ", r.score()));
    } else {
      int floor = 0;
      const char* band = "";
      switch (r.level()) {
        case v1::YearlyRating::EXCELLENT:
          floor = 90, band = "EXCELLENT needs a score of at least 90";
          break;
        case v1::YearlyRating::GOOD:
          floor = 70, band = "GOOD needs a score of at least 70";
          break;
        case v1::YearlyRating::COMPLETED:
          floor = 50, band = "COMPLETED needs a score of at least 50";
          break;
        default:
          break;
      }
      if (r.score() < floor) {
        v->Add(Path(prefix, "level"), absl::StrCat("is above what the score allows: ", band,
                                                   " (Quy định 366-QĐ/TW), "
                                                   "score is ",
                                                   r.score()));
      }
    }
  }
  Required(r.rule_version(), Path(prefix, "rule_version"), 64, v);
  Optional(r.label(), Path(prefix, "label"), 200, v);
  Required(r.decided_by(), Path(prefix, "decided_by"), 200, v);
  auto decided = DateField(r.decision_date(), Path(prefix, "decision_date"), true, true, today, v);
  if (decided.has_value() && decided->year() < r.year()) {
    v->Add(Path(prefix, "decision_date"), absl::StrCat("must not be before the rated year ",
                                                       r.year(), ", got ", FormatDmy(*decided)));
  }
  Optional(r.decision_number(), Path(prefix, "decision_number"), kMaxDecisionNumberLength, v);
}

void Discipline(const v1::DisciplineRecord& d, bool present, const std::string& prefix,
                absl::CivilDay today, FieldViolations* v) {
  if (!present) {
    v->Add(prefix, "is required");
    return;
  }
  EnumRequired<v1::DisciplineRecord::Form>(d.form(), v1::DisciplineRecord::Form_IsValid,
                                           Path(prefix, "form"), "REPRIMAND, WARNING or DISMISSAL",
                                           v);
  if (d.form() == v1::DisciplineRecord::EXPULSION) {
    v->Add(Path(prefix, "form"), "EXPULSION is recorded only by ExpelMember");
  }
  Required(d.violation_summary(), Path(prefix, "violation_summary"), kMaxReasonLength, v);
  auto decided = Decision(d.decision(), d.has_decision(), Path(prefix, "decision"), true, today, v);
  auto effective =
      DateField(d.effective_date(), Path(prefix, "effective_date"), true, true, today, v);
  NotBefore(effective, decided, Path(prefix, "effective_date"), "decision.date", v);
  auto end = DateField(d.end_date(), Path(prefix, "end_date"), false, false, today, v);
  if (end.has_value() && effective.has_value() && *end <= *effective) {
    v->Add(Path(prefix, "end_date"), absl::StrCat("must be after effective_date (", FormatDmy(*end),
                                                  " is not after ", FormatDmy(*effective), ")"));
  }
  if (!d.inspection_plan().empty())
    PlanField(d.inspection_plan(), Path(prefix, "inspection_plan"), v);
  if (!d.inspection_item_id().empty()) {
    IdField(d.inspection_item_id(), Path(prefix, "inspection_item_id"), true, v);
    if (d.inspection_plan().empty()) {
      v->Add(Path(prefix, "inspection_item_id"), "requires inspection_plan");
    }
  }
}

void Item(const v1::InspectionItem& item, const std::string& prefix, int plan_year,
          absl::string_view organization, absl::CivilDay today, FieldViolations* v) {
  IdField(item.item_id(), Path(prefix, "item_id"), false, v);
  auto target = ParseInspectionTarget(item.target(), Path(prefix, "target"));
  NameField(target, v);
  if (target.ok() && !organization.empty() &&
      OrganizationNameOf(target->organization) != organization) {
    v->Add(Path(prefix, "target"), absl::StrCat("must be a cell or member of ", organization));
  }
  Required(item.content(), Path(prefix, "content"), kMaxReasonLength, v);
  auto start = DateField(item.window_start(), Path(prefix, "window_start"), true, false, today, v);
  auto end = DateField(item.window_end(), Path(prefix, "window_end"), true, false, today, v);
  for (auto [day, field] : {std::pair{start, "window_start"}, std::pair{end, "window_end"}}) {
    if (day.has_value() && plan_year != 0 && day->year() != plan_year) {
      v->Add(Path(prefix, field),
             absl::StrCat("must be inside the plan's year ", plan_year, ", got ", FormatDmy(*day)));
    }
  }
  if (start.has_value() && end.has_value() && *end < *start) {
    v->Add(Path(prefix, "window_end"),
           absl::StrCat("must not be before window_start (", FormatDmy(*end), " < ",
                        FormatDmy(*start), ")"));
  }
  if (item.lead().empty()) {
    v->Add(Path(prefix, "lead"), "is required");
  } else {
    MemberField(item.lead(), Path(prefix, "lead"), v, organization);
  }
  if (item.team_size() > kMaxTeam) {
    v->Add(Path(prefix, "team"),
           absl::StrCat("at most ", kMaxTeam, " members, got ", item.team_size()));
  }
  std::set<std::string> seen;
  for (int i = 0; i < std::min(item.team_size(), kMaxTeam); ++i) {
    const std::string field = absl::StrCat(prefix, ".team[", i, "]");
    MemberField(item.team(i), field, v, organization);
    if (item.team(i) == item.lead()) {
      v->Add(field, "repeats the lead");
    } else if (!seen.insert(item.team(i)).second) {
      v->Add(field, absl::StrCat("\"", item.team(i), "\" is named twice"));
    }
  }
}

void Items(const google::protobuf::RepeatedPtrField<v1::InspectionItem>& items,
           const std::string& prefix, int year, absl::string_view organization,
           absl::CivilDay today, FieldViolations* v) {
  if (items.size() > kMaxPlanItems) {
    v->Add(prefix, absl::StrCat("at most ", kMaxPlanItems, " items, got ", items.size()));
  }
  std::set<std::string> ids;
  for (int i = 0; i < std::min(items.size(), kMaxPlanItems); ++i) {
    const std::string item_prefix = absl::StrCat(prefix, "[", i, "]");
    Item(items[i], item_prefix, year, organization, today, v);
    if (!items[i].item_id().empty() && !ids.insert(items[i].item_id()).second) {
      v->Add(Path(item_prefix, "item_id"),
             absl::StrCat("\"", items[i].item_id(), "\" is used by another item of the plan"));
    }
  }
}

void PlanYear(int year, const std::string& field, absl::CivilDay today, FieldViolations* v) {
  if (year < kMinYear || year > today.year() + 1) {
    v->Add(field, absl::StrCat("must be from ", kMinYear, " to next year (", today.year() + 1,
                               "), got ", year));
  }
}

// Which fields of an update mask name `field` (or "*" / empty mask with the field populated).
bool MaskNames(const google::protobuf::FieldMask& mask, absl::string_view field) {
  for (const std::string& p : mask.paths()) {
    if (p == "*" || p == field || absl::StartsWith(p, absl::StrCat(field, "."))) return true;
  }
  return false;
}

const std::vector<std::string>& Words(std::initializer_list<const char*> words) {
  auto* out = new std::vector<std::string>(words.begin(), words.end());
  return *out;
}

bool IsNameField(absl::string_view name) {
  return name == "full_name" || name == "birth_name" || name == "aliases" || name == "display_name";
}

absl::Status NormalizeMessage(google::protobuf::Message* message, const std::string& prefix) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = Path(prefix, field->name());
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          absl::Status s = NormalizeMessage(reflection->MutableRepeatedMessage(message, field, i),
                                            absl::StrCat(path, "[", i, "]"));
          if (!s.ok()) return s;
        }
      } else {
        absl::Status s = NormalizeMessage(reflection->MutableMessage(message, field), path);
        if (!s.ok()) return s;
      }
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_STRING ||
        field->type() == FieldDescriptor::TYPE_BYTES) {
      continue;
    }
    auto normalize = [&](const std::string& value) -> absl::StatusOr<std::string> {
      absl::StatusOr<std::string> out =
          IsNameField(field->name()) ? common::NormalizeName(value) : common::ToNfc(value);
      if (!out.ok()) return common::InvalidField(path, "must be valid UTF-8");
      return out;
    };
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
        auto out = normalize(reflection->GetRepeatedString(*message, field, i));
        if (!out.ok()) return out.status();
        reflection->SetRepeatedString(message, field, i, *out);
      }
    } else {
      auto out = normalize(reflection->GetString(*message, field));
      if (!out.ok()) return out.status();
      reflection->SetString(message, field, *out);
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> EnumNames(const google::protobuf::EnumDescriptor* e) {
  std::vector<std::string> out;
  for (int i = 1; i < e->value_count(); ++i) out.push_back(e->value(i)->name());
  return out;
}

FilterField Eq(std::string name, FilterValue::Kind kind, std::vector<std::string> enums = {}) {
  return FilterField{std::move(name), {FilterOp::kEq}, {kind}, std::move(enums), 1};
}

}  // namespace

bool IsValidRequestId(absl::string_view request_id) {
  if (request_id.empty() || request_id.size() > kMaxRequestIdLength) return false;
  return std::all_of(request_id.begin(), request_id.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-'; });
}

int AgeInMonths(absl::CivilDay birth, absl::CivilDay on) { return WholeMonthsBetween(birth, on); }

absl::Status NormalizeText(google::protobuf::Message* message) {
  return NormalizeMessage(message, "");
}

// =========================================================================================
// Organizations

namespace {
void OrganizationFields(const v1::Organization& o, const std::string& prefix,
                        const google::protobuf::FieldMask* mask, absl::CivilDay today,
                        FieldViolations* v) {
  // On create (mask null) every REQUIRED field is required; on update a field is checked
  // when named in the mask or, with an empty mask, when populated.
  auto check = [&](absl::string_view field, bool populated) {
    if (mask == nullptr) return true;
    if (mask->paths_size() == 0) return populated;
    return MaskNames(*mask, field);
  };
  if (check("code", !o.code().empty())) {
    if (o.code().empty()) {
      v->Add(Path(prefix, "code"), "is required");
    } else if (o.code().size() > 32 || !std::all_of(o.code().begin(), o.code().end(), [](char c) {
                 return absl::ascii_isupper(c) || absl::ascii_isdigit(c) || c == '.' || c == '_' ||
                        c == '-';
               })) {
      v->Add(Path(prefix, "code"),
             absl::StrCat("must be 1 to 32 characters of [A-Z0-9._-], got \"", o.code(), "\""));
    }
  }
  if (check("display_name", !o.display_name().empty())) {
    Required(o.display_name(), Path(prefix, "display_name"), kMaxDisplayNameLength, v, true);
  }
  if (mask == nullptr && !o.parent().empty())
    OrganizationField(o.parent(), Path(prefix, "parent"), v);
  if (check("region", !o.region().empty())) Optional(o.region(), Path(prefix, "region"), 100, v);
  if (check("managed_provinces", o.managed_provinces_size() > 0)) {
    if (o.managed_provinces_size() > kMaxManagedProvinces) {
      v->Add(Path(prefix, "managed_provinces"),
             absl::StrCat("at most ", kMaxManagedProvinces, " entries, got ",
                          o.managed_provinces_size()));
    }
    std::set<std::string> seen;
    for (int i = 0; i < std::min(o.managed_provinces_size(), kMaxManagedProvinces); ++i) {
      const std::string field = absl::StrCat(Path(prefix, "managed_provinces"), "[", i, "]");
      Required(o.managed_provinces(i), field, 100, v, true);
      auto nfc = common::NormalizeName(o.managed_provinces(i));
      if (nfc.ok() && !nfc->empty() && !seen.insert(*nfc).second) {
        v->Add(field, absl::StrCat("\"", *nfc, "\" is listed twice"));
      }
    }
  }
  if (check("valid_from", IsSet(o.valid_from()))) {
    DateField(o.valid_from(), Path(prefix, "valid_from"), true, true, today, v);
  }
}
}  // namespace

absl::Status Validate(const v1::CreateOrganizationRequest& r, absl::CivilDay today) {
  FieldViolations v;
  IdField(r.organization_id(), "organization_id", true, &v);
  if (!r.has_organization()) {
    v.Add("organization", "is required");
  } else {
    OrganizationFields(r.organization(), "organization", nullptr, today, &v);
  }
  RequestId(r.request_id(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetOrganizationRequest& r, absl::CivilDay) {
  FieldViolations v;
  OrganizationField(r.name(), "name", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListOrganizationsRequest& r, absl::CivilDay) {
  FieldViolations v;
  PageSize(r.page_size(), &v);
  FilterAndOrder(r.filter(), OrganizationFilterSpec(), r.order_by(), OrganizationOrderFields(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::UpdateOrganizationRequest& r, absl::CivilDay today) {
  FieldViolations v;
  if (!r.has_organization()) {
    v.Add("organization", "is required");
  } else {
    OrganizationField(r.organization().name(), "organization.name", &v);
    OrganizationFields(r.organization(), "organization", &r.update_mask(), today, &v);
  }
  RequestId(r.request_id(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::CloseOrganizationRequest& r, absl::CivilDay today) {
  FieldViolations v;
  OrganizationField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  DateField(r.valid_to(), "valid_to", true, true, today, &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  if (!r.successor().empty()) {
    OrganizationField(r.successor(), "successor", &v);
    if (r.successor() == r.name()) v.Add("successor", "must not be the organization itself");
  }
  return v.ToStatus();
}

// =========================================================================================
// Cells

absl::Status Validate(const v1::CreateCellRequest& r, absl::CivilDay today) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  IdField(r.cell_id(), "cell_id", true, &v);
  if (!r.has_cell()) {
    v.Add("cell", "is required");
  } else {
    Required(r.cell().display_name(), "cell.display_name", kMaxDisplayNameLength, &v, true);
    DateField(r.cell().established_date(), "cell.established_date", true, true, today, &v);
  }
  RequestId(r.request_id(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetCellRequest& r, absl::CivilDay) {
  FieldViolations v;
  CellField(r.name(), "name", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListCellsRequest& r, absl::CivilDay) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  FilterAndOrder(r.filter(), CellFilterSpec(), r.order_by(), CellOrderFields(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::UpdateCellRequest& r, absl::CivilDay today) {
  FieldViolations v;
  if (!r.has_cell()) {
    v.Add("cell", "is required");
  } else {
    CellField(r.cell().name(), "cell.name", &v);
    const bool all = r.update_mask().paths_size() == 0;
    if (all ? !r.cell().display_name().empty() : MaskNames(r.update_mask(), "display_name")) {
      Required(r.cell().display_name(), "cell.display_name", kMaxDisplayNameLength, &v, true);
    }
    if (all ? IsSet(r.cell().established_date()) : MaskNames(r.update_mask(), "established_date")) {
      DateField(r.cell().established_date(), "cell.established_date", true, true, today, &v);
    }
  }
  RequestId(r.request_id(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::MergeCellRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto effective = DateField(r.effective_date(), "effective_date", true, true, today, &v);
  NotBefore(effective, decided, "effective_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  CellField(r.merged_into(), "merged_into", &v, r.name());
  if (!r.merged_into().empty() && r.merged_into() == r.name()) {
    v.Add("merged_into", "must be another cell (a cell cannot merge into itself)");
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::DissolveCellRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto effective = DateField(r.effective_date(), "effective_date", true, true, today, &v);
  NotBefore(effective, decided, "effective_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::SetCellCommitteeRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  DateField(r.effective_date(), "effective_date", true, true, today, &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  if (!r.has_committee()) {
    v.Add("committee", "is required");
    return v.ToStatus();
  }
  const v1::Cell::Committee& c = r.committee();
  std::set<std::string> seen;
  auto person = [&](const std::string& name, const std::string& field) {
    MemberField(name, field, &v, r.name());
    if (!name.empty() && !seen.insert(name).second) {
      v.Add(field, absl::StrCat("\"", name,
                                "\" holds another post of the committee (each person "
                                "is named once)"));
    }
  };
  if (c.secretary().empty()) {
    v.Add("committee.secretary", "is required");
  } else {
    person(c.secretary(), "committee.secretary");
  }
  if (!c.deputy_secretary().empty()) person(c.deputy_secretary(), "committee.deputy_secretary");
  if (c.committee_members_size() > kMaxCommitteeMembers) {
    v.Add("committee.committee_members",
          absl::StrCat("at most ", kMaxCommitteeMembers, ", got ", c.committee_members_size()));
  }
  for (int i = 0; i < std::min(c.committee_members_size(), kMaxCommitteeMembers); ++i) {
    person(c.committee_members(i), absl::StrCat("committee.committee_members[", i, "]"));
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::RateCellRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  Rating(r.rating(), r.has_rating(), "rating", today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetCellHeadcountRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.name(), "name", &v);
  DateField(r.as_of(), "as_of", false, true, today, &v);
  return v.ToStatus();
}

// =========================================================================================
// Members

absl::Status Validate(const v1::GetMemberRequest& r, absl::CivilDay) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  EnumOptional(r.view(), v1::MemberView_IsValid, "view", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListMembersRequest& r, absl::CivilDay) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  FilterAndOrder(r.filter(), MemberFilterSpec(), r.order_by(), MemberOrderFields(), &v);
  EnumOptional(r.view(), v1::MemberView_IsValid, "view", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::UpdateMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  if (!r.has_member()) {
    v.Add("member", "is required");
  } else {
    MemberField(r.member().name(), "member.name", &v);
    auto paths = MemberUpdatePaths(r);
    if (!paths.ok()) {
      for (auto& [field, description] : common::FieldViolationsOf(paths.status())) {
        v.Add(field, description);
      }
    } else {
      const std::set<std::string> named(paths->begin(), paths->end());
      Profile(r.member(), "member", today, &v, &named);
    }
  }
  if (r.has_basis()) Decision(r.basis(), true, "basis", true, today, &v);
  Required(r.reason(), "reason", kMaxReasonLength, &v);
  RequestId(r.request_id(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::AdmitMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  RequestId(r.request_id(), &v);
  IdField(r.member_id(), "member_id", false, &v);
  std::optional<absl::CivilDay> birth;
  if (!r.has_member()) {
    v.Add("member", "is required");
  } else {
    birth = Profile(r.member(), "member", today, &v);
  }
  CellField(r.cell(), "cell", &v, r.parent());
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto ceremony = DateField(r.ceremony_date(), "ceremony_date", true, true, today, &v);
  NotBefore(ceremony, decided, "ceremony_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  if (r.has_over_age_approval()) {
    Decision(r.over_age_approval(), true, "over_age_approval", true, today, &v);
  }
  AdmissionAge(birth, decided, "member.birth_date", r.has_over_age_approval(), "over_age_approval",
               &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ReceiveMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  RequestId(r.request_id(), &v);
  IdField(r.member_id(), "member_id", false, &v);
  CellField(r.cell(), "cell", &v, r.parent());
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto effective = DateField(r.effective_date(), "effective_date", true, true, today, &v);
  NotBefore(effective, decided, "effective_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  EnumRequired<v1::ReceiveMemberRequest::Kind>(r.kind(), v1::ReceiveMemberRequest::Kind_IsValid,
                                               "kind", "OFFICIAL or TEMPORARY", &v);
  OrgRef(r.from_organization(), r.has_from_organization(), "from_organization", true, &v);
  if (!r.source_member().empty()) {
    MemberField(r.source_member(), "source_member", &v);
    if (r.has_member()) v.Add("member", "must be unset when source_member is set (it is copied)");
    for (auto [set, field] : {std::pair{IsSet(r.admission_date()), "admission_date"},
                              std::pair{IsSet(r.party_entry_date()), "party_entry_date"},
                              std::pair{IsSet(r.full_membership_date()), "full_membership_date"}}) {
      if (set) v.Add(field, "must be unset when source_member is set (it is copied)");
    }
    return v.ToStatus();
  }
  std::optional<absl::CivilDay> birth;
  if (!r.has_member()) {
    v.Add("member", "is required unless source_member is set");
  } else {
    birth = Profile(r.member(), "member", today, &v);
  }
  auto admitted = DateField(r.admission_date(), "admission_date", true, true, today, &v);
  auto entry = DateField(r.party_entry_date(), "party_entry_date", true, true, today, &v);
  NotBefore(entry, admitted, "party_entry_date", "admission_date", &v);
  auto full = DateField(r.full_membership_date(), "full_membership_date", false, true, today, &v);
  if (full.has_value() && entry.has_value() && *full != AddMonths(*entry, kProbationMonths)) {
    v.Add("full_membership_date",
          absl::StrCat("must be party_entry_date + 12 months (", FormatDmy(AddMonths(*entry, 12)),
                       "), got ", FormatDmy(*full), " (Điều lệ Điều 5.1)"));
  }
  NotBefore(effective, admitted, "effective_date", "admission_date", &v);
  AdmissionAge(birth, admitted, "member.birth_date", true, "", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::RecognizeFullMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  DateField(r.effective_date(), "effective_date", false, false, today, &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::TransferMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto effective = DateField(r.effective_date(), "effective_date", true, true, today, &v);
  NotBefore(effective, decided, "effective_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  EnumRequired<v1::TransferMemberRequest::Kind>(
      r.kind(), v1::TransferMemberRequest::Kind_IsValid, "kind",
      "OFFICIAL_TO_CELL, OFFICIAL_OUT, TEMPORARY_OUT, TEMPORARY_RETURN or TEMPORARY_HOSTING_END",
      &v);
  using K = v1::TransferMemberRequest;
  const std::string kind = K::Kind_IsValid(r.kind()) ? K::Kind_Name(r.kind()) : "this kind";
  const bool wants_cell = r.kind() == K::OFFICIAL_TO_CELL;
  const bool wants_destination = r.kind() == K::OFFICIAL_OUT || r.kind() == K::TEMPORARY_OUT;
  if (wants_cell) {
    if (r.target_cell().empty()) {
      v.Add("target_cell", "is required for OFFICIAL_TO_CELL");
    } else {
      CellField(r.target_cell(), "target_cell", &v, r.name());
    }
  } else if (!r.target_cell().empty()) {
    v.Add("target_cell", absl::StrCat("must be unset for ", kind, " (OFFICIAL_TO_CELL only)"));
  }
  if (wants_destination) {
    OrgRef(r.destination(), r.has_destination(), "destination", true, &v);
    if (r.destination().organization() == OrganizationOf(r.name()) &&
        !r.destination().organization().empty()) {
      v.Add("destination.organization",
            "must be another organization (use OFFICIAL_TO_CELL within the organization)");
    }
  } else if (r.has_destination()) {
    v.Add("destination",
          absl::StrCat("must be unset for ", kind, " (OFFICIAL_OUT and TEMPORARY_OUT only)"));
  }
  if (r.kind() == K::TEMPORARY_OUT) {
    auto back =
        DateField(r.expected_return_date(), "expected_return_date", false, false, today, &v);
    if (back.has_value() && effective.has_value() && *back <= *effective) {
      v.Add("expected_return_date", absl::StrCat("must be after effective_date (", FormatDmy(*back),
                                                 " is not after ", FormatDmy(*effective), ")"));
    }
  } else if (IsSet(r.expected_return_date())) {
    v.Add("expected_return_date",
          absl::StrCat("must be unset for ", kind, " (TEMPORARY_OUT only)"));
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::RemoveMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto effective = DateField(r.effective_date(), "effective_date", true, true, today, &v);
  NotBefore(effective, decided, "effective_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  EnumRequired<v1::LifecycleEvent::RemovalGround>(
      r.ground(), v1::LifecycleEvent::RemovalGround_IsValid, "ground",
      "PROBATION_NOT_RECOGNIZED, NOT_PARTICIPATING, DUES_ARREARS, NOT_FULFILLING_DUTIES, "
      "VOLUNTARY_WITHDRAWAL or OTHER",
      &v);
  if (r.ground() == v1::LifecycleEvent::OTHER && absl::StripAsciiWhitespace(r.reason()).empty()) {
    v.Add("reason", "is required when ground is OTHER");
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::ExpelMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto effective = DateField(r.effective_date(), "effective_date", true, true, today, &v);
  NotBefore(effective, decided, "effective_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  Required(r.violation_summary(), "violation_summary", kMaxReasonLength, &v);
  if (!r.inspection_plan().empty()) {
    PlanField(r.inspection_plan(), "inspection_plan", &v);
    if (OrganizationOf(r.inspection_plan()) != OrganizationOf(r.name())) {
      v.Add("inspection_plan", "must be a plan of the member's organization");
    }
  }
  if (!r.inspection_item_id().empty()) {
    IdField(r.inspection_item_id(), "inspection_item_id", true, &v);
    if (r.inspection_plan().empty()) v.Add("inspection_item_id", "requires inspection_plan");
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::RecordMemberDeathRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  if (r.has_decision()) Decision(r.decision(), true, "decision", false, today, &v);
  DateField(r.effective_date(), "effective_date", true, true, today, &v, kMinBirthYear);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ReadmitMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  auto decided = Decision(r.decision(), r.has_decision(), "decision", true, today, &v);
  auto ceremony = DateField(r.ceremony_date(), "ceremony_date", true, true, today, &v);
  NotBefore(ceremony, decided, "ceremony_date", "decision.date", &v);
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  CellField(r.cell(), "cell", &v, r.name());
  return v.ToStatus();
}

absl::Status Validate(const v1::CorrectMemberEventRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  Decision(r.basis(), r.has_basis(), "basis", true, today, &v);
  Required(r.reason(), "reason", kMaxReasonLength, &v);
  if (r.event_id().empty()) {
    v.Add("event_id", "is required");
  } else if (r.event_id().size() < 2 || r.event_id()[0] != 'e' ||
             !std::all_of(r.event_id().begin() + 1, r.event_id().end(),
                          [](char c) { return absl::ascii_isdigit(c); }) ||
             r.event_id()[1] == '0') {
    v.Add("event_id", absl::StrCat("must be an event id like \"e3\", got \"", r.event_id(), "\""));
  }
  const bool has_mask = r.correction_mask().paths_size() > 0;
  if (r.voids_event() == has_mask) {
    v.Add("correction_mask",
          r.voids_event() ? "must be empty when voids_event is true"
                          : "is required unless voids_event is true (exactly one of the two)");
  }
  const v1::EventCorrection& c = r.corrected_values();
  for (int i = 0; i < r.correction_mask().paths_size(); ++i) {
    const std::string& p = r.correction_mask().paths(i);
    const std::string field = absl::StrCat("correction_mask.paths[", i, "]");
    if (!google::protobuf::util::FieldMaskUtil::IsValidPath<v1::EventCorrection>(p)) {
      v.Add(field, absl::StrCat("\"", p, "\" is not a field of EventCorrection"));
      continue;
    }
    const std::string value = absl::StrCat("corrected_values.", p);
    if (p == "effective_date") DateField(c.effective_date(), value, true, true, today, &v);
    if (p == "decision") Decision(c.decision(), c.has_decision(), value, true, today, &v);
    if (p == "decision.number")
      Required(c.decision().number(), value, kMaxDecisionNumberLength, &v);
    if (p == "decision.issuing_body")
      Required(c.decision().issuing_body(), value, kMaxIssuingBodyLength, &v);
    if (p == "decision.date") DateField(c.decision().date(), value, true, true, today, &v);
    if (p == "reason") Optional(c.reason(), value, kMaxReasonLength, &v);
    if (p == "from_cell") CellField(c.from_cell(), value, &v, r.name());
    if (p == "to_cell") CellField(c.to_cell(), value, &v, r.name());
    if (p == "discipline.inspection_plan" && !c.discipline().inspection_plan().empty()) {
      PlanField(c.discipline().inspection_plan(), value, &v);
      if (OrganizationOf(c.discipline().inspection_plan()) != OrganizationOf(r.name())) {
        v.Add(value, "must be a plan of the member's organization");
      }
    }
    if (p == "to_organization")
      OrgRef(c.to_organization(), c.has_to_organization(), value, true, &v);
    if (p == "from_organization") {
      OrgRef(c.from_organization(), c.has_from_organization(), value, true, &v);
    }
    if (p == "removal_ground") {
      EnumRequired<v1::LifecycleEvent::RemovalGround>(c.removal_ground(),
                                                      v1::LifecycleEvent::RemovalGround_IsValid,
                                                      value, "a removal ground", &v);
    }
    if (p == "rating.level") {
      EnumRequired<v1::YearlyRating::Level>(c.rating().level(), v1::YearlyRating::Level_IsValid,
                                            value, "a rating level", &v);
    }
    if (p == "rating.score" && c.rating().has_score() &&
        (c.rating().score() < 0 || c.rating().score() > 100)) {
      v.Add(value, absl::StrCat("must be 0 to 100, got ", c.rating().score()));
    }
    if (p == "rating.year") v.Add(field, "rating.year is IMMUTABLE; void the event and rate again");
    if (p == "discipline.form") {
      EnumRequired<v1::DisciplineRecord::Form>(c.discipline().form(),
                                               v1::DisciplineRecord::Form_IsValid, value,
                                               "a discipline form", &v);
    }
    if (p == "discipline.end_date")
      DateField(c.discipline().end_date(), value, false, false, today, &v);
    if (p == "discipline.effective_date") {
      DateField(c.discipline().effective_date(), value, true, true, today, &v);
    }
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::RateMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  Rating(r.rating(), r.has_rating(), "rating", today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::DisciplineMemberRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.name(), "name", &v);
  RequestId(r.request_id(), &v);
  Discipline(r.discipline(), r.has_discipline(), "discipline", today, &v);
  if (!r.discipline().inspection_plan().empty() &&
      OrganizationOf(r.discipline().inspection_plan()) != OrganizationOf(r.name())) {
    v.Add("discipline.inspection_plan", "must be a plan of the member's organization");
  }
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ImportMembersRequest& r, absl::CivilDay today) {
  switch (r.payload_case()) {
    case v1::ImportMembersRequest::kHeader:
      return Validate(r.header(), today);
    case v1::ImportMembersRequest::kRow:
      return Validate(r.row(), today);
    default:
      return common::InvalidField("payload", "is required: a header or a row");
  }
}

absl::Status Validate(const v1::ImportMembersHeader& h, absl::CivilDay) {
  FieldViolations v;
  OrganizationField(h.parent(), "header.parent", &v);
  if (!h.request_id().empty() && !IsValidRequestId(h.request_id())) {
    v.Add("header.request_id", "must be 1 to 64 characters of [A-Za-z0-9_-]");
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::ImportMemberRow& r, absl::CivilDay today) {
  FieldViolations v;
  if (r.row() < 1) v.Add("row", absl::StrCat("must be at least 1, got ", r.row()));
  IdField(r.member_id(), "member_id", false, &v);
  std::optional<absl::CivilDay> birth;
  if (!r.has_member()) {
    v.Add("member", "is required");
  } else {
    birth = Profile(r.member(), "member", today, &v);
  }
  CellField(r.cell(), "cell", &v);
  auto decided = Decision(r.admission_decision(), r.has_admission_decision(), "admission_decision",
                          true, today, &v);
  auto entry = DateField(r.party_entry_date(), "party_entry_date", true, true, today, &v);
  NotBefore(entry, decided, "party_entry_date", "admission_decision.date", &v);
  if (r.has_recognition_decision()) {
    Decision(r.recognition_decision(), true, "recognition_decision", true, today, &v);
  }
  Optional(r.reason(), "reason", kMaxReasonLength, &v);
  // Imported legacy members were admitted under the rules then in force; only the minimum
  // age is checked (an import carries no over-age approval).
  AdmissionAge(birth, decided, "member.birth_date", true, "", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ExportMembersRequest& r, absl::CivilDay) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  FilterAndOrder(r.filter(), MemberFilterSpec(), r.order_by(), MemberOrderFields(), &v);
  EnumOptional(r.view(), v1::MemberView_IsValid, "view", &v);
  Required(r.purpose(), "purpose", kMaxPurposeLength, &v);
  return v.ToStatus();
}

// =========================================================================================
// Inspection plans

absl::Status Validate(const v1::CreateInspectionPlanRequest& r, absl::CivilDay today) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  IdField(r.inspection_plan_id(), "inspection_plan_id", true, &v);
  RequestId(r.request_id(), &v);
  if (!r.has_inspection_plan()) {
    v.Add("inspection_plan", "is required");
    return v.ToStatus();
  }
  const v1::InspectionPlan& p = r.inspection_plan();
  PlanYear(p.year(), "inspection_plan.year", today, &v);
  Required(p.issuing_body(), "inspection_plan.issuing_body", kMaxIssuingBodyLength, &v);
  Decision(p.decision(), p.has_decision(), "inspection_plan.decision", true, today, &v);
  EnumRequired<v1::InspectionPlan::Kind>(p.kind(), v1::InspectionPlan::Kind_IsValid,
                                         "inspection_plan.kind", "a plan kind", &v);
  Required(p.title(), "inspection_plan.title", 300, &v);
  Items(p.items(), "inspection_plan.items", p.year(), r.parent(), today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetInspectionPlanRequest& r, absl::CivilDay) {
  FieldViolations v;
  PlanField(r.name(), "name", &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListInspectionPlansRequest& r, absl::CivilDay) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  FilterAndOrder(r.filter(), InspectionPlanFilterSpec(), r.order_by(), InspectionPlanOrderFields(),
                 &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::UpdateInspectionPlanRequest& r, absl::CivilDay today) {
  FieldViolations v;
  RequestId(r.request_id(), &v);
  if (!r.has_inspection_plan()) {
    v.Add("inspection_plan", "is required");
    return v.ToStatus();
  }
  const v1::InspectionPlan& p = r.inspection_plan();
  PlanField(p.name(), "inspection_plan.name", &v);
  const bool all = r.update_mask().paths_size() == 0;
  auto named = [&](absl::string_view f, bool populated) {
    return all ? populated : MaskNames(r.update_mask(), f);
  };
  if (named("issuing_body", !p.issuing_body().empty())) {
    Required(p.issuing_body(), "inspection_plan.issuing_body", kMaxIssuingBodyLength, &v);
  }
  if (named("decision", p.has_decision())) {
    Decision(p.decision(), p.has_decision(), "inspection_plan.decision", true, today, &v);
  }
  if (named("title", !p.title().empty())) Required(p.title(), "inspection_plan.title", 300, &v);
  if (named("items", p.items_size() > 0)) {
    // The year is the stored plan's (IMMUTABLE); windows are checked against it again by
    // UpdateInspectionPlan. Here: with the request's year when given.
    Items(p.items(), "inspection_plan.items", p.year(), OrganizationOf(p.name()), today, &v);
  }
  return v.ToStatus();
}

namespace {
void ItemRef(absl::string_view name, absl::string_view item_id, absl::string_view request_id,
             FieldViolations* v) {
  PlanField(name, "name", v);
  IdField(item_id, "item_id", true, v);
  RequestId(request_id, v);
}

template <typename R>
void Transition(const R& r, absl::CivilDay today, FieldViolations* v) {
  ItemRef(r.name(), r.item_id(), r.request_id(), v);
  if (r.has_decision()) Decision(r.decision(), true, "decision", true, today, v);
  DateField(r.effective_date(), "effective_date", true, true, today, v);
}
}  // namespace

absl::Status Validate(const v1::NotifyInspectionItemRequest& r, absl::CivilDay today) {
  FieldViolations v;
  Transition(r, today, &v);
  Optional(r.note(), "note", kMaxReasonLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::StartInspectionItemRequest& r, absl::CivilDay today) {
  FieldViolations v;
  Transition(r, today, &v);
  Optional(r.note(), "note", kMaxReasonLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ConcludeInspectionItemRequest& r, absl::CivilDay today) {
  FieldViolations v;
  ItemRef(r.name(), r.item_id(), r.request_id(), &v);
  if (r.has_decision()) Decision(r.decision(), true, "decision", true, today, &v);
  Optional(r.note(), "note", kMaxReasonLength, &v);
  std::optional<absl::CivilDay> concluded;
  if (!r.has_conclusion()) {
    v.Add("conclusion", "is required to conclude an item (outcome, text, date)");
  } else {
    const auto& c = r.conclusion();
    using C = v1::InspectionItem::Conclusion;
    EnumRequired<C::Outcome>(c.outcome(), C::Outcome_IsValid, "conclusion.outcome",
                             "NO_VIOLATION, SHORTCOMING, VIOLATION or VIOLATION_WITH_DISCIPLINE",
                             &v);
    Required(c.text(), "conclusion.text", kMaxConclusionTextLength, &v);
    concluded = DateField(c.date(), "conclusion.date", true, true, today, &v);
    const bool linked = !c.discipline_member().empty() || !c.discipline_id().empty();
    if (linked && c.outcome() != C::VIOLATION_WITH_DISCIPLINE) {
      v.Add(c.discipline_member().empty() ? "conclusion.discipline_id"
                                          : "conclusion.discipline_member",
            "a discipline link is allowed only with outcome VIOLATION_WITH_DISCIPLINE");
    } else if (linked) {
      if (c.discipline_member().empty()) {
        v.Add("conclusion.discipline_member", "is required with discipline_id");
      } else {
        MemberField(c.discipline_member(), "conclusion.discipline_member", &v, r.name());
      }
      if (c.discipline_id().empty())
        v.Add("conclusion.discipline_id", "is required with discipline_member");
    }
  }
  if (r.recommendations_size() > kMaxRecommendations) {
    v.Add("recommendations",
          absl::StrCat("at most ", kMaxRecommendations, ", got ", r.recommendations_size()));
  }
  std::set<std::string> ids;
  for (int i = 0; i < std::min(r.recommendations_size(), kMaxRecommendations); ++i) {
    const auto& rec = r.recommendations(i);
    const std::string prefix = absl::StrCat("recommendations[", i, "]");
    IdField(rec.recommendation_id(), Path(prefix, "recommendation_id"), false, &v);
    if (!rec.recommendation_id().empty() && !ids.insert(rec.recommendation_id()).second) {
      v.Add(Path(prefix, "recommendation_id"),
            absl::StrCat("\"", rec.recommendation_id(), "\" is used twice"));
    }
    Required(rec.text(), Path(prefix, "text"), kMaxReasonLength, &v);
    Required(rec.owner(), Path(prefix, "owner"), 200, &v);
    auto due = DateField(rec.due_date(), Path(prefix, "due_date"), true, false, today, &v);
    NotBefore(due, concluded, Path(prefix, "due_date"), "conclusion.date", &v);
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::CloseInspectionItemRequest& r, absl::CivilDay today) {
  FieldViolations v;
  Transition(r, today, &v);
  Optional(r.note(), "note", kMaxReasonLength, &v);
  if (!r.discipline_member().empty())
    MemberField(r.discipline_member(), "discipline_member", &v, r.name());
  if (r.discipline_member().empty() != r.discipline_id().empty()) {
    v.Add(r.discipline_member().empty() ? "discipline_member" : "discipline_id",
          "discipline_member and discipline_id are given together");
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::CancelInspectionItemRequest& r, absl::CivilDay today) {
  FieldViolations v;
  Transition(r, today, &v);
  Required(r.note(), "note", kMaxReasonLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::UpdateRecommendationRequest& r, absl::CivilDay today) {
  FieldViolations v;
  ItemRef(r.name(), r.item_id(), r.request_id(), &v);
  IdField(r.recommendation_id(), "recommendation_id", true, &v);
  using S = v1::InspectionItem::Recommendation;
  EnumRequired<S::State>(r.state(), S::State_IsValid, "state", "OPEN, DONE or DROPPED", &v);
  if (r.state() == S::DONE) {
    DateField(r.done_date(), "done_date", true, true, today, &v);
  } else if (IsSet(r.done_date())) {
    v.Add("done_date", "must be unset unless state is DONE");
  }
  if (r.state() == S::DROPPED) {
    Required(r.note(), "note", kMaxReasonLength, &v);
  } else {
    Optional(r.note(), "note", kMaxReasonLength, &v);
  }
  return v.ToStatus();
}

// =========================================================================================
// Change stream and audit

absl::Status Validate(const v1::WatchChangesRequest& r, absl::CivilDay) {
  FieldViolations v;
  if (r.resource_types_size() > kMaxWatchResourceTypes) {
    v.Add("resource_types", absl::StrCat("has ", r.resource_types_size(), " entries; at most ",
                                         kMaxWatchResourceTypes, " are allowed"));
    return v.ToStatus();
  }
  for (int i = 0; i < r.resource_types_size(); ++i) {
    const int t = r.resource_types(i);
    if (t == 0 || !v1::ChangeEvent::ResourceType_IsValid(t)) {
      v.Add(absl::StrCat("resource_types[", i, "]"),
            "must be ORGANIZATION, CELL, MEMBER, INSPECTION_PLAN, DUES_RATE_TABLE, "
            "DUES_BASIS, DUES_PAYMENT, DUES_REMITTANCE or MEETING");
    }
  }
  if (!r.organization().empty()) OrganizationField(r.organization(), "organization", &v);
  Optional(r.log_id(), "log_id", 128, &v);
  if (r.has_heartbeat_interval()) {
    const auto& d = r.heartbeat_interval();
    const absl::Duration interval = absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
    if (interval < absl::Seconds(1) || interval > absl::Seconds(60)) {
      v.Add("heartbeat_interval",
            absl::StrCat("must be 1s to 60s, got ", absl::FormatDuration(interval)));
    }
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::GetChangeLogStateRequest&, absl::CivilDay) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::ListAuditEventsRequest& r, absl::CivilDay) {
  FieldViolations v;
  PageSize(r.page_size(), &v);
  FilterAndOrder(r.filter(), AuditEventFilterSpec(), r.order_by(), AuditEventOrderFields(), &v);
  if (auto terms = common::ParseFilter(r.filter()); terms.ok()) {
    for (const common::FilterTerm& t : *terms) {
      absl::Time time;
      std::string error;
      if (t.field == "time" && t.value.kind == FilterValue::Kind::kString &&
          !absl::ParseTime(absl::RFC3339_full, t.value.text, &time, &error)) {
        v.Add("filter", absl::StrCat("time: \"", t.value.text,
                                     "\" is not an RFC 3339 time (e.g. \"2026-01-01T00:00:00Z\")"));
      }
    }
  }
  EnumOptional(r.view(), v1::AuditEventView_IsValid, "view", &v);
  return v.ToStatus();
}

// =========================================================================================
// Allow-lists

const common::FilterSpec& OrganizationFilterSpec() {
  static const auto* const kSpec = new common::FilterSpec{
      Eq("parent", FilterValue::Kind::kString),
      Eq("region", FilterValue::Kind::kString),
      Eq("state", FilterValue::Kind::kIdentifier, EnumNames(v1::Organization::State_descriptor())),
      Eq("code", FilterValue::Kind::kString),
      Eq("valid_in_year", FilterValue::Kind::kInteger),
  };
  return *kSpec;
}

const common::FilterSpec& CellFilterSpec() {
  static const auto* const kSpec = new common::FilterSpec{
      Eq("state", FilterValue::Kind::kIdentifier, EnumNames(v1::Cell::State_descriptor())),
  };
  return *kSpec;
}

const common::FilterSpec& MemberFilterSpec() {
  static const auto* const kSpec = new common::FilterSpec{
      Eq("cell", FilterValue::Kind::kString),
      Eq("state", FilterValue::Kind::kIdentifier, EnumNames(v1::Member::State_descriptor())),
      Eq("active", FilterValue::Kind::kIdentifier, {"true", "false"}),
      Eq("admission_year", FilterValue::Kind::kInteger),
      FilterField{"name_query",
                  {FilterOp::kEq, FilterOp::kHas},
                  {FilterValue::Kind::kString},
                  {},
                  1,
                  kMaxNameQueryLength,
                  kMaxNameQueryWords},
      Eq("national_id", FilterValue::Kind::kString),
      Eq("party_card_number", FilterValue::Kind::kString),
  };
  return *kSpec;
}

const common::FilterSpec& InspectionPlanFilterSpec() {
  static const auto* const kSpec = new common::FilterSpec{
      Eq("year", FilterValue::Kind::kInteger),
      Eq("kind", FilterValue::Kind::kIdentifier, EnumNames(v1::InspectionPlan::Kind_descriptor())),
      Eq("state", FilterValue::Kind::kIdentifier,
         EnumNames(v1::InspectionPlan::State_descriptor())),
      Eq("target", FilterValue::Kind::kString),
  };
  return *kSpec;
}

const common::FilterSpec& AuditEventFilterSpec() {
  static const auto* const kSpec = new common::FilterSpec{
      Eq("resource", FilterValue::Kind::kString),
      Eq("principal", FilterValue::Kind::kString),
      Eq("method", FilterValue::Kind::kString),
      Eq("request_id", FilterValue::Kind::kString),
      Eq("result", FilterValue::Kind::kIdentifier, {"SUCCEEDED", "DENIED", "FAILED"}),
      Eq("reason", FilterValue::Kind::kString),
      FilterField{"time",
                  {FilterOp::kGe, FilterOp::kGt, FilterOp::kLt, FilterOp::kLe},
                  {FilterValue::Kind::kString},
                  {},
                  2},
  };
  return *kSpec;
}

const std::vector<std::string>& OrganizationOrderFields() {
  static const auto& k = Words({"name", "display_name", "code"});
  return k;
}
const std::vector<std::string>& CellOrderFields() {
  static const auto& k = Words({"display_name", "name", "established_date"});
  return k;
}
const std::vector<std::string>& MemberOrderFields() {
  static const auto& k = Words({"admission_date", "party_card_number"});
  return k;
}
const std::vector<std::string>& InspectionPlanOrderFields() {
  static const auto& k = Words({"year", "name"});
  return k;
}
const std::vector<std::string>& AuditEventOrderFields() {
  static const auto& k = Words({"sequence"});
  return k;
}

// =========================================================================================
// Party dues and cell meetings (dues.proto, meeting.proto)

namespace {

// The first year of Quyết định 342-QĐ/TW (in force from 1 April 2011): no earlier dues month
// is recorded.
constexpr int kMinDuesYear = 2011;
constexpr int64_t kMaxDuesAmount = 1'000'000'000'000;  // whole đồng, far above any salary
constexpr int kMaxTopicLength = 300;
constexpr int kMaxMinutesReferenceLength = 200;
constexpr int kMaxReceiptNumberLength = 64;
constexpr int kMaxAttendance = 500;

// "{parent}/{collection}/{id}" with the parent checked by `parent_check` and the id RFC-1034,
// or a month "YYYY-MM" when `period_id`.
void ChildField(absl::string_view name, const std::string& field, absl::string_view collection,
                bool period_id,
                void (*parent_check)(absl::string_view, const std::string&, FieldViolations*),
                FieldViolations* v) {
  const std::string marker = absl::StrCat("/", collection, "/");
  const size_t at = name.rfind(marker);
  if (name.empty()) {
    v->Add(field, "is required");
    return;
  }
  if (at == absl::string_view::npos) {
    v->Add(field, absl::StrCat("must be {parent}", marker, "{id}, got \"", name, "\""));
    return;
  }
  FieldViolations parent;
  parent_check(name.substr(0, at), field, &parent);
  if (!parent.empty()) {
    for (const auto& [f, d] : parent.violations()) v->Add(f, d);
    return;
  }
  const absl::string_view id = name.substr(at + marker.size());
  if (period_id ? !ParsePeriodId(id).has_value() : !IsValidResourceId(id)) {
    v->Add(field, absl::StrCat("the id must be ", period_id ? "a month YYYY-MM" : "RFC-1034",
                               ", got \"", id, "\""));
  }
}
void OrganizationParent(absl::string_view name, const std::string& field, FieldViolations* v) {
  OrganizationField(name, field, v);
}
void CellParent(absl::string_view name, const std::string& field, FieldViolations* v) {
  CellField(name, field, v);
}
void MemberParent(absl::string_view name, const std::string& field, FieldViolations* v) {
  MemberField(name, field, v);
}

// A dues month: kMinDuesYear to `last` (inclusive).
std::optional<absl::CivilMonth> PeriodField(const v1::DuesPeriod& p, bool present,
                                            const std::string& field, absl::CivilMonth last,
                                            FieldViolations* v) {
  if (!present) {
    v->Add(field, "is required (year, month)");
    return std::nullopt;
  }
  if (p.month() < 1 || p.month() > 12) {
    v->Add(Path(field, "month"), absl::StrCat("must be 1 to 12, got ", p.month()));
    return std::nullopt;
  }
  const absl::CivilMonth month(p.year(), p.month());
  if (p.year() < kMinDuesYear || month > last) {
    v->Add(field, absl::StrCat("must be from ", kMinDuesYear, "-01 to ", PeriodId(last), ", got ",
                               PeriodId(month)));
    return std::nullopt;
  }
  return month;
}

void Amount(int64_t amount, const std::string& field, FieldViolations* v) {
  if (amount < 0 || amount > kMaxDuesAmount) {
    v->Add(field, absl::StrCat("must be 0 to ", kMaxDuesAmount, " whole đồng, got ", amount));
  }
}

void DuesYear(int year, const std::string& field, absl::CivilDay today, FieldViolations* v) {
  if (year < kMinDuesYear || year > today.year()) {
    v->Add(field, absl::StrCat("must be from ", kMinDuesYear, " to this year (", today.year(),
                               "), got ", year));
  }
}

void RateTableBody(const v1::DuesRateTable& t, absl::CivilDay today, FieldViolations* v) {
  const std::string f = "dues_rate_table";
  Decision(t.regulation(), t.has_regulation(), Path(f, "regulation"), true, today, v);
  std::optional<absl::CivilDay> from =
      DateField(t.effective_from(), Path(f, "effective_from"), true, false, today, v);
  if (from.has_value() && from->day() != 1) {
    v->Add(Path(f, "effective_from"),
           absl::StrCat("must be the first day of a month, got ", FormatDmy(*from)));
  }
  if (t.rates().empty()) v->Add(Path(f, "rates"), "is required (one rate per category)");
  std::set<int> categories;
  for (int i = 0; i < t.rates_size(); ++i) {
    const auto& r = t.rates(i);
    const std::string rf = absl::StrCat(f, ".rates[", i, "]");
    EnumRequired<v1::DuesCategory>(r.category(), v1::DuesCategory_IsValid, Path(rf, "category"),
                                   "a dues category", v);
    if (r.category() != 0 && !categories.insert(r.category()).second) {
      v->Add(Path(rf, "category"),
             absl::StrCat("appears twice: ", v1::DuesCategory_Name(r.category())));
    }
    if ((r.basis_points() > 0) == (r.fixed_amount() > 0)) {
      v->Add(rf, "must set exactly one of basis_points and fixed_amount (> 0)");
    }
    if (r.basis_points() < 0 || r.basis_points() > 10000) {
      v->Add(Path(rf, "basis_points"), absl::StrCat("must be 0 to 10000, got ", r.basis_points()));
    }
    Amount(r.fixed_amount(), Path(rf, "fixed_amount"), v);
    if (r.fixed_amount_max() != 0 && r.fixed_amount_max() < r.fixed_amount()) {
      v->Add(Path(rf, "fixed_amount_max"), "must be 0 or at least fixed_amount");
    }
  }
  std::set<int> levels;
  for (int i = 0; i < t.shares_size(); ++i) {
    const auto& s = t.shares(i);
    const std::string sf = absl::StrCat(f, ".shares[", i, "]");
    EnumRequired<v1::DuesRateTable::Level>(s.level(), v1::DuesRateTable::Level_IsValid,
                                           Path(sf, "level"), "a level", v);
    if (s.level() != 0 && !levels.insert(s.level()).second) {
      v->Add(Path(sf, "level"), "appears twice");
    }
    if (s.kept_basis_points() < 0 || s.kept_basis_points() > 10000) {
      v->Add(Path(sf, "kept_basis_points"),
             absl::StrCat("must be 0 to 10000, got ", s.kept_basis_points()));
    }
    if (s.kept_basis_points_max() != 0 &&
        (s.kept_basis_points_max() < s.kept_basis_points() || s.kept_basis_points_max() > 10000)) {
      v->Add(Path(sf, "kept_basis_points_max"), "must be 0 or kept_basis_points to 10000");
    }
  }
  Optional(t.source_note(), Path(f, "source_note"), kMaxReasonLength, v);
}

void MeetingBody(const v1::Meeting& m, const std::string& f, bool check_all,
                 const google::protobuf::FieldMask& mask, absl::CivilDay today,
                 FieldViolations* v) {
  // On create every field; on update a field named in the mask or, with an empty mask, a
  // populated one.
  auto named = [&](absl::string_view path, bool populated) {
    if (check_all) return true;
    return mask.paths_size() == 0 ? populated : MaskNames(mask, path);
  };
  if (check_all) {
    EnumRequired<v1::Meeting::Kind>(m.kind(), v1::Meeting::Kind_IsValid, Path(f, "kind"),
                                    "REGULAR, THEMATIC or EXTRAORDINARY", v);
    DateField(m.date(), Path(f, "date"), true, true, today, v);
  }
  if (named("topic", !m.topic().empty())) Required(m.topic(), Path(f, "topic"), kMaxTopicLength, v);
  if (named("presiding_member", !m.presiding_member().empty())) {
    MemberField(m.presiding_member(), Path(f, "presiding_member"), v);
  }
  if (named("minutes_reference", !m.minutes_reference().empty())) {
    Optional(m.minutes_reference(), Path(f, "minutes_reference"), kMaxMinutesReferenceLength, v);
  }
  if (!named("attendance", m.attendance_size() > 0)) return;
  if (m.attendance_size() > kMaxAttendance) {
    v->Add(Path(f, "attendance"), absl::StrCat("must have at most ", kMaxAttendance, " entries"));
  }
  std::set<std::string> seen;
  for (int i = 0; i < m.attendance_size(); ++i) {
    const v1::MeetingAttendance& a = m.attendance(i);
    const std::string af = absl::StrCat(f, ".attendance[", i, "]");
    MemberField(a.member(), Path(af, "member"), v);
    if (!a.member().empty() && !seen.insert(a.member()).second) {
      v->Add(Path(af, "member"), absl::StrCat("appears twice: ", a.member()));
    }
    EnumRequired<v1::MeetingAttendance::Status>(a.status(), v1::MeetingAttendance::Status_IsValid,
                                                Path(af, "status"), "PRESENT, EXCUSED or ABSENT",
                                                v);
    if (a.status() == v1::MeetingAttendance::EXCUSED) {
      Required(a.reason(), Path(af, "reason"), kMaxReasonLength, v);
    } else if (!a.reason().empty()) {
      v->Add(Path(af, "reason"), "is only for EXCUSED (an absence with a reason is EXCUSED)");
    }
  }
}

}  // namespace

absl::Status Validate(const v1::CreateDuesRateTableRequest& r, absl::CivilDay today) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  IdField(r.dues_rate_table_id(), "dues_rate_table_id", true, &v);
  RequestId(r.request_id(), &v);
  if (!r.has_dues_rate_table()) {
    v.Add("dues_rate_table", "is required");
    return v.ToStatus();
  }
  RateTableBody(r.dues_rate_table(), today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetDuesRateTableRequest& r, absl::CivilDay) {
  FieldViolations v;
  ChildField(r.name(), "name", "duesRateTables", false, OrganizationParent, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListDuesRateTablesRequest& r, absl::CivilDay) {
  FieldViolations v;
  OrganizationField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::CreateDuesBasisRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.parent(), "parent", &v);
  RequestId(r.request_id(), &v);
  if (!r.has_dues_basis()) {
    v.Add("dues_basis", "is required");
    return v.ToStatus();
  }
  const v1::DuesBasis& b = r.dues_basis();
  EnumRequired<v1::DuesCategory>(b.category(), v1::DuesCategory_IsValid, "dues_basis.category",
                                 "a dues category", &v);
  Amount(b.basis_amount(), "dues_basis.basis_amount", &v);
  PeriodField(b.effective_from(), b.has_effective_from(), "dues_basis.effective_from",
              absl::CivilMonth(today) + 12, &v);
  const int pct = b.reduction_percent();
  if (pct != 0 && pct != 30 && pct != 50 && pct != 70 && pct != 100) {
    v.Add("dues_basis.reduction_percent", absl::StrCat("must be 0, 30, 50, 70 or 100, got ", pct));
  }
  Decision(b.reduction_decision(), b.has_reduction_decision(), "dues_basis.reduction_decision",
           pct > 0, today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListDuesBasesRequest& r, absl::CivilDay) {
  FieldViolations v;
  MemberField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::RecordDuesPaymentRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.parent(), "parent", &v);
  RequestId(r.request_id(), &v);
  if (!r.has_dues_payment()) {
    v.Add("dues_payment", "is required");
    return v.ToStatus();
  }
  const v1::DuesPayment& p = r.dues_payment();
  // Paying in advance is allowed for up to a year (Quy định 01-QĐ/TW (2026) Điều 5).
  PeriodField(p.period(), p.has_period(), "dues_payment.period", absl::CivilMonth(today) + 12, &v);
  Amount(p.amount(), "dues_payment.amount", &v);
  DateField(p.paid_date(), "dues_payment.paid_date", p.amount() > 0, true, today, &v, kMinDuesYear);
  if (p.amount() == 0 && IsSet(p.paid_date())) {
    v.Add("dues_payment.paid_date", "must be empty when amount is 0");
  }
  if (p.amount() == 0) {
    Required(p.unpaid_reason(), "dues_payment.unpaid_reason", kMaxReasonLength, &v);
  } else {
    Optional(p.unpaid_reason(), "dues_payment.unpaid_reason", kMaxReasonLength, &v);
  }
  if (!p.collector().empty()) MemberField(p.collector(), "dues_payment.collector", &v, r.parent());
  return v.ToStatus();
}

absl::Status Validate(const v1::ImportDuesPaymentsRequest& r, absl::CivilDay) {
  FieldViolations v;
  CellField(r.parent(), "parent", &v);
  RequestId(r.request_id(), &v);
  if (r.rows_size() < 1 || r.rows_size() > kMaxImportDuesRows) {
    v.Add("rows", absl::StrCat("must hold 1 to ", kMaxImportDuesRows, " rows, got ", r.rows_size(),
                               r.rows_size() > 0 ? "; split the import into several calls" : ""));
    return v.ToStatus();
  }
  std::set<int> seen;
  for (int i = 0; i < r.rows_size(); ++i) {
    const int row = r.rows(i).row();
    const std::string field = absl::StrCat("rows[", i, "].row");
    if (row < 1) {
      v.Add(field, absl::StrCat("must be at least 1, got ", row));
    } else if (!seen.insert(row).second) {
      v.Add(field, absl::StrCat("row number ", row, " is repeated; row numbers must be unique"));
    }
  }
  return v.ToStatus();
}

absl::Status Validate(const v1::GetDuesPaymentRequest& r, absl::CivilDay) {
  FieldViolations v;
  ChildField(r.name(), "name", "duesPayments", true, MemberParent, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListDuesPaymentsRequest& r, absl::CivilDay) {
  FieldViolations v;
  if (!ParseCellName(r.parent(), "parent").ok()) MemberField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  FilterAndOrder(r.filter(), DuesPaymentFilterSpec(), "", {}, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::RecordDuesRemittanceRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.parent(), "parent", &v);
  RequestId(r.request_id(), &v);
  if (!r.has_dues_remittance()) {
    v.Add("dues_remittance", "is required");
    return v.ToStatus();
  }
  const v1::DuesRemittance& d = r.dues_remittance();
  std::optional<absl::CivilMonth> period = PeriodField(
      d.period(), d.has_period(), "dues_remittance.period", absl::CivilMonth(today), &v);
  Amount(d.remitted_amount(), "dues_remittance.remitted_amount", &v);
  std::optional<absl::CivilDay> sent = DateField(d.remitted_date(), "dues_remittance.remitted_date",
                                                 true, true, today, &v, kMinDuesYear);
  if (period.has_value() && sent.has_value() && *sent < absl::CivilDay(*period)) {
    v.Add("dues_remittance.remitted_date",
          absl::StrCat("must not be before the period's first day (", FormatDmy(*sent),
                       " is before ", FormatDmy(absl::CivilDay(*period)), ")"));
  }
  OrganizationField(d.recipient(), "dues_remittance.recipient", &v);
  Optional(d.receipt_number(), "dues_remittance.receipt_number", kMaxReceiptNumberLength, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListDuesRemittancesRequest& r, absl::CivilDay) {
  FieldViolations v;
  CellField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetMemberDuesStatementRequest& r, absl::CivilDay today) {
  FieldViolations v;
  MemberField(r.member(), "member", &v);
  DuesYear(r.year(), "year", today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetDuesSummaryRequest& r, absl::CivilDay today) {
  FieldViolations v;
  if (!ParseCellName(r.scope(), "scope").ok()) OrganizationField(r.scope(), "scope", &v);
  DuesYear(r.year(), "year", today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::CreateMeetingRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.parent(), "parent", &v);
  IdField(r.meeting_id(), "meeting_id", true, &v);
  RequestId(r.request_id(), &v);
  if (!r.has_meeting()) {
    v.Add("meeting", "is required");
    return v.ToStatus();
  }
  MeetingBody(r.meeting(), "meeting", true, {}, today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetMeetingRequest& r, absl::CivilDay) {
  FieldViolations v;
  ChildField(r.name(), "name", "meetings", false, CellParent, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::ListMeetingsRequest& r, absl::CivilDay) {
  FieldViolations v;
  CellField(r.parent(), "parent", &v);
  PageSize(r.page_size(), &v);
  FilterAndOrder(r.filter(), MeetingFilterSpec(), "", {}, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::UpdateMeetingRequest& r, absl::CivilDay today) {
  FieldViolations v;
  RequestId(r.request_id(), &v);
  if (!r.has_meeting()) {
    v.Add("meeting", "is required");
    return v.ToStatus();
  }
  ChildField(r.meeting().name(), "meeting.name", "meetings", false, CellParent, &v);
  static const std::set<std::string> kUpdatable = {"*", "topic", "presiding_member",
                                                   "minutes_reference", "attendance"};
  for (const std::string& path : r.update_mask().paths()) {
    if (kUpdatable.count(path) == 0) {
      v.Add("update_mask", absl::StrCat("\"", path, "\" cannot be updated; updatable: topic, ",
                                        "presiding_member, minutes_reference, attendance"));
    }
  }
  MeetingBody(r.meeting(), "meeting", false, r.update_mask(), today, &v);
  return v.ToStatus();
}

absl::Status Validate(const v1::GetCellMeetingSummaryRequest& r, absl::CivilDay today) {
  FieldViolations v;
  CellField(r.cell(), "cell", &v);
  PlanYear(r.year(), "year", today, &v);
  if (r.year() > today.year()) {
    v.Add("year", absl::StrCat("must not be after this year (", today.year(), ")"));
  }
  return v.ToStatus();
}

const common::FilterSpec& DuesPaymentFilterSpec() {
  static const auto* const kSpec = new common::FilterSpec{
      Eq("period.year", FilterValue::Kind::kInteger),
      Eq("period.month", FilterValue::Kind::kInteger),
  };
  return *kSpec;
}

const common::FilterSpec& MeetingFilterSpec() {
  static const auto* const kSpec = new common::FilterSpec{
      Eq("year", FilterValue::Kind::kInteger),
      Eq("kind", FilterValue::Kind::kIdentifier, EnumNames(v1::Meeting::Kind_descriptor())),
  };
  return *kSpec;
}

}  // namespace records::domain
