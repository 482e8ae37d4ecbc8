#include "services/analytics/domain/observation_update.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/vi_text.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/util/time_util.h"
#include "services/analytics/domain/decimal.h"
#include "services/analytics/domain/term.h"

namespace analytics {
namespace {

using ::dangbo::analytics::v1::Observation;
using ::dangbo::analytics::v1::ObservationInput;
using ::dangbo::analytics::v1::ObservationRevision;
using ::dangbo::analytics::v1::Target;
using Violations = std::vector<std::pair<std::string, std::string>>;

void CheckDecimal(const std::string& text, const std::string& field, Violations* v) {
  absl::StatusOr<int64_t> parsed = ParseDecimal(text, field);
  if (!parsed.ok()) {
    for (auto& violation : common::FieldViolationsOf(parsed.status())) v->push_back(violation);
  }
}

size_t CodePoints(const std::string& text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

void CheckText(std::string* text, const std::string& field, size_t max, bool required,
               Violations* v) {
  absl::StatusOr<std::string> nfc = common::ToNfc(*text);
  if (!nfc.ok()) {
    v->emplace_back(field, "must be valid UTF-8");
    return;
  }
  *text = *std::move(nfc);
  if (required && text->empty()) v->emplace_back(field, "is required");
  if (CodePoints(*text) > max) {
    v->emplace_back(field, absl::StrCat("must be at most ", max, " characters"));
  }
}

bool ValidDate(const google::type::Date& date) {
  if (date.year() < kMinYear || date.year() > kMaxYear || date.month() < 1 || date.month() > 12 ||
      date.day() < 1) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (date.year() % 4 == 0 && date.year() % 100 != 0) || date.year() % 400 == 0;
  return date.day() <= kDays[date.month() - 1] + (date.month() == 2 && leap ? 1 : 0);
}

// The content of an observation, for change detection and revisions.
ObservationRevision ContentOf(const Observation& o) {
  ObservationRevision r;
  if (o.has_actual()) *r.mutable_actual() = o.actual();
  r.set_value_kind(o.value_kind());
  *r.mutable_targets() = o.targets();
  *r.mutable_province_breakdown() = o.province_breakdown();
  r.set_source(o.source());
  r.set_note(o.note());
  return r;
}

}  // namespace

Violations ValidateObservationInput(ObservationInput* input, int current_year) {
  Violations v;
  if (input->indicator().empty()) v.emplace_back("indicator", "is required");
  if (input->year() < kMinYear || input->year() > current_year + 1) {
    v.emplace_back("year", absl::StrCat("must be a year from ", kMinYear, " to ", current_year + 1,
                                        " (the current year + 1); got ", input->year()));
  }
  if (input->has_actual()) {
    CheckDecimal(input->actual().value(), "actual", &v);
    if (input->year() > current_year) {
      v.emplace_back("actual", absl::StrCat("an actual can be recorded only up to the current "
                                            "year ",
                                            current_year, "; year is ", input->year()));
    }
  } else if (input->value_kind() != Observation::VALUE_KIND_UNSPECIFIED) {
    v.emplace_back("value_kind", "is allowed only with actual");
  }
  if (!Observation::ValueKind_IsValid(input->value_kind())) {
    v.emplace_back("value_kind", "must be ACTUAL, ESTIMATE, PRELIMINARY or REVISED");
  }
  // Past a count bound only the entries within it are looked at: the row is refused anyway,
  // and its cost and errors stay bounded whatever the list's length.
  if (input->targets_size() > kMaxTargetsPerRow) {
    v.emplace_back("targets", absl::StrCat("at most ", kMaxTargetsPerRow,
                                           " targets (one per type), got ", input->targets_size()));
  }
  std::set<int> types;
  for (int i = 0; i < std::min(input->targets_size(), kMaxTargetsPerRow); ++i) {
    const Target& target = input->targets(i);
    const std::string path = absl::StrCat("targets[", i, "]");
    if (target.type() == Target::TYPE_UNSPECIFIED || !Target::Type_IsValid(target.type())) {
      v.emplace_back(path + ".type", "must be LEGAL, STRIVING or ADJUSTED");
    } else if (!types.insert(target.type()).second) {
      v.emplace_back(path + ".type",
                     absl::StrCat("at most one target per type; ", Target::Type_Name(target.type()),
                                  " is given twice"));
    }
    if (!target.has_value()) {
      v.emplace_back(path + ".value", "is required");
    } else {
      CheckDecimal(target.value().value(), path + ".value", &v);
    }
    if (target.has_set_date() && !ValidDate(target.set_date())) {
      v.emplace_back(path + ".set_date", "must be a valid date (year, month and day)");
    }
  }
  if (input->province_breakdown_size() > kMaxProvincesPerRow) {
    v.emplace_back("province_breakdown",
                   absl::StrCat("at most ", kMaxProvincesPerRow, " provinces, got ",
                                input->province_breakdown_size()));
  }
  std::set<std::string> provinces;
  for (int i = 0; i < std::min(input->province_breakdown_size(), kMaxProvincesPerRow); ++i) {
    auto* p = input->mutable_province_breakdown(i);
    const std::string path = absl::StrCat("province_breakdown[", i, "]");
    CheckText(p->mutable_province(), path + ".province", 100, true, &v);
    if (!p->province().empty() && !provinces.insert(p->province()).second) {
      v.emplace_back(path + ".province",
                     absl::StrCat("\"", p->province(), "\" appears twice; no duplicates"));
    }
    if (!p->has_value()) {
      v.emplace_back(path + ".value", "is required");
    } else {
      CheckDecimal(p->value().value(), path + ".value", &v);
    }
  }
  CheckText(input->mutable_source(), "source", 500, false, &v);
  CheckText(input->mutable_note(), "note", 2000, false, &v);
  return v;
}

bool ApplyObservationInput(const ObservationInput& input, const Observation& current,
                           absl::Time now, const std::string& recorded_by, Observation* next) {
  *next = current;
  next->clear_revisions();
  if (input.has_actual()) {
    // Canonical form, so "3802.30" and "3802.3" are the same value.
    next->mutable_actual()->set_value(
        FormatDecimal(*ParseDecimal(input.actual().value(), "actual")));
    next->set_value_kind(input.value_kind() == Observation::VALUE_KIND_UNSPECIFIED
                             ? Observation::ACTUAL
                             : input.value_kind());
  }
  for (const Target& given : input.targets()) {
    Target target = given;
    target.mutable_value()->set_value(FormatDecimal(*ParseDecimal(given.value().value(), "")));
    auto* targets = next->mutable_targets();
    auto it = std::find_if(targets->begin(), targets->end(),
                           [&](const Target& t) { return t.type() == target.type(); });
    if (it != targets->end()) {
      *it = target;
    } else {
      *targets->Add() = target;
    }
  }
  std::sort(next->mutable_targets()->begin(), next->mutable_targets()->end(),
            [](const Target& a, const Target& b) { return a.type() < b.type(); });
  if (input.province_breakdown_size() > 0) {
    next->clear_province_breakdown();
    for (const auto& p : input.province_breakdown()) {
      auto* out = next->add_province_breakdown();
      out->set_province(p.province());
      out->mutable_value()->set_value(FormatDecimal(*ParseDecimal(p.value().value(), "")));
    }
  }
  if (!input.source().empty()) next->set_source(input.source());
  if (!input.note().empty()) next->set_note(input.note());

  const ObservationRevision before = ContentOf(current);
  if (google::protobuf::util::MessageDifferencer::Equals(before, ContentOf(*next))) {
    *next = current;
    return false;
  }
  *next->mutable_revisions() = current.revisions();
  if (current.has_record_time()) {  // there was a stored version: keep it
    ObservationRevision revision = before;
    *revision.mutable_record_time() = current.record_time();
    revision.set_recorded_by(current.recorded_by());
    *next->add_revisions() = std::move(revision);
  }
  *next->mutable_record_time() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(now));
  next->set_recorded_by(recorded_by);
  return true;
}

}  // namespace analytics
