// ListOrganizations through the in-process server: every page sequence lists each
// organization exactly once in the requested order, and total_size counts every match on every
// page, including the pages after the first. Unfiltered name order reads only the page's range
// of keys; filtered or other orders scan and sort: both must agree.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "tests/integration/records_fixture.h"

namespace records::testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

class RecordsOrganizationListTest : public RecordsFixture {
 protected:
  static constexpr int kOrganizations = 23;

  void SetUp() override {
    RecordsFixture::SetUp();
    // Created out of name order, so that storage order is not creation order.
    for (int i = 0; i < kOrganizations; ++i) {
      const int n = (i * 7) % kOrganizations;  // 7 is prime to 23: a permutation
      v1::CreateOrganizationRequest req;
      req.set_organization_id(absl::StrFormat("o-%02d", n));
      req.mutable_organization()->set_code(absl::StrFormat("C%02d", n));
      req.mutable_organization()->set_display_name(
          absl::StrFormat("Đảng bộ số %02d", kOrganizations - n));
      req.mutable_organization()->set_region(n % 3 == 0 ? "VN-41" : "VN-79");
      *req.mutable_organization()->mutable_valid_from() = Day(2015, 1, 1);
      v1::Organization org;
      grpc::Status s = stub_->CreateOrganization(Context().get(), req, &org);
      ASSERT_TRUE(s.ok()) << s.error_message();
      names_.push_back(org.name());
    }
    std::sort(names_.begin(), names_.end());
  }

  // Walks every page; the names in the order listed. Every page's total_size must be `total`.
  std::vector<std::string> Walk(const std::string& order_by, const std::string& filter,
                                int page_size, int total) {
    std::vector<std::string> listed;
    std::string token;
    for (int pages = 0; pages < 100; ++pages) {
      v1::ListOrganizationsRequest req;
      req.set_order_by(order_by);
      req.set_filter(filter);
      req.set_page_size(page_size);
      req.set_page_token(token);
      v1::ListOrganizationsResponse resp;
      grpc::Status s = stub_->ListOrganizations(Context().get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      EXPECT_EQ(resp.total_size(), total) << "page " << pages << " of " << order_by;
      EXPECT_LE(resp.organizations_size(), page_size);
      for (const v1::Organization& org : resp.organizations()) listed.push_back(org.name());
      token = resp.next_page_token();
      if (token.empty()) break;
      EXPECT_EQ(resp.organizations_size(), page_size) << "only the last page may be short";
    }
    return listed;
  }

  std::vector<std::string> names_;  // sorted
};

TEST_F(RecordsOrganizationListTest, NameOrderPagesListEveryOrganizationOnceWithTheWholeTotal) {
  for (int page_size : {1, 4, 5, 22, 23, 24, 1000}) {
    SCOPED_TRACE(page_size);
    EXPECT_THAT(Walk("", "", page_size, kOrganizations), ElementsAreArray(names_));
    EXPECT_THAT(Walk("name", "", page_size, kOrganizations), ElementsAreArray(names_));
    std::vector<std::string> reversed(names_.rbegin(), names_.rend());
    EXPECT_THAT(Walk("name desc", "", page_size, kOrganizations), ElementsAreArray(reversed));
  }
}

TEST_F(RecordsOrganizationListTest, OtherOrdersAndFiltersAgreeWithTheNameOrder) {
  // display_name runs opposite to the name by construction.
  std::vector<std::string> reversed(names_.rbegin(), names_.rend());
  EXPECT_THAT(Walk("display_name", "", 4, kOrganizations), ElementsAreArray(reversed));
  EXPECT_THAT(Walk("code desc", "", 5, kOrganizations), ElementsAreArray(reversed));
  std::vector<std::string> in_41;
  for (const std::string& name : names_) {
    const int n = std::stoi(name.substr(name.size() - 2));
    if (n % 3 == 0) in_41.push_back(name);
  }
  EXPECT_THAT(Walk("name", "region = \"VN-41\"", 3, static_cast<int>(in_41.size())),
              ElementsAreArray(in_41));
}

TEST_F(RecordsOrganizationListTest, APageTokenContinuesOnlyTheListItCameFrom) {
  v1::ListOrganizationsRequest req;
  req.set_page_size(2);
  v1::ListOrganizationsResponse first;
  ASSERT_TRUE(stub_->ListOrganizations(Context().get(), req, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());
  // The token of the name order does not continue the reversed order.
  req.set_order_by("name desc");
  req.set_page_token(first.next_page_token());
  v1::ListOrganizationsResponse other;
  grpc::Status s = stub_->ListOrganizations(Context().get(), req, &other);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
}

// Display names of ACTIVE cells are unique within the organization whatever their case and
// spacing ("chi bộ nghiệp vụ" is "Chi bộ Nghiệp vụ"), but diacritics count: "Nghiep" and
// "Nghiệp" are different Vietnamese words.
class RecordsCellNameTest : public RecordsFixture {
 protected:
  grpc::Status Rename(const std::string& id, const std::string& display_name) {
    v1::UpdateCellRequest req;
    req.mutable_cell()->set_name("organizations/hq/cells/" + id);
    req.mutable_cell()->set_display_name(display_name);
    req.mutable_update_mask()->add_paths("display_name");
    v1::Cell cell;
    return stub_->UpdateCell(Context().get(), req, &cell);
  }
};

TEST_F(RecordsCellNameTest, ActiveCellNamesAreUniqueWhateverTheirCaseAndSpacing) {
  CreateOrganization();
  ASSERT_TRUE(TryCreateCell("nghiep-vu", "Chi bộ Nghiệp vụ").ok());
  const char* same[] = {
      "chi bộ nghiệp vụ", "CHI BỘ NGHIỆP VỤ", "Chi  bộ   Nghiệp vụ ",
      "Chi bo\u0323\u0302 Nghie\u0323\u0302p vu\u0323",  // decomposed (NFD) marks
  };
  int n = 0;
  for (const char* name : same) {
    SCOPED_TRACE(name);
    grpc::Status s = TryCreateCell(absl::StrCat("copy-", ++n), name);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
    EXPECT_EQ(ReasonOf(s), "CELL_DISPLAY_NAME_TAKEN") << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("organizations/hq/cells/nghiep-vu"));
  }
  grpc::Status s = TryCreateCell("nghiep-vu-2", "Chi bộ Nghiep vu");
  EXPECT_TRUE(s.ok()) << "other diacritics, other words: " << s.error_message();
  s = Rename("nghiep-vu-2", "CHI BỘ NGHIỆP VỤ");
  EXPECT_EQ(ReasonOf(s), "CELL_DISPLAY_NAME_TAKEN") << s.error_message();
  s = Rename("nghiep-vu", "Chi bộ nghiệp vụ");
  EXPECT_TRUE(s.ok()) << "a cell may change the case of its own name: " << s.error_message();
  CreateOrganization("tay-ninh");
  s = TryCreateCell("nghiep-vu", "CHI BỘ NGHIỆP VỤ", "tay-ninh");
  EXPECT_TRUE(s.ok()) << "another organization's cell: " << s.error_message();
}

}  // namespace
}  // namespace records::testing
