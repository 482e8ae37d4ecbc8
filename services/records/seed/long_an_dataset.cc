#include "services/records/seed/long_an_dataset.h"

#include <cstdint>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace records::seed {
namespace {

constexpr char kCommittee[] = "Đảng ủy Cục Hải quan Long An";
constexpr char kInspectionCommission[] = "Ủy ban Kiểm tra Đảng ủy Cục Hải quan Long An";

// A fixed linear congruential sequence: the dataset never changes.
class Sequence {
 public:
  uint32_t Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(state_ >> 33);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint32_t>(n)); }
  template <typename T>
  const T& Weighted(const std::vector<std::pair<T, int>>& choices) {
    int total = 0;
    for (const auto& c : choices) total += c.second;
    int pick = Below(total);
    for (const auto& c : choices) {
      if (pick < c.second) return c.first;
      pick -= c.second;
    }
    return choices.back().first;
  }

 private:
  uint64_t state_ = 20151015;
};

google::type::Date Date(int y, int m, int d) {
  google::type::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

dangbo::common::v1::DecisionRef Decision(std::string number, const google::type::Date& date,
                                         const char* body = kCommittee) {
  dangbo::common::v1::DecisionRef d;
  d.set_number(std::move(number));
  *d.mutable_date() = date;
  d.set_issuing_body(body);
  return d;
}

struct CellSpec {
  const char* id;
  const char* name;
  int size;
};

const std::vector<CellSpec>& Cells() {
  static const auto* cells = new std::vector<CellSpec>{
      {"van-phong", "Chi bộ Văn phòng", 14},
      {"to-chuc-can-bo", "Chi bộ Phòng Tổ chức cán bộ", 9},
      {"nghiep-vu", "Chi bộ Phòng Nghiệp vụ", 12},
      {"kiem-tra-sau-thong-quan", "Chi bộ Chi cục Kiểm tra sau thông quan", 8},
      {"doi-kiem-soat", "Chi bộ Đội Kiểm soát Hải quan", 13},
      {"ben-luc", "Chi bộ Chi cục Hải quan Bến Lức", 10},
      {"duc-hoa", "Chi bộ Chi cục Hải quan Đức Hòa", 9},
      {"my-tho", "Chi bộ Chi cục Hải quan Mỹ Tho", 11},
      {"ben-tre", "Chi bộ Chi cục Hải quan Bến Tre", 8},
      {"binh-hiep", "Chi bộ Chi cục Hải quan cửa khẩu quốc tế Bình Hiệp", 9},
      {"my-quy-tay", "Chi bộ Chi cục Hải quan cửa khẩu Mỹ Quý Tây", 8},
      {"cang-long-an", "Chi bộ Chi cục Hải quan cửa khẩu cảng Long An", 7},
  };
  return *cells;
}

std::string CellName(int i) { return absl::StrCat(kOrganizationName, "/cells/", Cells()[i].id); }
std::string MemberId(int i) { return absl::StrFormat("dv-%03d", i + 1); }
std::string MemberName(int i) { return absl::StrCat(kOrganizationName, "/members/", MemberId(i)); }

struct Province {
  const char* code;
  const char* name;
  std::vector<const char*> districts;
};

const std::vector<std::pair<Province, int>>& Provinces() {
  static const auto* p = new std::vector<std::pair<Province, int>>{
      {{"080",
        "Long An",
        {"thành phố Tân An", "huyện Bến Lức", "huyện Đức Hòa", "huyện Cần Giuộc",
         "huyện Thủ Thừa"}},
       60},
      {{"082", "Tiền Giang", {"thành phố Mỹ Tho", "huyện Châu Thành", "huyện Chợ Gạo"}}, 25},
      {{"083", "Bến Tre", {"thành phố Bến Tre", "huyện Giồng Trôm", "huyện Mỏ Cày Nam"}}, 15},
  };
  return *p;
}

struct Person {
  std::string full_name;
  v1::Member::Gender gender;
  google::type::Date birth;
};

// Family names with southern frequencies (per mille, rounded).
const std::vector<std::pair<std::string, int>>& Families() {
  static const auto* f = new std::vector<std::pair<std::string, int>>{
      {"Nguyễn", 380}, {"Trần", 110},  {"Lê", 95},   {"Phạm", 70}, {"Huỳnh", 50}, {"Võ", 45},
      {"Phan", 40},    {"Trương", 20}, {"Đặng", 20}, {"Bùi", 20},  {"Đỗ", 15},    {"Hồ", 15},
      {"Ngô", 15},     {"Dương", 12},  {"Lý", 8},    {"Lâm", 8},   {"Đinh", 7},   {"Châu", 5},
  };
  return *f;
}

}  // namespace

