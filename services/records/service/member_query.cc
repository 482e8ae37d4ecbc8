#include "services/records/service/member_query.h"

#include <algorithm>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/status_macros.h"
#include "common/vi_text.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/validation.h"
#include "services/records/service/resource_reads.h"
#include "services/records/storage/indexes.h"
#include "services/records/storage/keys.h"

namespace records {
namespace {

const common::FilterTerm* FindTerm(const std::vector<common::FilterTerm>& terms,
                                   absl::string_view field) {
  for (const auto& t : terms) {
    if (t.field == field) return &t;
  }
  return nullptr;
}

std::vector<std::string> Words(absl::string_view text) {
  return absl::StrSplit(text, ' ', absl::SkipEmpty());
}

// Every query word is a prefix of some word of `name` (both already in the same form).
bool WordsPrefixMatch(const std::vector<std::string>& query, const std::vector<std::string>& name) {
  for (const std::string& q : query) {
    bool found = false;
    for (const std::string& w : name) {
      if (w.compare(0, q.size(), q) == 0) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

// Case-insensitive, diacritic-sensitive form (NFC, Vietnamese upper case).
std::vector<std::string> ExactWords(absl::string_view text) {
  absl::StatusOr<std::string> nfc = common::ToNfc(text);
  return Words(common::ToUpperVi(nfc.ok() ? *nfc : std::string(text)));
}

std::string SortKey(const MemberQuery& q, const v1::Member& m, bool exact_first) {
  std::string key;
  const std::string id = LastSegment(m.name());
  if (q.order_field == "admission_date") {
    const auto& d = m.admission_date();
    keys::AppendUint32(&key, keys::DateNumber(d.year(), d.month(), d.day()));
  } else if (q.order_field == "party_card_number") {
    keys::AppendString(&key, m.party_card_number());
  } else {
    if (exact_first) keys::AppendByte(&key, 0);  // placeholder, replaced by caller
    keys::AppendString(&key, common::NameCollationKey(m.full_name()));
  }
  keys::AppendString(&key, id);
  return key;
}

absl::Status ReadMember(const RecordsDb& db, const std::string& org, const std::string& id,
                        const rocksdb::Snapshot* snapshot, v1::Member* out, bool* found) {
  absl::StatusOr<Versioned<v1::Member>> m = LoadMember(db, org, id, snapshot);
  if (absl::IsNotFound(m.status())) {
    *found = false;
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(m.status());
  *found = true;
  *out = std::move(m->value);
  return absl::OkStatus();
}

}  // namespace

namespace {

// MemberMatches with the name query's folded words computed once per scan, not per member.
bool Matches(const v1::Member& m, const std::vector<common::FilterTerm>& terms,
             const std::vector<std::string>& folded_query) {
  for (const common::FilterTerm& t : terms) {
    if (t.field == "cell" && m.cell() != t.value.text) return false;
    if (t.field == "state" && v1::Member::State_Name(m.state()) != t.value.text) return false;
    if (t.field == "active") {
      const bool want = t.value.text == "true";
      if (domain::IsOnActiveLists(m.state()) != want) return false;
    }
    if (t.field == "admission_year" && m.admission_date().year() != t.value.integer) return false;
    if (t.field == "national_id" && m.national_id() != t.value.text) return false;
    if (t.field == "party_card_number" && m.party_card_number() != t.value.text) return false;
    if (t.field == "name_query" &&
        !WordsPrefixMatch(folded_query, Words(common::FoldForSearch(m.full_name())))) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> FoldedNameQuery(const std::vector<common::FilterTerm>& terms) {
  const common::FilterTerm* name_query = FindTerm(terms, "name_query");
  if (name_query == nullptr) return {};
  return Words(common::FoldForSearch(name_query->value.text));
}

}  // namespace

bool MemberMatches(const v1::Member& m, const std::vector<common::FilterTerm>& terms) {
  return Matches(m, terms, FoldedNameQuery(terms));
}

absl::StatusOr<MemberQuery> ParseMemberQuery(absl::string_view organization_id,
                                             absl::string_view filter, absl::string_view order_by) {
  MemberQuery q;
  q.organization = std::string(organization_id);
  ASSIGN_OR_RETURN(q.terms, common::ParseFilter(filter));
  RETURN_IF_ERROR(common::CheckFilter(q.terms, domain::MemberFilterSpec()));
  ASSIGN_OR_RETURN(std::vector<common::OrderField> order,
                   common::ParseOrderBy(order_by, domain::MemberOrderFields()));
  if (!order.empty()) {
    q.order_field = order[0].field;
    q.desc = order[0].desc;
  }
  return q;
}

absl::StatusOr<MemberPage> ScanMembers(const RecordsDb& db, const MemberQuery& q,
                                       const std::string& after_key, int page_size,
                                       common::Cancellation* stop) {
  std::unique_ptr<common::Store::Snapshot> snapshot = db.store()->GetSnapshot();
  const rocksdb::Snapshot* snap = snapshot->get();
  const std::string& org = q.organization;
  MemberPage page;
  const auto full = [&]() {
    return page_size > 0 && static_cast<int>(page.members.size()) >= page_size;
  };

  const common::FilterTerm* name_query = FindTerm(q.terms, "name_query");
  const common::FilterTerm* national_id = FindTerm(q.terms, "national_id");
  const common::FilterTerm* card = FindTerm(q.terms, "party_card_number");
  const std::vector<std::string> folded_query = FoldedNameQuery(q.terms);

  if (name_query != nullptr || national_id != nullptr || card != nullptr) {
    // Candidates from an exact or word index, ordered in memory.
    std::set<std::string> ids;
    std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kIndex), snap);
    std::string prefix;
    if (national_id != nullptr) {
      absl::StatusOr<std::string> holder = db.store()->Get(
          db.cf(keys::kIndex),
          keys::UniqueKey(keys::Index::kUniqueNationalId, national_id->value.text), snap);
      if (!holder.ok() && !absl::IsNotFound(holder.status())) return holder.status();
      if (holder.ok() && OrganizationIdOf(*holder) == org) ids.insert(LastSegment(*holder));
    } else {
      if (card != nullptr) {
        prefix = keys::IndexPrefix(keys::Index::kMemberByCard, org);
        keys::AppendString(&prefix, card->value.text);
      } else {
        std::string longest;
        for (const std::string& w : folded_query) {
          if (w.size() > longest.size()) longest = w;
        }
        prefix = keys::MemberNameWordPrefix(org, longest);
      }
      for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
        RETURN_IF_ERROR(stop->Tick());
        ids.insert(it->value().ToString());
      }
      RETURN_IF_ERROR(common::FromRocksDb(it->status(), "scan a member index"));
    }
    std::vector<std::string> exact_query;
    if (name_query != nullptr) exact_query = ExactWords(name_query->value.text);
    PageCollector<v1::Member> pages(after_key, q.desc, page_size > 0 ? page_size : INT32_MAX);
    for (const std::string& id : ids) {
      RETURN_IF_ERROR(stop->Tick());
      v1::Member m;
      bool found = false;
      RETURN_IF_ERROR(ReadMember(db, org, id, snap, &m, &found));
      if (!found || !Matches(m, q.terms, folded_query)) continue;
      std::string key = SortKey(q, m, name_query != nullptr && q.order_field.empty());
      if (name_query != nullptr && q.order_field.empty()) {
        key[0] = WordsPrefixMatch(exact_query, ExactWords(m.full_name())) ? '\0' : '\1';
      }
      if (pages.Count(key)) pages.Keep(std::move(key), std::move(m));
    }
    page.total = static_cast<int>(std::min<size_t>(pages.matched(), kExactTotalLimit));
    Page<v1::Member> p = std::move(pages).Take();
    page.members = std::move(p.items);
    page.next_key = std::move(p.next_key);
    return page;
  }

  // A range scan of one index, in its order.
  std::string prefix;
  const common::FilterTerm* cell = FindTerm(q.terms, "cell");
  const common::FilterTerm* state = FindTerm(q.terms, "state");
  if (q.order_field == "admission_date") {
    prefix = keys::IndexPrefix(keys::Index::kMemberByAdmission, org);
  } else if (q.order_field == "party_card_number") {
    prefix = keys::IndexPrefix(keys::Index::kMemberByCard, org);
  } else if (cell != nullptr) {
    prefix = keys::MemberByCellPrefix(org, LastSegment(cell->value.text));
    if (OrganizationIdOf(cell->value.text) != org) return page;  // another organization's cell
  } else if (state != nullptr) {
    v1::Member::State s = v1::Member::STATE_UNSPECIFIED;
    v1::Member::State_Parse(state->value.text, &s);
    prefix = keys::MemberByStatePrefix(org, static_cast<uint8_t>(s));
  } else {
    prefix = keys::IndexPrefix(keys::Index::kMemberByName, org);
  }
  const bool by_cell = cell != nullptr && q.order_field.empty();
  const bool by_state = !by_cell && state != nullptr && q.order_field.empty();
  // When the index alone decides membership in the list, counting needs no member reads.
  bool covered = true;
  for (const common::FilterTerm& t : q.terms) {
    covered &= (by_cell && t.field == "cell") || (by_state && t.field == "state");
  }
  if (!after_key.empty() && !absl::StartsWith(after_key, prefix)) {
    return common::InvalidField("page_token", "does not belong to this filter and order");
  }
  std::unique_ptr<rocksdb::Iterator> it = db.store()->NewIterator(db.cf(keys::kIndex), snap);
  const std::string end = keys::PrefixSuccessor(prefix);
  // The page: from just after `after_key` (a seek, whatever the page's depth), at most
  // page_size matches and at most kScanBudget index entries examined.
  const std::string& from = after_key.empty() ? (q.desc ? end : prefix) : after_key;
  if (q.desc) {
    if (from.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(from);
    }
    if (it->Valid() && (after_key.empty() ? it->key().compare(from) >= 0 && !from.empty()
                                          : it->key() == after_key)) {
      it->Prev();
    }
  } else {
    it->Seek(from);
    if (!after_key.empty() && it->Valid() && it->key() == after_key) it->Next();
  }
  int examined = 0;
  int matched = 0;
  std::string last_key;
  bool more = false;
  for (; it->Valid() && it->key().starts_with(prefix); q.desc ? it->Prev() : it->Next()) {
    if (full() || examined >= kScanBudget) {
      more = true;  // a short page when the budget ran out: the client continues from here
      break;
    }
    RETURN_IF_ERROR(stop->Tick());
    ++examined;
    last_key = it->key().ToString();
    std::string id = it->value().ToString();
    if (by_cell && !id.empty()) id = id.substr(1);  // state byte first
    v1::Member m;
    bool found = false;
    RETURN_IF_ERROR(ReadMember(db, org, id, snap, &m, &found));
    if (!found || !Matches(m, q.terms, folded_query)) continue;
    ++matched;
    page.members.push_back(std::move(m));
  }
  if (!it->status().ok()) return common::FromRocksDb(it->status(), "scan members");
  page.next_key = more ? last_key : std::string();
  // total_size: the list's index entries, counted from the start of the range up to
  // kExactTotalLimit without reading members. Exact when the index alone decides membership
  // (covered) and there are at most kExactTotalLimit; with other filters, exact when this
  // page saw the whole range, otherwise estimated from the match ratio of this page.
  if (after_key.empty() && !more) {
    page.total = matched;
    return page;
  }
  int entries = 0;
  std::unique_ptr<rocksdb::Iterator> counter = db.store()->NewIterator(db.cf(keys::kIndex), snap);
  for (counter->Seek(prefix);
       counter->Valid() && counter->key().starts_with(prefix) && entries < kExactTotalLimit;
       counter->Next()) {
    RETURN_IF_ERROR(stop->Tick());
    ++entries;
  }
  if (!counter->status().ok()) return common::FromRocksDb(counter->status(), "count members");
  if (covered || examined == 0) {
    page.total = entries;
  } else {
    page.total =
        std::max(matched, static_cast<int>(static_cast<int64_t>(entries) * matched / examined));
  }
  return page;
}

absl::Status CheckQueryPermitted(const MemberQuery& query, const CallContext& ctx) {
  if (ctx.pii_read || FindTerm(query.terms, "national_id") == nullptr) return absl::OkStatus();
  return common::WithReason(absl::PermissionDeniedError(absl::StrCat(
                                "filtering on national_id needs the \"", common::kPiiRead,
                                "\" permission, which ", ctx.principal, " does not have")),
                            "PERMISSION_DENIED",
                            {{"permission", common::kPiiRead}, {"method", ctx.method}});
}

}  // namespace records
