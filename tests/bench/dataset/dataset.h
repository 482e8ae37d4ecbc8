// File: tests/bench/dataset/dataset.h
//
// The synthetic national-scale dataset of the benchmarks: N members in C cells under O
// organizations, every attribute a pure function of (seed, number), so that any member's
// name, cell and row can be computed without generating the others (the harness picks random
// targets this way). README.md documents the naming and the formulas.
//
//   organization o (1..O)   organizations/o-00001
//   cell c (1..C)           organizations/o-…/cells/c-000001, in organization OrgOfCell(c)
//   member k (1..N)         organizations/o-…/members/m-0000001, in OrgOfMember(k),
//                           cell CellOfMember(k)
//
// Thread-safety: pure functions and immutable values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dangbo/analytics/v1/analytics_service.pb.h"
#include "dangbo/records/v1/records_service.pb.h"

namespace bench::dataset {

namespace v1 = ::dangbo::records::v1;

struct Shape {
  int64_t members = 0;
  int64_t cells = 0;          // 0: proportional (300,000 for 5,500,000 members)
  int64_t organizations = 0;  // 0: proportional (55,000 for 5,500,000 members)
  uint64_t seed = 1;
};

// Fills in the proportional defaults; INVALID (nullopt) when members < 1 or the numbers do
// not nest (1 <= organizations <= cells).
std::optional<Shape> Resolve(Shape shape);

// Block partition: item i (1..items) of `items` spread over `parts` contiguous blocks.
int64_t PartOf(int64_t i, int64_t items, int64_t parts);
// The first item of part p (1..parts).
int64_t FirstOfPart(int64_t p, int64_t items, int64_t parts);

int64_t OrgOfCell(const Shape& s, int64_t cell);
int64_t OrgOfMember(const Shape& s, int64_t member);
// Members of an organization go round-robin over its cells.
int64_t CellOfMember(const Shape& s, int64_t member);

std::string OrganizationId(int64_t o);  // "o-00001"
std::string CellId(int64_t c);          // "c-000001"
std::string MemberId(int64_t k);        // "m-0000001"
std::string OrganizationName(int64_t o);
std::string CellName(const Shape& s, int64_t c);
std::string MemberName(const Shape& s, int64_t k);

v1::CreateOrganizationRequest OrganizationRequest(const Shape& s, int64_t o);
v1::CreateCellRequest CellRequest(const Shape& s, int64_t c);

// The import row of member k (row number = k - first member of its organization + 1).
v1::ImportMemberRow MemberRow(const Shape& s, int64_t k);

// The lifecycle after the import, decided per member (disjoint subsets, deterministic):
// a 2024 rating (~3 % of full members), a transfer to another cell of the organization
// (~0.5 %), a removal for dues arrears (~0.3 %).
enum class Fate { kNone, kRated, kTransferred, kRemoved };
Fate FateOf(const Shape& s, int64_t k);
v1::RateMemberRequest RatingRequest(const Shape& s, int64_t k);
// nullopt when the organization has a single cell.
std::optional<v1::TransferMemberRequest> TransferRequest(const Shape& s, int64_t k);
v1::RemoveMemberRequest RemovalRequest(const Shape& s, int64_t k);

// The organization's 2025 inspection plan: one item on its first cell, led by its first
// full member; nullopt when it has no full member.
std::optional<v1::CreateInspectionPlanRequest> InspectionPlanRequest(const Shape& s, int64_t o);

// Yearly indicators (analytics): one indicator per organization and its 2015–2025
// observations with a legal target.
inline constexpr char kIndicatorId[] = "state-budget-revenue";
dangbo::analytics::v1::CreateIndicatorRequest IndicatorRequest(int64_t o);
dangbo::analytics::v1::RecordObservationsRequest ObservationsRequest(const Shape& s, int64_t o);

// The family name of member k (for frequency checks).
std::string FamilyName(const Shape& s, int64_t k);

}  // namespace bench::dataset
