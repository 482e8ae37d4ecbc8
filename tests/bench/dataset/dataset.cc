#include "tests/bench/dataset/dataset.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace bench::dataset {
namespace {

constexpr int64_t kNationalMembers = 5500000;
constexpr int64_t kNationalCells = 300000;
constexpr int64_t kNationalOrganizations = 55000;

// SplitMix64: a well-mixed 64-bit value of (seed, stream, k); every attribute draws from
// its own stream so that changing one does not shift the others.
uint64_t Mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
uint64_t Draw(const Shape& s, uint64_t stream, int64_t k) {
  return Mix(Mix(s.seed * 0x100000001B3ULL + stream) ^ static_cast<uint64_t>(k));
}
int Below(uint64_t h, int n) { return static_cast<int>(h % static_cast<uint64_t>(n)); }

template <typename T>
const T& Weighted(const std::vector<std::pair<T, int>>& choices, uint64_t h) {
  int total = 0;
  for (const auto& c : choices) total += c.second;
  int pick = Below(h, total);
  for (const auto& c : choices) {
    if (pick < c.second) return c.first;
    pick -= c.second;
  }
  return choices.back().first;
}

// Family names, per mille of the population (Nguyễn ~38 %, Trần ~11 %, Lê ~9.5 %…).
const std::vector<std::pair<std::string, int>>& Families() {
  static const auto* f = new std::vector<std::pair<std::string, int>>{
      {"Nguyễn", 380}, {"Trần", 110}, {"Lê", 95},    {"Phạm", 70}, {"Hoàng", 31},  {"Huỳnh", 20},
      {"Phan", 45},    {"Vũ", 21},    {"Võ", 18},    {"Đặng", 21}, {"Bùi", 20},    {"Đỗ", 14},
      {"Hồ", 13},      {"Ngô", 13},   {"Dương", 10}, {"Lý", 5},    {"Trương", 12}, {"Đinh", 8},
      {"Lâm", 6},      {"Mai", 6},    {"Trịnh", 6},  {"Đào", 6},   {"Cao", 5},     {"Lương", 5},
      {"Hà", 5},       {"Tạ", 4},     {"Châu", 4},   {"Thái", 4},  {"Quách", 3},   {"Lưu", 5},
      {"Kiều", 3},     {"Tô", 3},     {"Triệu", 3},  {"Chu", 3},   {"Âu", 2},      {"Mạc", 2},
      {"Khổng", 2},    {"La", 2},     {"Văn", 2},    {"Thân", 2}};
  return *f;
}

const std::vector<std::pair<std::string, int>>& MaleMiddle() {
  static const auto* m = new std::vector<std::pair<std::string, int>>{
      {"Văn", 36},  {"Hữu", 9},  {"Đức", 9},   {"Minh", 10}, {"Quốc", 7},
      {"Thanh", 7}, {"Công", 6}, {"Ngọc", 4},  {"Xuân", 4},  {"Đình", 5},
      {"Quang", 5}, {"Tấn", 3},  {"Trọng", 3}, {"Hoàng", 3}, {"Anh", 2}};
  return *m;
}

const std::vector<std::pair<std::string, int>>& FemaleMiddle() {
  static const auto* m = new std::vector<std::pair<std::string, int>>{
      {"Thị", 45},     {"Thị Ngọc", 8}, {"Thị Thu", 7}, {"Thị Thanh", 6}, {"Thị Kim", 5},
      {"Thị Minh", 3}, {"Ngọc", 9},     {"Thu", 5},     {"Kim", 5},       {"Thanh", 6},
      {"Minh", 4},     {"Mỹ", 4},       {"Bích", 3},    {"Hồng", 3},      {"Phương", 2}};
  return *m;
}

const std::vector<std::string>& MaleGiven() {
  static const auto* g = new std::vector<std::string>{
      "Hùng", "Dũng",  "Tuấn",  "Hải",   "Phúc",  "Thành", "Long",  "Nam",   "Sơn",  "Trung",
      "Khoa", "Tâm",   "Tài",   "Lộc",   "Hiếu",  "Nhân",  "Phong", "Quang", "Vinh", "Tùng",
      "Hưng", "Bình",  "Đạt",   "Khánh", "Cường", "Thắng", "Huy",   "Toàn",  "Lợi",  "Nghĩa",
      "Minh", "Quân",  "Hoàng", "Kiên",  "Thịnh", "Trí",   "Duy",   "Bảo",   "Đức",  "Việt",
      "Hiệp", "Thông", "Tú",    "An",    "Chiến", "Định",  "Giang", "Hòa",   "Lâm",  "Phát"};
  return *g;
}

const std::vector<std::string>& FemaleGiven() {
  static const auto* g = new std::vector<std::string>{
      "Lan", "Hương", "Mai",  "Hạnh",  "Thảo", "Trang", "Linh",  "Ngân",  "Nhung", "Phương",
      "Vân", "Yến",   "Hà",   "Thủy",  "Diễm", "Trinh", "Loan",  "Tuyết", "Hằng",  "Huyền",
      "Nga", "Oanh",  "Tiên", "Châu",  "Anh",  "Dung",  "Giang", "Hoa",   "Hiền",  "Liên",
      "Ly",  "My",    "Nhi",  "Quyên", "Thu",  "Thúy",  "Trâm",  "Uyên",  "Vy",    "Xuân"};
  return *g;
}

// The 63 province codes of Thông tư 07/2016/TT-BCA (the first digits of a CCCD).
const std::vector<const char*>& ProvinceCodes() {
  static const auto* p = new std::vector<const char*>{
      "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019", "020",
      "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036", "037", "038",
      "040", "042", "044", "045", "046", "048", "049", "051", "052", "054", "056", "058", "060",
      "062", "064", "066", "067", "068", "070", "072", "074", "075", "077", "079", "080", "082",
      "083", "084", "086", "087", "089", "091", "092", "093", "094", "095", "096"};
  return *p;
}

const std::vector<const char*>& Regions() {
  static const auto* r = new std::vector<const char*>{"Trung du và miền núi phía Bắc",
                                                      "Đồng bằng sông Hồng",
                                                      "Bắc Trung Bộ và duyên hải miền Trung",
                                                      "Tây Nguyên",
                                                      "Đông Nam Bộ",
                                                      "Đồng bằng sông Cửu Long"};
  return *r;
}

google::type::Date Date(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

dangbo::common::v1::DecisionRef Decision(std::string number, const google::type::Date& date,
                                         std::string body) {
  dangbo::common::v1::DecisionRef d;
  d.set_number(std::move(number));
  *d.mutable_date() = date;
  d.set_issuing_body(std::move(body));
  return d;
}

std::string Committee(int64_t o) { return absl::StrCat("Đảng ủy cơ sở số ", o); }

// Streams of Draw().
enum Stream : uint64_t {
  kGender = 1,
  kFamily,
  kMiddle,
  kGiven,
  kAdmissionYear,
  kAdmissionDay,
  kAge,
  kBirthDay,
  kProvince,
  kRecognized,
  kFate,
  kRatingLevel,
  kRevenue,
};

bool Male(const Shape& s, int64_t k) { return Below(Draw(s, kGender, k), 100) < 62; }

// Admission (decision) year 1980..2025, more recent years more likely.
int AdmissionYear(const Shape& s, int64_t k) {
  const uint64_t h = Draw(s, kAdmissionYear, k);
  const int a = Below(h, 46), b = Below(h >> 20, 46);
  return 1980 + std::max(a, b);
}

bool Recognized(const Shape& s, int64_t k) {
  // Probation ends 12 months after the ceremony; the cutoff keeps recognitions in the past.
  return AdmissionYear(s, k) <= 2024 && Below(Draw(s, kRecognized, k), 100) < 93;
}

}  // namespace

std::optional<Shape> Resolve(Shape s) {
  if (s.members < 1) return std::nullopt;
  if (s.cells == 0) s.cells = std::max<int64_t>(1, s.members * kNationalCells / kNationalMembers);
  if (s.organizations == 0) {
    s.organizations = std::max<int64_t>(1, s.members * kNationalOrganizations / kNationalMembers);
    s.organizations = std::min(s.organizations, s.cells);
  }
  if (s.organizations < 1 || s.cells < s.organizations || s.organizations > 99999 ||
      s.cells > 999999 || s.members > 9999999) {
    return std::nullopt;
  }
  return s;
}

int64_t PartOf(int64_t i, int64_t items, int64_t parts) { return (i - 1) * parts / items + 1; }

int64_t FirstOfPart(int64_t p, int64_t items, int64_t parts) {
  return ((p - 1) * items + parts - 1) / parts + 1;  // ceil((p-1)·items/parts) + 1
}

int64_t OrgOfCell(const Shape& s, int64_t cell) { return PartOf(cell, s.cells, s.organizations); }
int64_t OrgOfMember(const Shape& s, int64_t member) {
  return PartOf(member, s.members, s.organizations);
}

int64_t CellOfMember(const Shape& s, int64_t member) {
  const int64_t o = OrgOfMember(s, member);
  const int64_t first_cell = FirstOfPart(o, s.cells, s.organizations);
  const int64_t cells = FirstOfPart(o + 1, s.cells, s.organizations) - first_cell;
  return first_cell + (member - FirstOfPart(o, s.members, s.organizations)) % cells;
}

std::string OrganizationId(int64_t o) { return absl::StrFormat("o-%05d", o); }
std::string CellId(int64_t c) { return absl::StrFormat("c-%06d", c); }
std::string MemberId(int64_t k) { return absl::StrFormat("m-%07d", k); }
std::string OrganizationName(int64_t o) {
  return absl::StrCat("organizations/", OrganizationId(o));
}
std::string CellName(const Shape& s, int64_t c) {
  return absl::StrCat(OrganizationName(OrgOfCell(s, c)), "/cells/", CellId(c));
}
std::string MemberName(const Shape& s, int64_t k) {
  return absl::StrCat(OrganizationName(OrgOfMember(s, k)), "/members/", MemberId(k));
}

v1::CreateOrganizationRequest OrganizationRequest(const Shape& s, int64_t o) {
  v1::CreateOrganizationRequest r;
  r.set_organization_id(OrganizationId(o));
  r.set_request_id(absl::StrCat("bench-org-", s.seed, "-", o));
  v1::Organization* org = r.mutable_organization();
  org->set_code(absl::StrFormat("O%05d", o));
  org->set_display_name(absl::StrCat("Đảng bộ cơ sở số ", o));
  org->set_region(Regions()[static_cast<size_t>(o) % Regions().size()]);
  *org->mutable_valid_from() = Date(1975, 5, 1);
  return r;
}

v1::CreateCellRequest CellRequest(const Shape& s, int64_t c) {
  v1::CreateCellRequest r;
  r.set_parent(OrganizationName(OrgOfCell(s, c)));
  r.set_cell_id(CellId(c));
  r.set_request_id(absl::StrCat("bench-cell-", s.seed, "-", c));
  r.mutable_cell()->set_display_name(absl::StrCat("Chi bộ số ", c));
  *r.mutable_cell()->mutable_established_date() = Date(1976, 1, 1 + static_cast<int>(c % 28));
  return r;
}

std::string FamilyName(const Shape& s, int64_t k) {
  return Weighted(Families(), Draw(s, kFamily, k));
}

v1::ImportMemberRow MemberRow(const Shape& s, int64_t k) {
  const int64_t o = OrgOfMember(s, k);
  const bool male = Male(s, k);
  v1::ImportMemberRow row;
  row.set_row(static_cast<int>(k - FirstOfPart(o, s.members, s.organizations) + 1));
  row.set_member_id(MemberId(k));
  row.set_cell(CellName(s, CellOfMember(s, k)));
  v1::Member* m = row.mutable_member();
  const std::vector<std::string>& given = male ? MaleGiven() : FemaleGiven();
  m->set_full_name(absl::StrCat(
      FamilyName(s, k), " ", Weighted(male ? MaleMiddle() : FemaleMiddle(), Draw(s, kMiddle, k)),
      " ", given[Below(Draw(s, kGiven, k), static_cast<int>(given.size()))]));
  m->set_gender(male ? v1::Member::MALE : v1::Member::FEMALE);
  const int year = AdmissionYear(s, k);
  const uint64_t day = Draw(s, kAdmissionDay, k);
  const int month = 1 + Below(day, 12);
  const int decided_day = 1 + Below(day >> 8, 14);
  const int age = 19 + Below(Draw(s, kAge, k), 27);  // 19..45 at admission: always >= 18
  const int birth_year = year - age;
  const uint64_t birth = Draw(s, kBirthDay, k);
  *m->mutable_birth_date() = Date(birth_year, 1 + Below(birth, 12), 1 + Below(birth >> 8, 28));
  // CCCD: province (3) + century/sex (1) + year (2) + 6 digits. The 6 digits are the member
  // number modulo 10^6 and the province group carries the millions, so ids never collide.
  const int64_t millions = (k - 1) / 1000000;
  const int groups = 1 + static_cast<int>((s.members - 1) / 1000000);
  const int per_group = static_cast<int>(ProvinceCodes().size()) / groups;
  const int province =
      static_cast<int>(millions) + groups * Below(Draw(s, kProvince, k), per_group);
  const int sex_digit = (birth_year >= 2000 ? 2 : 0) + (male ? 0 : 1);
  m->set_national_id(absl::StrFormat("%s%d%02d%06d", ProvinceCodes()[province], sex_digit,
                                     birth_year % 100, (k - 1) % 1000000));
  m->set_ethnicity("Kinh");
  const google::type::Date decided = Date(year, month, decided_day);
  const google::type::Date ceremony = Date(year, month, decided_day + 5 + Below(day >> 16, 10));
  *row.mutable_admission_decision() =
      Decision(absl::StrCat(k % 997 + 1, "-QĐ/ĐU"), decided, Committee(o));
  *row.mutable_party_entry_date() = ceremony;
  if (Recognized(s, k)) {
    m->set_party_card_number(absl::StrFormat("%08d", 10000000 + k));
    *row.mutable_recognition_decision() =
        Decision(absl::StrCat(k % 991 + 1, "-QĐ/ĐU"), Date(year + 1, month, 28), Committee(o));
  }
  return row;
}

Fate FateOf(const Shape& s, int64_t k) {
  if (!Recognized(s, k)) return Fate::kNone;
  const int p = Below(Draw(s, kFate, k), 1000);
  if (p < 30) return AdmissionYear(s, k) <= 2022 ? Fate::kRated : Fate::kNone;
  if (p < 35) return Fate::kTransferred;
  if (p < 38) return Fate::kRemoved;
  return Fate::kNone;
}

v1::RateMemberRequest RatingRequest(const Shape& s, int64_t k) {
  static const std::vector<std::pair<v1::YearlyRating::Level, int>> kLevels = {
      {v1::YearlyRating::EXCELLENT, 15},
      {v1::YearlyRating::GOOD, 70},
      {v1::YearlyRating::COMPLETED, 13},
      {v1::YearlyRating::NOT_COMPLETED, 2}};
  v1::RateMemberRequest r;
  r.set_name(MemberName(s, k));
  r.set_request_id(absl::StrCat("bench-rate-", s.seed, "-", k));
  v1::YearlyRating* rating = r.mutable_rating();
  rating->set_year(2024);
  rating->set_level(Weighted(kLevels, Draw(s, kRatingLevel, k)));
  rating->set_rule_version("124-QĐ/TW");
  rating->set_decided_by(Committee(OrgOfMember(s, k)));
  *rating->mutable_decision_date() = Date(2024, 12, 22);
  return r;
}

std::optional<v1::TransferMemberRequest> TransferRequest(const Shape& s, int64_t k) {
  const int64_t o = OrgOfMember(s, k);
  const int64_t first_cell = FirstOfPart(o, s.cells, s.organizations);
  const int64_t cells = FirstOfPart(o + 1, s.cells, s.organizations) - first_cell;
  if (cells < 2) return std::nullopt;
  const int64_t cell = CellOfMember(s, k);
  v1::TransferMemberRequest r;
  r.set_name(MemberName(s, k));
  r.set_request_id(absl::StrCat("bench-transfer-", s.seed, "-", k));
  r.set_kind(v1::TransferMemberRequest::OFFICIAL_TO_CELL);
  r.set_target_cell(CellName(s, first_cell + (cell - first_cell + 1) % cells));
  *r.mutable_decision() =
      Decision(absl::StrCat(k % 89 + 1, "-QĐ/ĐU"), Date(2025, 2, 20), Committee(o));
  *r.mutable_effective_date() = Date(2025, 3, 1);
  r.set_reason("Điều động công tác");
  return r;
}

v1::RemoveMemberRequest RemovalRequest(const Shape& s, int64_t k) {
  v1::RemoveMemberRequest r;
  r.set_name(MemberName(s, k));
  r.set_request_id(absl::StrCat("bench-remove-", s.seed, "-", k));
  *r.mutable_decision() =
      Decision(absl::StrCat(k % 83 + 1, "-QĐ/ĐU"), Date(2025, 6, 1), Committee(OrgOfMember(s, k)));
  *r.mutable_effective_date() = Date(2025, 6, 1);
  r.set_ground(v1::LifecycleEvent::DUES_ARREARS);
  return r;
}

std::optional<v1::CreateInspectionPlanRequest> InspectionPlanRequest(const Shape& s, int64_t o) {
  const int64_t first = FirstOfPart(o, s.members, s.organizations);
  const int64_t end = FirstOfPart(o + 1, s.members, s.organizations);
  int64_t lead = 0;
  for (int64_t k = first; k < end && lead == 0; ++k) {
    if (Recognized(s, k) && FateOf(s, k) == Fate::kNone) lead = k;
  }
  if (lead == 0) return std::nullopt;
  const std::string commission = absl::StrCat("Ủy ban Kiểm tra Đảng ủy cơ sở số ", o);
  v1::CreateInspectionPlanRequest r;
  r.set_parent(OrganizationName(o));
  r.set_inspection_plan_id("kh-2025");
  r.set_request_id(absl::StrCat("bench-plan-", s.seed, "-", o));
  v1::InspectionPlan* plan = r.mutable_inspection_plan();
  plan->set_year(2025);
  plan->set_issuing_body(commission);
  *plan->mutable_decision() = Decision("1-KH/UBKT", Date(2025, 1, 10), commission);
  plan->set_kind(v1::InspectionPlan::COMPLIANCE_INSPECTION);
  plan->set_title("Kế hoạch kiểm tra, giám sát năm 2025");
  v1::InspectionItem* item = plan->add_items();
  item->set_item_id("item-1");
  item->set_target(CellName(s, FirstOfPart(o, s.cells, s.organizations)));
  item->set_content("Kiểm tra việc chấp hành Điều lệ Đảng, nghị quyết của Đảng ủy");
  *item->mutable_window_start() = Date(2025, 3, 1);
  *item->mutable_window_end() = Date(2025, 4, 28);
  item->set_lead(MemberName(s, lead));
  return r;
}

dangbo::analytics::v1::CreateIndicatorRequest IndicatorRequest(int64_t o) {
  dangbo::analytics::v1::CreateIndicatorRequest r;
  r.set_parent(OrganizationName(o));
  r.set_indicator_id(kIndicatorId);
  r.set_request_id(absl::StrCat("bench-indicator-", o));
  dangbo::analytics::v1::Indicator* i = r.mutable_indicator();
  i->set_display_name("Thu ngân sách nhà nước");
  i->set_unit("billion_vnd");
  i->set_unit_display("tỷ đồng");
  i->set_kind(dangbo::analytics::v1::Indicator::FLOW);
  i->set_direction(dangbo::analytics::v1::Indicator::HIGHER_IS_BETTER);
  return r;
}

dangbo::analytics::v1::RecordObservationsRequest ObservationsRequest(const Shape& s, int64_t o) {
  dangbo::analytics::v1::RecordObservationsRequest r;
  r.set_parent(OrganizationName(o));
  r.set_request_id(absl::StrCat("bench-observations-", s.seed, "-", o));
  const std::string indicator = absl::StrCat(OrganizationName(o), "/indicators/", kIndicatorId);
  int64_t base = 100 + static_cast<int64_t>(Draw(s, kRevenue, o) % 5000);  // tỷ đồng
  for (int year = 2015; year <= 2025; ++year) {
    const int64_t target = base;
    const int64_t actual =
        base * (90 + static_cast<int64_t>(Draw(s, kRevenue + year, o) % 25)) / 100;
    dangbo::analytics::v1::ObservationInput* obs = r.add_observations();
    obs->set_indicator(indicator);
    obs->set_year(year);
    obs->mutable_actual()->set_value(absl::StrCat(actual));
    obs->set_value_kind(dangbo::analytics::v1::Observation::ACTUAL);
    dangbo::analytics::v1::Target* t = obs->add_targets();
    t->set_type(dangbo::analytics::v1::Target::LEGAL);
    t->mutable_value()->set_value(absl::StrCat(target));
    obs->set_source("bench_dataset (synthetic)");
    base = base * 108 / 100;
  }
  return r;
}

}  // namespace bench::dataset