const Dataset& LongAnDataset() {
  static const Dataset* dataset = [] {
    auto* d = new Dataset();
    Sequence rng;

    // The organization.
    d->organization.set_organization_id(kOrganizationId);
    d->organization.set_request_id("seed-organization");
    v1::Organization* org = d->organization.mutable_organization();
    org->set_code("DBHQLA");
    org->set_display_name("Đảng bộ Cục Hải quan Long An");
    org->set_region("Đồng bằng sông Cửu Long");
    org->add_managed_provinces("Long An");
    org->add_managed_provinces("Tiền Giang");
    org->add_managed_provinces("Bến Tre");
    *org->mutable_valid_from() = Date(2015, 1, 1);

    // Peers in the region (ids and codes as analytics' seed expects them).
    const std::vector<std::vector<const char*>> peers = {
        {"hq-can-tho", "DBHQCT", "Đảng bộ Cục Hải quan Cần Thơ", "Cần Thơ"},
        {"hq-kien-giang", "DBHQKG", "Đảng bộ Cục Hải quan Kiên Giang", "Kiên Giang"},
        {"hq-an-giang", "DBHQAG", "Đảng bộ Cục Hải quan An Giang", "An Giang"},
        {"hq-ca-mau", "DBHQCM", "Đảng bộ Cục Hải quan Cà Mau", "Cà Mau"}};
    for (const auto& peer : peers) {
      v1::CreateOrganizationRequest p;
      p.set_organization_id(peer[0]);
      p.set_request_id(absl::StrCat("seed-organization-", peer[0]));
      p.mutable_organization()->set_code(peer[1]);
      p.mutable_organization()->set_display_name(peer[2]);
      p.mutable_organization()->set_region("Đồng bằng sông Cửu Long");
      p.mutable_organization()->add_managed_provinces(peer[3]);
      *p.mutable_organization()->mutable_valid_from() = Date(2015, 1, 1);
      d->peers.push_back(std::move(p));
    }

    // Cells.
    for (size_t i = 0; i < Cells().size(); ++i) {
      v1::CreateCellRequest c;
      c.set_parent(kOrganizationName);
      c.set_cell_id(Cells()[i].id);
      c.set_request_id(absl::StrCat("seed-cell-", Cells()[i].id));
      c.mutable_cell()->set_display_name(Cells()[i].name);
      *c.mutable_cell()->mutable_established_date() = Date(2015, 3, 1 + static_cast<int>(i));
      d->cells.push_back(std::move(c));
    }

    // Members.
    const std::vector<std::pair<std::string, int>> male_middle = {
        {"Văn", 35}, {"Minh", 15}, {"Thanh", 10}, {"Hoàng", 8}, {"Quốc", 8},
        {"Hữu", 8},  {"Đức", 6},   {"Công", 5},   {"Tấn", 5}};
    const std::vector<std::pair<std::string, int>> female_middle = {
        {"Thị", 50}, {"Ngọc", 15}, {"Thanh", 10}, {"Kim", 10}, {"Mỹ", 8}, {"Thu", 7}};
    const std::vector<std::string> male_given = {
        "Hùng", "Dũng", "Tuấn", "Hải",   "Phúc",  "Thành", "Long",  "Nam",   "Sơn",  "Trung",
        "Khoa", "Tâm",  "Tài",  "Lộc",   "Hiếu",  "Nhân",  "Phong", "Quang", "Vinh", "Tùng",
        "Hưng", "Bình", "Đạt",  "Khánh", "Cường", "Thắng", "Huy",   "Toàn",  "Lợi",  "Nghĩa"};
    const std::vector<std::string> female_given = {
        "Lan",   "Hương",  "Mai",  "Hạnh",  "Thảo", "Trang", "Linh", "Ngân",
        "Nhung", "Phương", "Vân",  "Yến",   "Hà",   "Thủy",  "Diễm", "Trinh",
        "Loan",  "Tuyết",  "Hằng", "Huyền", "Nga",  "Oanh",  "Tiên", "Châu"};
    const std::vector<std::string> positions = {"Công chức",
                                                "Kiểm tra viên hải quan",
                                                "Kiểm tra viên chính hải quan",
                                                "Phó Đội trưởng",
                                                "Đội trưởng",
                                                "Phó Chi cục trưởng",
                                                "Chi cục trưởng",
                                                "Chuyên viên"};
    std::set<std::string> names_used;
    int row_number = 2;
    int member_index = 0;
    for (size_t c = 0; c < Cells().size(); ++c) {
      for (int k = 0; k < Cells()[c].size; ++k, ++member_index) {
        bool male = rng.Below(100) < 64;
        Person p;
        p.gender = male ? v1::Member::MALE : v1::Member::FEMALE;
        std::string full;
        do {
          const std::string family = rng.Weighted(Families());
          const std::string middle = rng.Weighted(male ? male_middle : female_middle);
          const std::string given =
              male ? male_given[rng.Below(static_cast<int>(male_given.size()))]
                   : female_given[rng.Below(static_cast<int>(female_given.size()))];
          full = absl::StrCat(family, " ", middle, " ", given);
        } while (!names_used.insert(full).second);
        if (member_index == 17) {  // a name that differs from "Nguyễn Văn …" only by marks
          full = "Nguyễn Vân Anh";
          male = false;
          p.gender = v1::Member::FEMALE;
        }
        names_used.insert(full);
        p.full_name = full;
        const int birth_year = 1966 + rng.Below(33);  // 1966..1998
        p.birth = Date(birth_year, 1 + rng.Below(12), 1 + rng.Below(28));
        const bool probationary = member_index % 20 == 7;  // 6 members admitted in 2025
        int admission_year = birth_year + 23 + rng.Below(10);
        if (admission_year > 2023) admission_year = 2023;
        if (probationary) admission_year = 2025;
        const google::type::Date admitted = Date(
            admission_year, probationary ? 2 + rng.Below(5) : 1 + rng.Below(12), 1 + rng.Below(14));
        const google::type::Date ceremony =
            Date(admitted.year(), admitted.month(), admitted.day() + 7 + rng.Below(7));
        const auto& province = rng.Weighted(Provinces());
        const int sex_digit = (birth_year >= 2000 ? 2 : 0) + (male ? 0 : 1);
        v1::ImportMemberRow row;
        row.set_row(row_number++);
        row.set_member_id(MemberId(member_index));
        row.set_cell(CellName(static_cast<int>(c)));
        v1::Member* m = row.mutable_member();
        m->set_full_name(p.full_name);
        m->set_gender(p.gender);
        *m->mutable_birth_date() = p.birth;
        m->set_national_id(absl::StrFormat("%s%d%02d%06d", province.code, sex_digit,
                                           birth_year % 100,
                                           100000 + member_index * 7919 % 900000));
        if (!probationary) {
          m->set_party_card_number(absl::StrFormat("%08d", 51002000 + member_index * 37));
        }
        m->set_member_file_number(absl::StrFormat("%06dLA", 10200 + member_index * 13));
        m->set_hometown(
            absl::StrCat("Xã ", rng.Below(2) ? "An Thạnh" : "Phước Lợi", ", ",
                         province.districts[rng.Below(static_cast<int>(province.districts.size()))],
                         ", tỉnh ", province.name));
        m->set_ethnicity("Kinh");
        m->set_religion(rng.Below(10) == 0 ? "Phật giáo" : "Không");
        m->mutable_education()->set_general_education("12/12");
        m->mutable_education()->set_professional_qualification(rng.Below(3) == 0 ? "Thạc sĩ Kinh tế"
                                                                                 : "Cử nhân Luật");
        m->mutable_education()->set_political_theory(rng.Below(4) == 0 ? "Cao cấp" : "Trung cấp");
        m->set_position(absl::StrCat(positions[rng.Below(static_cast<int>(positions.size()))], ", ",
                                     Cells()[c].name + std::string("Chi bộ ").size()));
        *row.mutable_admission_decision() =
            Decision(absl::StrCat(100 + member_index, "-QĐ/ĐU"), admitted);
        *row.mutable_party_entry_date() = ceremony;
        if (!probationary) {
          *row.mutable_recognition_decision() =
              Decision(absl::StrCat(300 + member_index, "-QĐ/ĐU"),
                       Date(ceremony.year() + 1, ceremony.month(), 28));
        }
        row.set_reason("Nhập hồ sơ đảng viên từ sổ danh sách");
        d->members.push_back(std::move(row));
      }
    }
    d->import_header.set_parent(kOrganizationName);
    d->import_header.set_request_id("seed-members");

    // Committees (term 2022–2025): the cell's first full members.
    size_t first = 0;
    for (size_t c = 0; c < Cells().size(); ++c) {
      std::vector<std::string> full;
      for (int k = 0; k < Cells()[c].size; ++k) {
        const v1::ImportMemberRow& row = d->members[first + k];
        if (row.has_recognition_decision()) full.push_back(MemberName(static_cast<int>(first + k)));
      }
      first += Cells()[c].size;
      v1::SetCellCommitteeRequest s;
      s.set_name(CellName(static_cast<int>(c)));
      s.set_request_id(absl::StrCat("seed-committee-", Cells()[c].id));
      *s.mutable_decision() = Decision(absl::StrCat(20 + c, "-QĐ/ĐU"), Date(2022, 6, 15));
      *s.mutable_effective_date() = Date(2022, 6, 15);
      s.set_reason("Đại hội chi bộ nhiệm kỳ 2022–2025");
      s.mutable_committee()->set_secretary(full[0]);
      if (full.size() > 1) s.mutable_committee()->set_deputy_secretary(full[1]);
      if (Cells()[c].size >= 9 && full.size() > 2)
        s.mutable_committee()->add_committee_members(full[2]);
      d->committees.push_back(std::move(s));
    }

    // Ratings.
    const std::vector<std::pair<v1::YearlyRating::Level, int>> levels = {
        {v1::YearlyRating::EXCELLENT, 15},
        {v1::YearlyRating::GOOD, 70},
        {v1::YearlyRating::COMPLETED, 13},
        {v1::YearlyRating::NOT_COMPLETED, 2}};
    for (int year = 2020; year <= 2024; ++year) {
      for (size_t c = 0; c < Cells().size(); ++c) {
        v1::RateCellRequest r;
        r.set_name(CellName(static_cast<int>(c)));
        r.set_request_id(absl::StrCat("seed-rate-cell-", Cells()[c].id, "-", year));
        v1::YearlyRating* rating = r.mutable_rating();
        rating->set_year(year);
        rating->set_level(rng.Below(4) == 0 ? v1::YearlyRating::EXCELLENT : v1::YearlyRating::GOOD);
        rating->set_rule_version(year <= 2022 ? "132-QĐ/TW" : "124-QĐ/TW");
        rating->set_decided_by(kCommittee);
        *rating->mutable_decision_date() = Date(year, 12, 20);
        rating->set_decision_number(absl::StrCat(400 + year % 100, "-QĐ/ĐU"));
        d->cell_ratings.push_back(std::move(r));
      }
      for (size_t i = 0; i < d->members.size(); ++i) {
        const v1::ImportMemberRow& row = d->members[i];
        if (!row.has_recognition_decision() || year < 2022 ||
            row.party_entry_date().year() >= year) {
          continue;
        }
        v1::RateMemberRequest r;
        r.set_name(MemberName(static_cast<int>(i)));
        r.set_request_id(absl::StrCat("seed-rate-", MemberId(static_cast<int>(i)), "-", year));
        v1::YearlyRating* rating = r.mutable_rating();
        rating->set_year(year);
        rating->set_level(rng.Weighted(levels));
        rating->set_rule_version(year <= 2022 ? "132-QĐ/TW" : "124-QĐ/TW");
        rating->set_decided_by(kCommittee);
        *rating->mutable_decision_date() = Date(year, 12, 22);
        d->member_ratings.push_back(std::move(r));
      }
    }

    // Inspection plans, one a year of the 2020–2025 term, three cells each.
    for (int year = 2020; year <= 2025; ++year) {
      v1::CreateInspectionPlanRequest p;
      const std::string plan_id = absl::StrCat("kh-", year);
      const std::string plan_name = absl::StrCat(kOrganizationName, "/inspectionPlans/", plan_id);
      p.set_parent(kOrganizationName);
      p.set_inspection_plan_id(plan_id);
      p.set_request_id(absl::StrCat("seed-plan-", year));
      v1::InspectionPlan* plan = p.mutable_inspection_plan();
      plan->set_year(year);
      plan->set_issuing_body(kInspectionCommission);
      *plan->mutable_decision() =
          Decision(absl::StrCat(year - 2019, "-KH/UBKT"), Date(year, 1, 10), kInspectionCommission);
      plan->set_kind(v1::InspectionPlan::COMPLIANCE_INSPECTION);
      plan->set_title(absl::StrCat("Kế hoạch kiểm tra, giám sát năm ", year));
      for (int k = 0; k < 3; ++k) {
        const int cell = ((year - 2020) * 3 + k) % kCellCount;
        v1::InspectionItem* item = plan->add_items();
        item->set_item_id(absl::StrCat("item-", k + 1));
        item->set_target(CellName(cell));
        item->set_content(k == 2 ? "Kiểm tra việc thu, nộp, quản lý và sử dụng đảng phí"
                                 : "Kiểm tra việc chấp hành Điều lệ Đảng, nghị quyết của Đảng ủy");
        *item->mutable_window_start() = Date(year, 3 + 3 * k, 1);
        *item->mutable_window_end() = Date(year, 4 + 3 * k, 28);
        // The lead: the secretary of another cell (a committee member in charge).
        item->set_lead(d->committees[(cell + 1) % kCellCount].committee().secretary());
        if (year == 2025) continue;
        v1::NotifyInspectionItemRequest n;
        n.set_name(plan_name);
        n.set_item_id(item->item_id());
        n.set_request_id(absl::StrCat("seed-notify-", year, "-", k + 1));
        *n.mutable_effective_date() = Date(year, 2 + 3 * k, 20);
        d->notifications.push_back(n);
        v1::StartInspectionItemRequest s;
        s.set_name(plan_name);
        s.set_item_id(item->item_id());
        s.set_request_id(absl::StrCat("seed-start-", year, "-", k + 1));
        *s.mutable_effective_date() = Date(year, 3 + 3 * k, 2);
        d->starts.push_back(s);
        v1::ConcludeInspectionItemRequest c;
        c.set_name(plan_name);
        c.set_item_id(item->item_id());
        c.set_request_id(absl::StrCat("seed-conclude-", year, "-", k + 1));
        c.mutable_conclusion()->set_outcome(k == 1 ? v1::InspectionItem::Conclusion::SHORTCOMING
                                                   : v1::InspectionItem::Conclusion::NO_VIOLATION);
        c.mutable_conclusion()->set_text(
            k == 1 ? "Chi bộ chấp hành tốt; còn thiếu sót trong việc lập biên bản sinh hoạt"
                   : "Chi bộ chấp hành tốt Điều lệ Đảng và các quy định; không có vi phạm");
        *c.mutable_conclusion()->mutable_date() = Date(year, 4 + 3 * k, 25);
        d->conclusions.push_back(c);
        v1::CloseInspectionItemRequest cl;
        cl.set_name(plan_name);
        cl.set_item_id(item->item_id());
        cl.set_request_id(absl::StrCat("seed-close-", year, "-", k + 1));
        *cl.mutable_effective_date() = Date(year, 5 + 3 * k, 5);
        d->closings.push_back(cl);
      }
      d->inspection_plans.push_back(std::move(p));
    }
    return d;
  }();
  return *dataset;
}

}  // namespace records::seed
