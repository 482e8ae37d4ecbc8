#include "services/records/service/member_query.h"

#include <algorithm>
#include <optional>
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
#include "services/records/storage/resource_store.h"

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

// The member's place in an in-memory ordered list; `exact_first`: whether members whose
// name matches the query with its diacritics come first (the default order of a name search).
std::string MemberSortKey(const MemberQuery& q, const v1::Member& m,
                          std::optional<bool> exact_first) {
  SortKey key;
  if (q.order_field == "admission_date") {
    const auto& d = m.admission_date();
    key.Date(d.year(), d.month(), d.day());
  } else if (q.order_field == "party_card_number") {
    key.Text(m.party_card_number());
  } else {
    if (exact_first.has_value()) key.Flag(!*exact_first);
    key.Text(common::NameCollationKey(m.full_name()));
  }
  return std::move(key.Text(LastSegment(m.name()))).Take();
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

// Members read with one lookup: index entries of a range scan (at least; more when the page
// needs more) and candidates of a name / card query (at most).
constexpr int kMinReadBatch = 16;
constexpr size_t kCandidateBatch = 256;

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
  std::unique_ptr<ReadSnapshot> snapshot = TakeSnapshot(db);
  const ReadSnapshot* snap = snapshot.get();
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
    const auto add = [&ids](absl::string_view id) { ids.emplace(id); };
    if (national_id != nullptr) {
      ASSIGN_OR_RETURN(std::optional<std::string> holder,
                       FindNationalIdHolder(db, national_id->value.text, snap));
      if (holder.has_value() && OrganizationIdOf(*holder) == org) ids.insert(LastSegment(*holder));
    } else if (card != nullptr) {
      RETURN_IF_ERROR(ScanMemberIdsByCard(db, org, card->value.text, snap, add, stop));
    } else {
      std::string longest;
      for (const std::string& w : folded_query) {
        if (w.size() > longest.size()) longest = w;
      }
      RETURN_IF_ERROR(ScanMemberIdsByNameWord(db, org, longest, snap, add, stop));
    }
    std::vector<std::string> exact_query;
    if (name_query != nullptr) exact_query = ExactWords(name_query->value.text);
    PageCollector<v1::Member> pages(after_key, q.desc, page_size > 0 ? page_size : INT32_MAX);
    std::vector<std::string> batch;
    const auto read_batch = [&]() -> absl::Status {
      ASSIGN_OR_RETURN(std::vector<std::optional<v1::Member>> members,
                       ReadMembers(db, org, batch, snap));
      batch.clear();
      for (std::optional<v1::Member>& m : members) {
        if (!m.has_value() || !Matches(*m, q.terms, folded_query)) continue;
        std::optional<bool> exact_first;
        if (name_query != nullptr && q.order_field.empty()) {
          exact_first = WordsPrefixMatch(exact_query, ExactWords(m->full_name()));
        }
        std::string key = MemberSortKey(q, *m, exact_first);
        if (pages.Count(key)) pages.Keep(std::move(key), *std::move(m));
      }
      return absl::OkStatus();
    };
    for (const std::string& id : ids) {
      RETURN_IF_ERROR(stop->Tick());
      batch.push_back(id);
      if (batch.size() >= kCandidateBatch) RETURN_IF_ERROR(read_batch());
    }
    RETURN_IF_ERROR(read_batch());
    page.total = static_cast<int>(std::min<size_t>(pages.matched(), kExactTotalLimit));
    Page<v1::Member> p = std::move(pages).Take();
    page.members = std::move(p.items);
    page.next_key = std::move(p.next_key);
    return page;
  }

  // A range scan of one index, in its order.
  MemberIndexRange range;
  range.organization_id = org;
  const common::FilterTerm* cell = FindTerm(q.terms, "cell");
  const common::FilterTerm* state = FindTerm(q.terms, "state");
  if (q.order_field == "admission_date") {
    range.order = MemberIndexRange::Order::kAdmission;
  } else if (q.order_field == "party_card_number") {
    range.order = MemberIndexRange::Order::kCard;
  } else if (cell != nullptr) {
    if (OrganizationIdOf(cell->value.text) != org) return page;  // another organization's cell
    range.order = MemberIndexRange::Order::kCell;
    range.cell_id = LastSegment(cell->value.text);
  } else if (state != nullptr) {
    range.order = MemberIndexRange::Order::kState;
    v1::Member::State_Parse(state->value.text, &range.state);
  }
  const bool by_cell = cell != nullptr && q.order_field.empty();
  const bool by_state = !by_cell && state != nullptr && q.order_field.empty();
  // When the index alone decides membership in the list, counting needs no member reads.
  bool covered = true;
  for (const common::FilterTerm& t : q.terms) {
    covered &= (by_cell && t.field == "cell") || (by_state && t.field == "state");
  }
  if (!after_key.empty() && !InMemberIndexRange(range, after_key)) {
    return common::InvalidField("page_token", "does not belong to this filter and order");
  }
  // The page: from just after `after_key` (a seek, whatever the page's depth), at most
  // page_size matches and at most kScanBudget index entries examined. Index entries are taken
  // a batch at a time and the batch's members read with one lookup: as many as the page still
  // needs (at least kMinReadBatch), so a list the index decides is one batch.
  int examined = 0;
  int matched = 0;
  std::string last_key;
  bool more = false;
  std::string from = after_key;
  std::vector<std::string> cursors;
  std::vector<std::string> ids;
  while (true) {
    const int want = std::min(std::max(page_size - matched, kMinReadBatch), kScanBudget - examined);
    bool index_more = false;
    bool page_ended = false;
    cursors.clear();
    ids.clear();
    RETURN_IF_ERROR(ScanMemberIndex(
        db, range, from, q.desc, snap,
        [&](absl::string_view cursor, absl::string_view id) -> absl::StatusOr<bool> {
          if (static_cast<int>(ids.size()) >= want) {
            index_more = true;
            return false;
          }
          RETURN_IF_ERROR(stop->Tick());
          cursors.emplace_back(cursor);
          ids.emplace_back(id);
          return true;
        }));
    ASSIGN_OR_RETURN(std::vector<std::optional<v1::Member>> members,
                     ReadMembers(db, org, ids, snap));
    for (size_t i = 0; i < members.size(); ++i) {
      if (full()) {
        more = true;  // entries follow the full page
        page_ended = true;
        break;
      }
      ++examined;
      last_key = std::move(cursors[i]);
      std::optional<v1::Member>& m = members[i];
      if (!m.has_value() || !Matches(*m, q.terms, folded_query)) continue;
      ++matched;
      page.members.push_back(*std::move(m));
    }
    if (page_ended || !index_more) break;
    if (full() || examined >= kScanBudget) {
      more = true;  // a short page when the budget ran out: the client continues from here
      break;
    }
    from = last_key;
  }
  page.next_key = more ? last_key : std::string();
  // total_size: the list's index entries, counted from the start of the range up to
  // kExactTotalLimit without reading members. Exact when the index alone decides membership
  // (covered) and there are at most kExactTotalLimit; with other filters, exact when this
  // page saw the whole range, otherwise estimated from the match ratio of this page.
  if (after_key.empty() && !more) {
    page.total = matched;
    return page;
  }
  ASSIGN_OR_RETURN(const int entries, CountMemberIndex(db, range, kExactTotalLimit, snap, stop));
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
