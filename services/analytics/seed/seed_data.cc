#include "services/analytics/seed/seed_data.h"

#include "absl/strings/str_cat.h"

namespace analytics::seed {
namespace {

using ::dangbo::analytics::v1::Indicator;
using ::dangbo::analytics::v1::ObservationInput;
using ::dangbo::analytics::v1::RecordObservationsRequest;
using ::dangbo::analytics::v1::Target;

constexpr char kArticle[] = "Bài viết về Đảng bộ Cục Hải quan Long An (số liệu nhiệm kỳ 2015–2020)";
constexpr char kTargets2019[] = "VCCI News: Long An Customs 2019 (dự toán 2.440, phấn đấu 3.700)";
constexpr char kIllustrative[] = "illustrative";

// Counts are whole and non-negative; money and turnover non-negative.
::dangbo::analytics::v1::ValueDomain NonNegative(bool whole) {
  ::dangbo::analytics::v1::ValueDomain d;
  d.set_non_negative(true);
  d.set_whole_number(whole);
  return d;
}

Indicator Define(const char* display_name, const char* unit, const char* unit_display,
                 Indicator::Kind kind, const char* description,
                 const ::dangbo::analytics::v1::ValueDomain& domain) {
  Indicator i;
  i.set_display_name(display_name);
  i.set_unit(unit);
  i.set_unit_display(unit_display);
  i.set_kind(kind);
  i.set_direction(Indicator::HIGHER_IS_BETTER);
  i.set_description(description);
  *i.mutable_value_domain() = domain;
  return i;
}

void Add(RecordObservationsRequest* r, const char* indicator, int year, const char* actual,
         const char* source, const char* legal = nullptr, const char* striving = nullptr) {
  ObservationInput* o = r->add_observations();
  o->set_indicator(indicator);
  o->set_year(year);
  o->mutable_actual()->set_value(actual);
  o->set_value_kind(dangbo::analytics::v1::Observation::ACTUAL);
  if (legal != nullptr) {
    Target* t = o->add_targets();
    t->set_type(Target::LEGAL);
    t->mutable_value()->set_value(legal);
  }
  if (striving != nullptr) {
    Target* t = o->add_targets();
    t->set_type(Target::STRIVING);
    t->mutable_value()->set_value(striving);
  }
  o->set_source(source);
}

}  // namespace

const std::vector<SeedOrganization>& SeedOrganizations() {
  static const auto* organizations = new std::vector<SeedOrganization>{
      {"organizations/hq-long-an", "DBHQLA", "Đảng bộ Cục Hải quan Long An"},
      {"organizations/hq-can-tho", "DBHQCT", "Đảng bộ Cục Hải quan Cần Thơ"},
      {"organizations/hq-kien-giang", "DBHQKG", "Đảng bộ Cục Hải quan Kiên Giang"},
      {"organizations/hq-an-giang", "DBHQAG", "Đảng bộ Cục Hải quan An Giang"},
      {"organizations/hq-ca-mau", "DBHQCM", "Đảng bộ Cục Hải quan Cà Mau"}};
  return *organizations;
}

std::vector<SeedIndicator> SeedIndicators() {
  std::vector<SeedIndicator> out;
  const Indicator revenue =
      Define("Thu ngân sách nhà nước", "billion_vnd", "tỷ đồng", Indicator::FLOW,
             "Thu ngân sách từ hoạt động xuất nhập khẩu trên địa bàn quản lý", NonNegative(false));
  out.push_back({kSeedOrganization, "state-budget-revenue", revenue});
  out.push_back(
      {kSeedOrganization, "enterprises",
       Define("Doanh nghiệp làm thủ tục hải quan", "count", "doanh nghiệp", Indicator::STOCK,
              "Số doanh nghiệp làm thủ tục hải quan trong năm", NonNegative(true))});
  out.push_back({kSeedOrganization, "customs-declarations",
                 Define("Tờ khai hải quan", "count", "tờ khai", Indicator::FLOW,
                        "Số tờ khai hải quan xuất nhập khẩu đã đăng ký", NonNegative(true))});
  out.push_back({kSeedOrganization, "import-export-turnover",
                 Define("Kim ngạch xuất nhập khẩu", "million_usd", "triệu USD", Indicator::FLOW,
                        "Kim ngạch xuất nhập khẩu qua địa bàn quản lý", NonNegative(false))});
  for (size_t i = 1; i < SeedOrganizations().size(); ++i) {
    out.push_back({SeedOrganizations()[i].name, "state-budget-revenue", revenue});
  }
  return out;
}

std::vector<RecordObservationsRequest> SeedObservations() {
  std::vector<RecordObservationsRequest> out;
  RecordObservationsRequest la;
  la.set_parent(kSeedOrganization);
  la.set_request_id("seed-analytics-v1-hq-long-an");
  // Revenue (billion VND): targets met every year ("đạt và vượt kế hoạch").
  struct Year {
    int year;
    const char* actual;
    const char* legal;
  };
  const Year revenue[] = {{2015, "2103.4", "1900"}, {2016, "2450", "2000"},
                          {2017, "2890.5", "2150"}, {2018, "3350.2", "2300"},
                          {2019, "3802.3", "2440"}, {2020, "3650.8", "3400"},
                          {2021, "4120.6", "3800"}, {2022, "4585.3", "4300"},
                          {2023, "5120.4", "5000"}, {2024, "5480.7", "5300"}};
  for (const Year& y : revenue) {
    const bool article = y.year == 2015 || y.year == 2019;
    if (y.year == 2019) {
      Add(&la, "state-budget-revenue", y.year, y.actual, kArticle, y.legal, "3700");
      la.mutable_observations()->rbegin()->set_note(absl::StrCat("Targets: ", kTargets2019));
    } else {
      Add(&la, "state-budget-revenue", y.year, y.actual, article ? kArticle : kIllustrative,
          y.legal);
    }
  }
  const std::pair<int, const char*> enterprises[] = {
      {2015, "1072"}, {2016, "1290"}, {2017, "1530"}, {2018, "1785"}, {2019, "2031"},
      {2020, "2105"}, {2021, "2240"}, {2022, "2390"}, {2023, "2455"}, {2024, "2580"}};
  for (const auto& [year, value] : enterprises) {
    Add(&la, "enterprises", year, value, year == 2015 || year == 2019 ? kArticle : kIllustrative);
  }
  const std::pair<int, const char*> declarations[] = {
      {2015, "203482"}, {2016, "262150"}, {2017, "331870"}, {2018, "410325"}, {2019, "496444"},
      {2020, "521300"}, {2021, "580120"}, {2022, "612450"}, {2023, "598700"}, {2024, "655210"}};
  for (const auto& [year, value] : declarations) {
    Add(&la, "customs-declarations", year, value,
        year == 2015 || year == 2019 ? kArticle : kIllustrative);
  }
  // Only "+91.9 % over the term" is known: 2019 / 2015 = 9595 / 5000 = 1.919.
  const std::pair<int, const char*> turnover[] = {
      {2015, "5000"},   {2016, "5810.4"},  {2017, "6902.7"},  {2018, "8230.5"}, {2019, "9595"},
      {2020, "9870.2"}, {2021, "11250.6"}, {2022, "12105.3"}, {2023, "10700"},  {2024, "11890.4"}};
  for (const auto& [year, value] : turnover) {
    Add(&la, "import-export-turnover", year, value, kIllustrative);
    if (year == 2019) {
      la.mutable_observations()->rbegin()->set_note(
          "Chỉ biết tăng 91,9% so với đầu nhiệm kỳ (bài viết); giá trị tuyệt đối minh họa");
    }
  }
  out.push_back(std::move(la));

  // Peers: revenue below Long An's every year (illustrative), with legal targets.
  const struct {
    const char* name;
    const char* id;
    const char* values[4];  // 2018, 2019, 2023, 2024
  } peers[] = {{"organizations/hq-can-tho", "hq-can-tho", {"1820.6", "2105.9", "2650.3", "2810.2"}},
               {"organizations/hq-kien-giang", "hq-kien-giang", {"640.2", "702.5", "820.4", "865"}},
               {"organizations/hq-an-giang", "hq-an-giang", {"310.7", "352.1", "410.9", "433.6"}},
               {"organizations/hq-ca-mau", "hq-ca-mau", {"195.3", "214.8", "260.1", "281.7"}}};
  const int years[] = {2018, 2019, 2023, 2024};
  for (const auto& peer : peers) {
    RecordObservationsRequest r;
    r.set_parent(peer.name);
    r.set_request_id(absl::StrCat("seed-analytics-v1-", peer.id));
    for (int i = 0; i < 4; ++i)
      Add(&r, "state-budget-revenue", years[i], peer.values[i], kIllustrative);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace analytics::seed
