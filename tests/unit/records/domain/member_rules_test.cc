// The member lifecycle (Điều lệ Đảng, Quy định 24/294-QĐ/TW, Quy định 69-QĐ/TW), as the
// records domain enforces it. Every rule is tested at its boundary dates.
#include "services/records/domain/member_rules.h"

#include "common/errors.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/unit/records/domain/test_builders.h"

namespace records::domain {
namespace {

using testing::ActiveCell;
using testing::Admit;
using testing::Ctx;
using testing::D;
using testing::Decision;
using ::testing::HasSubstr;
using testing::kCellA;
using testing::kCellB;
using testing::kMemberName;
using Event = v1::LifecycleEvent;
using Day = absl::CivilDay;

// Admitted by decision of 01/03/2023, ceremony (party entry) 10/03/2023.
v1::Member Admitted(Day decided = Day(2023, 3, 1), Day ceremony = Day(2023, 3, 10)) {
  auto m = AdmitMember(Admit(decided, ceremony), kMemberName, ActiveCell(), Ctx());
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

v1::RecognizeFullMemberRequest Recognize(Day decided) {
  v1::RecognizeFullMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(decided, "77-QĐ/ĐU");
  return r;
}

v1::Member Full() {
  auto m = RecognizeFullMember(Admitted(), Recognize(Day(2024, 3, 20)), Ctx());
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

v1::TransferMemberRequest Transfer(v1::TransferMemberRequest::Kind kind, Day effective) {
  v1::TransferMemberRequest r;
  r.set_name(kMemberName);
  r.set_kind(kind);
  *r.mutable_decision() = Decision(effective, "12-QĐ/ĐU");
  *r.mutable_effective_date() = ToDate(effective);
  if (kind == v1::TransferMemberRequest::OFFICIAL_OUT ||
      kind == v1::TransferMemberRequest::TEMPORARY_OUT) {
    r.mutable_destination()->set_organization("organizations/hq-tay-ninh");
  }
  return r;
}

v1::RemoveMemberRequest Remove(Day effective, Event::RemovalGround ground = Event::DUES_ARREARS) {
  v1::RemoveMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(effective, "90-QĐ/ĐU");
  *r.mutable_effective_date() = ToDate(effective);
  r.set_ground(ground);
  return r;
}

v1::ReadmitMemberRequest Readmit(Day decided) {
  v1::ReadmitMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(decided, "101-QĐ/ĐU");
  *r.mutable_ceremony_date() = ToDate(decided + 5);
  r.set_cell(kCellA);
  return r;
}

v1::RateMemberRequest Rate(int year, v1::YearlyRating::Level level) {
  v1::RateMemberRequest r;
  r.set_name(kMemberName);
  v1::YearlyRating* rating = r.mutable_rating();
  rating->set_year(year);
  rating->set_level(level);
  rating->set_rule_version("124-QĐ/TW");
  rating->set_decided_by("Chi bộ Phòng Nghiệp vụ");
  *rating->mutable_decision_date() = D(year, 12, 20);
  return r;
}

v1::DisciplineMemberRequest Discipline(v1::DisciplineRecord::Form form, Day effective) {
  v1::DisciplineMemberRequest r;
  r.set_name(kMemberName);
  v1::DisciplineRecord* d = r.mutable_discipline();
  d->set_form(form);
  d->set_violation_summary("Vi phạm quy định về nêu gương");
  *d->mutable_decision() = Decision(effective, "05-QĐ/UBKT");
  *d->mutable_effective_date() = ToDate(effective);
  return r;
}

v1::ExpelMemberRequest Expel(Day effective) {
  v1::ExpelMemberRequest r;
  r.set_name(kMemberName);
  *r.mutable_decision() = Decision(effective, "09-QĐ/UBKT");
  *r.mutable_effective_date() = ToDate(effective);
  r.set_violation_summary("Vi phạm nghiêm trọng");
  return r;
}

void ExpectRule(const absl::Status& status, absl::string_view reason) {
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
  EXPECT_EQ(common::ErrorReason(status), reason) << status;
}

// --- Admission --------------------------------------------------------------------------

TEST(AdmitMemberTest, CreatesAProbationaryMemberWithAnAdmittedEvent) {
  v1::Member m = Admitted();
  EXPECT_EQ(m.name(), kMemberName);
  EXPECT_EQ(m.state(), v1::Member::PROBATIONARY);
  EXPECT_EQ(m.cell(), kCellA);
  // Admission date = decision date; party entry date = ceremony date.
  EXPECT_EQ(FormatIso(m.admission_date()), "2023-03-01");
  EXPECT_EQ(FormatIso(m.party_entry_date()), "2023-03-10");
  EXPECT_FALSE(m.has_full_membership_date());
  ASSERT_EQ(m.history_size(), 1);
  const Event& e = m.history(0);
  EXPECT_EQ(e.event_id(), "e1");
  EXPECT_EQ(e.kind(), Event::ADMITTED);
  EXPECT_EQ(e.decision().number(), "45-QĐ/ĐU");
  EXPECT_EQ(FormatIso(e.effective_date()), "2023-03-10");
  EXPECT_EQ(e.to_cell(), kCellA);
  EXPECT_EQ(e.state_after(), v1::Member::PROBATIONARY);
  EXPECT_EQ(e.recorded_by(), "alice@hq-long-an");
  EXPECT_EQ(e.record_time().seconds(), 1767225600);
}

TEST(AdmitMemberTest, TheCellMustBeActive) {
  v1::Cell merged = ActiveCell();
  merged.set_state(v1::Cell::MERGED);
  auto m = AdmitMember(Admit(Day(2023, 3, 1), Day(2023, 3, 10)), kMemberName, merged, Ctx());
  ExpectRule(m.status(), kCellNotActive);
  EXPECT_THAT(m.status().message(), HasSubstr("MERGED"));
}

TEST(AdmitMemberTest, TheCellMustBelongToTheMembersOrganization) {
  auto m = AdmitMember(Admit(Day(2023, 3, 1), Day(2023, 3, 10)), kMemberName,
                       ActiveCell("organizations/hq-tay-ninh/cells/a"), Ctx());
  ExpectRule(m.status(), kCellOtherOrganization);
}

TEST(AdmitMemberTest, ImportedRowWithRecognitionIsAFullMember) {
  v1::ImportMemberRow row;
  row.set_row(2);
  *row.mutable_member() = testing::Profile();
  row.set_cell(kCellA);
  *row.mutable_admission_decision() = Decision(Day(2010, 5, 1));
  *row.mutable_party_entry_date() = D(2010, 5, 19);
  *row.mutable_recognition_decision() = Decision(Day(2011, 6, 1), "30-QĐ/ĐU");
  auto m = ImportMember(row, testing::kOrg, kMemberName, ActiveCell(), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::FULL);
  EXPECT_EQ(FormatIso(m->full_membership_date()), "2011-05-19");
  ASSERT_EQ(m->history_size(), 2);
  EXPECT_EQ(m->history(1).event_id(), "e2");
}

// --- Recognition as a full member (Điều lệ Điều 5.1: 12 months of probation from the ceremony)

TEST(RecognizeFullMemberTest, TheDayBeforeTheTwelveMonthDateIsTooEarly) {
  auto m = RecognizeFullMember(Admitted(), Recognize(Day(2024, 3, 9)), Ctx());
  ExpectRule(m.status(), kProbationNotComplete);
  EXPECT_THAT(m.status().message(), HasSubstr("10/03/2023"));
  EXPECT_THAT(m.status().message(), HasSubstr("10/03/2024"));
  EXPECT_THAT(m.status().message(), HasSubstr("09/03/2024"));
}

TEST(RecognizeFullMemberTest, OnTheTwelveMonthDateTheMemberIsRecognized) {
  auto m = RecognizeFullMember(Admitted(), Recognize(Day(2024, 3, 10)), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::FULL);
  EXPECT_EQ(FormatIso(m->full_membership_date()), "2024-03-10");
}

TEST(RecognizeFullMemberTest, ALateDecisionStillTakesEffectOnTheTwelveMonthDate) {
  // QĐ 29 §4.2: official as of the 12-month date even when the committee approves late.
  auto m = RecognizeFullMember(Admitted(), Recognize(Day(2024, 3, 11)), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(FormatIso(m->full_membership_date()), "2024-03-10");
  EXPECT_EQ(FormatIso(m->history(1).effective_date()), "2024-03-10");
  EXPECT_EQ(m->history(1).kind(), Event::RECOGNIZED_FULL);
  EXPECT_EQ(FormatIso(m->history(1).decision().date()), "2024-03-11");
}

TEST(RecognizeFullMemberTest, ALeapDayCeremonyEndsProbationOnTheLastDayOfFebruary) {
  v1::Member m = Admitted(Day(2024, 2, 20), Day(2024, 2, 29));
  ExpectRule(RecognizeFullMember(m, Recognize(Day(2025, 2, 27)), Ctx()).status(),
             kProbationNotComplete);
  auto full = RecognizeFullMember(m, Recognize(Day(2025, 2, 28)), Ctx());
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(FormatIso(full->full_membership_date()), "2025-02-28");
}

TEST(RecognizeFullMemberTest, AGivenEffectiveDateMustBeTheTwelveMonthDate) {
  auto request = Recognize(Day(2024, 4, 1));
  *request.mutable_effective_date() = D(2024, 4, 1);
  auto m = RecognizeFullMember(Admitted(), request, Ctx());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("10/03/2024"));
  *request.mutable_effective_date() = D(2024, 3, 10);
  EXPECT_TRUE(RecognizeFullMember(Admitted(), request, Ctx()).ok());
}

TEST(RecognizeFullMemberTest, OnlyAProbationaryMemberCanBeRecognized) {
  ExpectRule(RecognizeFullMember(Full(), Recognize(Day(2024, 5, 1)), Ctx()).status(),
             kMemberNotProbationary);
}

TEST(RecognizeFullMemberTest, AProbationaryMemberAwayIsRecognizedAndStaysAway) {
  auto away = TransferMember(Admitted(),
                             Transfer(v1::TransferMemberRequest::TEMPORARY_OUT, Day(2023, 9, 1)),
                             nullptr, Ctx());
  ASSERT_TRUE(away.ok()) << away.status();
  auto m = RecognizeFullMember(*away, Recognize(Day(2024, 3, 15)), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::TEMPORARILY_AWAY);
  EXPECT_EQ(FormatIso(m->full_membership_date()), "2024-03-10");
  // And after returning, the member is a full member.
  auto back = TransferMember(
      *m, Transfer(v1::TransferMemberRequest::TEMPORARY_RETURN, Day(2024, 4, 1)), nullptr, Ctx());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->state(), v1::Member::FULL);
}

// --- Transfers ---------------------------------------------------------------------------

TEST(TransferMemberTest, ToAnotherActiveCellOfTheOrganization) {
  v1::Cell target = ActiveCell(kCellB);
  auto m =
      TransferMember(Full(), Transfer(v1::TransferMemberRequest::OFFICIAL_TO_CELL, Day(2024, 6, 1)),
                     &target, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->cell(), kCellB);
  EXPECT_EQ(m->state(), v1::Member::FULL);
  const Event& e = m->history(m->history_size() - 1);
  EXPECT_EQ(e.kind(), Event::TRANSFERRED_CELL);
  EXPECT_EQ(e.from_cell(), kCellA);
  EXPECT_EQ(e.to_cell(), kCellB);
}

TEST(TransferMemberTest, TheTargetCellMustBeActiveAndAnotherCell) {
  v1::Cell dissolved = ActiveCell(kCellB);
  dissolved.set_state(v1::Cell::DISSOLVED);
  auto request = Transfer(v1::TransferMemberRequest::OFFICIAL_TO_CELL, Day(2024, 6, 1));
  ExpectRule(TransferMember(Full(), request, &dissolved, Ctx()).status(), kCellNotActive);
  v1::Cell same = ActiveCell(kCellA);
  EXPECT_EQ(TransferMember(Full(), request, &same, Ctx()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TransferMemberTest, OfficialOutLeavesTheListsAndKeepsTheHistory) {
  v1::Member full = Full();
  auto m = TransferMember(full, Transfer(v1::TransferMemberRequest::OFFICIAL_OUT, Day(2024, 6, 1)),
                          nullptr, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::TRANSFERRED_OUT);
  EXPECT_EQ(m->history_size(), full.history_size() + 1);
  EXPECT_EQ(m->history(m->history_size() - 1).to_organization().organization(),
            "organizations/hq-tay-ninh");
  // Earlier events are never rewritten.
  for (int i = 0; i < full.history_size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(full.history(i), m->history(i)));
  }
}

TEST(TransferMemberTest, TemporaryOutAndReturn) {
  auto away = TransferMember(
      Full(), Transfer(v1::TransferMemberRequest::TEMPORARY_OUT, Day(2024, 6, 1)), nullptr, Ctx());
  ASSERT_TRUE(away.ok()) << away.status();
  EXPECT_EQ(away->state(), v1::Member::TEMPORARILY_AWAY);
  EXPECT_EQ(away->temporary_organization().organization(), "organizations/hq-tay-ninh");
  EXPECT_EQ(away->cell(), kCellA);  // still counted in the home cell
  auto back =
      TransferMember(*away, Transfer(v1::TransferMemberRequest::TEMPORARY_RETURN, Day(2024, 12, 1)),
                     nullptr, Ctx());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->state(), v1::Member::FULL);
  EXPECT_FALSE(back->has_temporary_organization());
}

TEST(TransferMemberTest, EachKindNeedsItsStates) {
  using K = v1::TransferMemberRequest;
  ExpectRule(TransferMember(Full(), Transfer(K::TEMPORARY_RETURN, Day(2024, 6, 1)), nullptr, Ctx())
                 .status(),
             kTransferStateNotAllowed);
  ExpectRule(
      TransferMember(Full(), Transfer(K::TEMPORARY_HOSTING_END, Day(2024, 6, 1)), nullptr, Ctx())
          .status(),
      kTransferStateNotAllowed);
  auto removed = RemoveMember(Full(), Remove(Day(2024, 6, 1)), Ctx());
  ASSERT_TRUE(removed.ok());
  for (auto kind : {K::OFFICIAL_OUT, K::TEMPORARY_OUT}) {
    auto m = TransferMember(*removed, Transfer(kind, Day(2024, 7, 1)), nullptr, Ctx());
    ExpectRule(m.status(), kTransferStateNotAllowed);
    EXPECT_THAT(m.status().message(), HasSubstr("REMOVED"));
  }
  auto away = TransferMember(Full(), Transfer(K::TEMPORARY_OUT, Day(2024, 6, 1)), nullptr, Ctx());
  v1::Cell target = ActiveCell(kCellB);
  ExpectRule(TransferMember(*away, Transfer(K::OFFICIAL_TO_CELL, Day(2024, 7, 1)), &target, Ctx())
                 .status(),
             kTransferStateNotAllowed);
  // An official transfer out is allowed while away.
  EXPECT_TRUE(
      TransferMember(*away, Transfer(K::OFFICIAL_OUT, Day(2024, 7, 1)), nullptr, Ctx()).ok());
}

TEST(TransferMemberTest, ATransferCannotTakeEffectBeforeThePreviousChange) {
  v1::Cell target = ActiveCell(kCellB);
  auto m = TransferMember(Admitted(),
                          Transfer(v1::TransferMemberRequest::OFFICIAL_TO_CELL, Day(2023, 3, 9)),
                          &target, Ctx());
  ExpectRule(m.status(), kEventBeforePrevious);
}

// --- Removal, expulsion, death ------------------------------------------------------------

TEST(RemoveMemberTest, ProbationNotRecognizedIsAGroundOnlyForProbationaryMembers) {
  auto m = RemoveMember(Full(), Remove(Day(2024, 6, 1), Event::PROBATION_NOT_RECOGNIZED), Ctx());
  ExpectRule(m.status(), kRemovalGroundNotAllowed);
  auto p =
      RemoveMember(Admitted(), Remove(Day(2024, 4, 1), Event::PROBATION_NOT_RECOGNIZED), Ctx());
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->state(), v1::Member::REMOVED);
  EXPECT_EQ(p->history(p->history_size() - 1).removal_ground(), Event::PROBATION_NOT_RECOGNIZED);
}

TEST(RemoveMemberTest, AMemberOffTheListsCannotBeRemovedAgain) {
  auto removed = RemoveMember(Full(), Remove(Day(2024, 6, 1)), Ctx());
  ASSERT_TRUE(removed.ok());
  ExpectRule(RemoveMember(*removed, Remove(Day(2024, 7, 1)), Ctx()).status(), kMemberNotActive);
}

TEST(ExpelMemberTest, AProbationaryMemberCannotBeExpelled) {
  // Quy định 69-QĐ/TW Điều 7: probationary members get only a reprimand or a warning.
  auto m = ExpelMember(Admitted(), Expel(Day(2023, 9, 1)), Ctx());
  ExpectRule(m.status(), kExpulsionOfProbationary);
}

TEST(ExpelMemberTest, AFullMemberIsExpelledWithAnExpulsionRecord) {
  auto m = ExpelMember(Full(), Expel(Day(2024, 9, 1)), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::EXPELLED);
  ASSERT_EQ(m->disciplines_size(), 1);
  EXPECT_EQ(m->disciplines(0).form(), v1::DisciplineRecord::EXPULSION);
  EXPECT_EQ(m->disciplines(0).discipline_id(), "d1");
  EXPECT_EQ(m->disciplines(0).event_id(), m->history(m->history_size() - 1).event_id());
}

TEST(RecordMemberDeathTest, AnyStateOnTheListsEndsDeceased) {
  v1::RecordMemberDeathRequest r;
  r.set_name(kMemberName);
  *r.mutable_effective_date() = D(2024, 10, 2);
  auto m = RecordMemberDeath(Full(), r, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::DECEASED);
  ExpectRule(RecordMemberDeath(*m, r, Ctx()).status(), kMemberAlreadyLeft);
  auto removed = RemoveMember(Full(), Remove(Day(2024, 6, 1)), Ctx());
  ExpectRule(RecordMemberDeath(*removed, r, Ctx()).status(), kMemberAlreadyLeft);
}

TEST(RecordMemberDeathTest, DeathBeforeBirthIsInvalid) {
  v1::RecordMemberDeathRequest r;
  r.set_name(kMemberName);
  *r.mutable_effective_date() = D(1989, 1, 1);
  EXPECT_EQ(RecordMemberDeath(Full(), r, Ctx()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Readmission (Quy định 294-QĐ/TW §3.5: once, 36 months after leaving, new probation) --

v1::Member RemovedOn(Day day, Event::RemovalGround ground = Event::DUES_ARREARS) {
  auto m = RemoveMember(Full(), Remove(day, ground), Ctx());
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

TEST(ReadmitMemberTest, TheDayBefore36MonthsIsTooEarly) {
  auto m =
      ReadmitMember(RemovedOn(Day(2024, 6, 1)), Readmit(Day(2027, 5, 31)), ActiveCell(), Ctx());
  ExpectRule(m.status(), kReadmissionTooEarly);
  EXPECT_THAT(m.status().message(), HasSubstr("01/06/2024"));
  EXPECT_THAT(m.status().message(), HasSubstr("01/06/2027"));
}

TEST(ReadmitMemberTest, On36MonthsTheMemberIsReadmittedOnProbation) {
  auto m = ReadmitMember(RemovedOn(Day(2024, 6, 1)), Readmit(Day(2027, 6, 1)), ActiveCell(), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::PROBATIONARY);
  EXPECT_TRUE(m->readmitted());
  EXPECT_FALSE(m->has_full_membership_date());
  EXPECT_EQ(FormatIso(m->admission_date()), "2027-06-01");
  EXPECT_EQ(FormatIso(m->party_entry_date()), "2027-06-06");
}

TEST(ReadmitMemberTest, TheDayAfter36MonthsIsAllowed) {
  EXPECT_TRUE(
      ReadmitMember(RemovedOn(Day(2024, 6, 1)), Readmit(Day(2027, 6, 2)), ActiveCell(), Ctx())
          .ok());
}

TEST(ReadmitMemberTest, OnlyOnce) {
  auto again =
      ReadmitMember(RemovedOn(Day(2024, 6, 1)), Readmit(Day(2027, 6, 1)), ActiveCell(), Ctx());
  ASSERT_TRUE(again.ok());
  auto full = RecognizeFullMember(*again, Recognize(Day(2028, 6, 6)), Ctx());
  ASSERT_TRUE(full.ok()) << full.status();
  auto removed = RemoveMember(*full, Remove(Day(2029, 1, 1)), Ctx());
  ASSERT_TRUE(removed.ok()) << removed.status();
  ExpectRule(ReadmitMember(*removed, Readmit(Day(2033, 1, 1)), ActiveCell(), Ctx()).status(),
             kReadmissionAlreadyUsed);
}

TEST(ReadmitMemberTest, VoluntaryWithdrawalAndLeavingActivityExcludeReadmission) {
  for (auto ground : {Event::VOLUNTARY_WITHDRAWAL, Event::NOT_PARTICIPATING}) {
    ExpectRule(ReadmitMember(RemovedOn(Day(2024, 6, 1), ground), Readmit(Day(2027, 6, 1)),
                             ActiveCell(), Ctx())
                   .status(),
               kReadmissionExcluded);
  }
}

TEST(ReadmitMemberTest, AnExpelledMemberMayBeReadmitted) {
  auto expelled = ExpelMember(Full(), Expel(Day(2024, 9, 1)), Ctx());
  ASSERT_TRUE(expelled.ok());
  EXPECT_TRUE(ReadmitMember(*expelled, Readmit(Day(2027, 9, 1)), ActiveCell(), Ctx()).ok());
}

TEST(ReadmitMemberTest, OnlyAFormerMemberCanBeReadmitted) {
  ExpectRule(ReadmitMember(Full(), Readmit(Day(2027, 6, 1)), ActiveCell(), Ctx()).status(),
             kMemberNotFormer);
}

TEST(ReadmitMemberTest, TheCellMustBeActive) {
  v1::Cell merged = ActiveCell();
  merged.set_state(v1::Cell::MERGED);
  ExpectRule(
      ReadmitMember(RemovedOn(Day(2024, 6, 1)), Readmit(Day(2027, 6, 1)), merged, Ctx()).status(),
      kCellNotActive);
}

// --- Corrections: the member file is never overwritten --------------------------------------

v1::CorrectMemberEventRequest Correct(const std::string& event_id) {
  v1::CorrectMemberEventRequest r;
  r.set_name(kMemberName);
  *r.mutable_basis() = Decision(Day(2025, 1, 10), "200-QĐ/ĐU");
  r.set_reason("Sửa ngày kết nạp theo hồ sơ gốc");
  r.set_event_id(event_id);
  return r;
}

TEST(CorrectMemberEventTest, ACorrectionIsAppendedAndTheStateReplayed) {
  v1::Member m = Admitted();
  auto request = Correct("e1");
  request.mutable_correction_mask()->add_paths("effective_date");
  *request.mutable_corrected_values()->mutable_effective_date() = D(2023, 3, 5);
  auto corrected = CorrectMemberEvent(m, request, Ctx());
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_EQ(FormatIso(corrected->party_entry_date()), "2023-03-05");
  ASSERT_EQ(corrected->history_size(), 2);
  // The original event still reads as written.
  EXPECT_EQ(FormatIso(corrected->history(0).effective_date()), "2023-03-10");
  const Event& c = corrected->history(1);
  EXPECT_EQ(c.kind(), Event::CORRECTED);
  EXPECT_EQ(c.corrects_event_id(), "e1");
  EXPECT_EQ(c.decision().number(), "200-QĐ/ĐU");
  EXPECT_THAT(c.corrected_fields(), ::testing::ElementsAre("effective_date"));
  // Probation now ends on 05/03/2024.
  EXPECT_TRUE(RecognizeFullMember(*corrected, Recognize(Day(2024, 3, 5)), Ctx()).ok());
  auto effective = EffectiveEvent(*corrected, "e1");
  ASSERT_TRUE(effective.ok());
  EXPECT_EQ(FormatIso(effective->effective_date()), "2023-03-05");
}

TEST(CorrectMemberEventTest, ACorrectionThatBreaksARuleOnReplayIsRefused) {
  // Recognized on 10/03/2024 (12 months after the ceremony of 10/03/2023). Moving the
  // ceremony to 20/03/2023 would make that recognition come before the end of probation.
  auto request = Correct("e1");
  request.mutable_correction_mask()->add_paths("effective_date");
  *request.mutable_corrected_values()->mutable_effective_date() = D(2023, 3, 20);
  auto m = CorrectMemberEvent(Full(), request, Ctx());
  ExpectRule(m.status(), kCorrectionBreaksRule);
  EXPECT_THAT(m.status().message(), HasSubstr("PROBATION_NOT_COMPLETE"));
}

TEST(CorrectMemberEventTest, VoidingARatingRemovesIt) {
  auto rated = RateMember(Full(), Rate(2024, v1::YearlyRating::GOOD), Ctx());
  ASSERT_TRUE(rated.ok()) << rated.status();
  ASSERT_EQ(rated->ratings_size(), 1);
  auto request = Correct(rated->ratings(0).event_id());
  request.set_voids_event(true);
  auto voided = CorrectMemberEvent(*rated, request, Ctx());
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_EQ(voided->ratings_size(), 0);
  // The year may be rated again.
  EXPECT_TRUE(RateMember(*voided, Rate(2024, v1::YearlyRating::EXCELLENT), Ctx()).ok());
}

TEST(CorrectMemberEventTest, CorrectingARatingLevel) {
  auto rated = RateMember(Full(), Rate(2024, v1::YearlyRating::GOOD), Ctx());
  ASSERT_TRUE(rated.ok());
  auto request = Correct(rated->ratings(0).event_id());
  request.mutable_correction_mask()->add_paths("rating.level");
  request.mutable_corrected_values()->mutable_rating()->set_level(v1::YearlyRating::EXCELLENT);
  auto m = CorrectMemberEvent(*rated, request, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->ratings(0).level(), v1::YearlyRating::EXCELLENT);
  EXPECT_EQ(m->ratings(0).rule_version(), "124-QĐ/TW");
}

TEST(CorrectMemberEventTest, VoidingTheAdmissionLeavesNoStateAndIsRefused) {
  auto request = Correct("e1");
  request.set_voids_event(true);
  ExpectRule(CorrectMemberEvent(Admitted(), request, Ctx()).status(), kCorrectionBreaksRule);
}

TEST(CorrectMemberEventTest, CorrectionsAndProfileUpdatesCannotBeCorrected) {
  auto first = Correct("e1");
  first.mutable_correction_mask()->add_paths("reason");
  first.mutable_corrected_values()->set_reason("Kết nạp");
  auto m = CorrectMemberEvent(Admitted(), first, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  auto again = Correct("e2");
  again.mutable_correction_mask()->add_paths("reason");
  ExpectRule(CorrectMemberEvent(*m, again, Ctx()).status(), kEventNotCorrectable);
}

TEST(CorrectMemberEventTest, PathsMustFitTheEventKind) {
  auto request = Correct("e1");
  request.mutable_correction_mask()->add_paths("removal_ground");
  request.mutable_corrected_values()->set_removal_ground(Event::OTHER);
  auto m = CorrectMemberEvent(Admitted(), request, Ctx());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("removal_ground"));
}

TEST(CorrectMemberEventTest, AnUnknownEventIsNotFound) {
  auto request = Correct("e9");
  request.set_voids_event(true);
  EXPECT_EQ(CorrectMemberEvent(Admitted(), request, Ctx()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(CorrectMemberEventTest, MovingAReadmissionInsideThe36MonthsIsRefused) {
  auto readmitted =
      ReadmitMember(RemovedOn(Day(2024, 6, 1)), Readmit(Day(2027, 6, 1)), ActiveCell(), Ctx());
  ASSERT_TRUE(readmitted.ok());
  // Correct the removal date to 02/06/2024: the readmission decision becomes one day early.
  std::string removal_id;
  for (const auto& e : readmitted->history()) {
    if (e.kind() == Event::REMOVED) removal_id = e.event_id();
  }
  auto request = Correct(removal_id);
  request.mutable_correction_mask()->add_paths("effective_date");
  *request.mutable_corrected_values()->mutable_effective_date() = D(2024, 6, 2);
  auto m = CorrectMemberEvent(*readmitted, request, Ctx());
  ExpectRule(m.status(), kCorrectionBreaksRule);
  EXPECT_THAT(m.status().message(), HasSubstr("READMISSION_TOO_EARLY"));
}

// --- Ratings and discipline -----------------------------------------------------------------

TEST(RateMemberTest, OneRatingPerYear) {
  auto rated = RateMember(Full(), Rate(2024, v1::YearlyRating::GOOD), Ctx());
  ASSERT_TRUE(rated.ok()) << rated.status();
  EXPECT_EQ(rated->ratings(0).year(), 2024);
  EXPECT_EQ(rated->history(rated->history_size() - 1).kind(), Event::RATED);
  auto again = RateMember(*rated, Rate(2024, v1::YearlyRating::EXCELLENT), Ctx());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(common::ErrorReason(again.status()), kYearAlreadyRated);
}

TEST(RateMemberTest, OnlyAYearOfMembershipCanBeRated) {
  ExpectRule(RateMember(Full(), Rate(2022, v1::YearlyRating::GOOD), Ctx()).status(),
             kNotAMemberInYear);
  // Admitted on 10/03/2023: 2023 counts.
  EXPECT_TRUE(RateMember(Full(), Rate(2023, v1::YearlyRating::COMPLETED), Ctx()).ok());
}

TEST(RateMemberTest, RatingsAreOrderedByYear) {
  auto m = RateMember(Full(), Rate(2024, v1::YearlyRating::GOOD), Ctx());
  m = RateMember(*m, Rate(2023, v1::YearlyRating::COMPLETED), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->ratings_size(), 2);
  EXPECT_EQ(m->ratings(0).year(), 2023);
  EXPECT_EQ(m->ratings(1).year(), 2024);
}

TEST(DisciplineMemberTest, AProbationaryMemberOnlyGetsAReprimandOrAWarning) {
  ExpectRule(DisciplineMember(Admitted(),
                              Discipline(v1::DisciplineRecord::DISMISSAL, Day(2023, 9, 1)), Ctx())
                 .status(),
             kDisciplineFormNotAllowed);
  for (auto form : {v1::DisciplineRecord::REPRIMAND, v1::DisciplineRecord::WARNING}) {
    auto m = DisciplineMember(Admitted(), Discipline(form, Day(2023, 9, 1)), Ctx());
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_EQ(m->disciplines(0).form(), form);
    EXPECT_EQ(m->disciplines(0).discipline_id(), "d1");
  }
}

TEST(DisciplineMemberTest, AFullMemberMayBeDismissedFromAPost) {
  auto m =
      DisciplineMember(Full(), Discipline(v1::DisciplineRecord::DISMISSAL, Day(2024, 9, 1)), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  m = DisciplineMember(*m, Discipline(v1::DisciplineRecord::WARNING, Day(2024, 10, 1)), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->disciplines(1).discipline_id(), "d2");
}

TEST(DisciplineMemberTest, AMemberOffTheListsCannotBeDisciplinedHere) {
  auto removed = RemoveMember(Full(), Remove(Day(2024, 6, 1)), Ctx());
  ExpectRule(
      DisciplineMember(*removed, Discipline(v1::DisciplineRecord::WARNING, Day(2024, 9, 1)), Ctx())
          .status(),
      kMemberNotActive);
}

// --- Receiving members ---------------------------------------------------------------------

v1::ReceiveMemberRequest Receive(v1::ReceiveMemberRequest::Kind kind) {
  v1::ReceiveMemberRequest r;
  r.set_parent(testing::kOrg);
  r.set_kind(kind);
  r.set_cell(kCellA);
  *r.mutable_decision() = Decision(Day(2024, 2, 1), "GGT-15");
  *r.mutable_effective_date() = D(2024, 2, 5);
  r.mutable_from_organization()->set_display_name("Đảng bộ phường 3, thành phố Tân An");
  *r.mutable_member() = testing::Profile();
  *r.mutable_admission_date() = D(2015, 4, 1);
  *r.mutable_party_entry_date() = D(2015, 4, 10);
  *r.mutable_full_membership_date() = D(2016, 4, 10);
  return r;
}

TEST(ReceiveMemberTest, AnOfficialTransferInBringsTheMembershipDates) {
  auto m = ReceiveMember(Receive(v1::ReceiveMemberRequest::OFFICIAL), kMemberName, ActiveCell(),
                         nullptr, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::FULL);
  EXPECT_EQ(FormatIso(m->admission_date()), "2015-04-01");
  EXPECT_EQ(FormatIso(m->full_membership_date()), "2016-04-10");
  EXPECT_EQ(m->history(0).kind(), Event::TRANSFERRED_IN);
  // Replaying rebuilds the same dates from the event.
  auto replayed = Replay(*m);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(FormatIso(replayed->admission_date()), "2015-04-01");
}

TEST(ReceiveMemberTest, ATemporaryHostingIsNotCounted) {
  auto m = ReceiveMember(Receive(v1::ReceiveMemberRequest::TEMPORARY), kMemberName, ActiveCell(),
                         nullptr, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->state(), v1::Member::TEMPORARILY_HOSTED);
  EXPECT_EQ(m->temporary_organization().display_name(), "Đảng bộ phường 3, thành phố Tân An");
  auto home = TransferMember(
      *m, Transfer(v1::TransferMemberRequest::TEMPORARY_HOSTING_END, Day(2024, 8, 1)), nullptr,
      Ctx());
  ASSERT_TRUE(home.ok()) << home.status();
  EXPECT_EQ(home->state(), v1::Member::TRANSFERRED_OUT);
}

TEST(ReceiveMemberTest, TheSourceRecordMustBeTransferredToThisOrganization) {
  const std::string source_name = "organizations/hq-tay-ninh/members/nguyen-van-hung";
  auto admit = Admit(Day(2015, 4, 1), Day(2015, 4, 10));
  admit.set_parent("organizations/hq-tay-ninh");
  auto source =
      AdmitMember(admit, source_name, ActiveCell("organizations/hq-tay-ninh/cells/a"), Ctx());
  ASSERT_TRUE(source.ok()) << source.status();
  auto request = Receive(v1::ReceiveMemberRequest::OFFICIAL);
  request.clear_member();
  request.set_source_member(source_name);
  ExpectRule(ReceiveMember(request, kMemberName, ActiveCell(), &*source, Ctx()).status(),
             kSourceMemberNotTransferred);
  // Transferred out to organizations/hq-long-an: received with the copied profile and dates.
  auto out_request = Transfer(v1::TransferMemberRequest::OFFICIAL_OUT, Day(2024, 1, 20));
  out_request.set_name(source_name);
  out_request.mutable_destination()->set_organization(testing::kOrg);
  auto out = TransferMember(*source, out_request, nullptr, Ctx());
  ASSERT_TRUE(out.ok()) << out.status();
  auto m = ReceiveMember(request, kMemberName, ActiveCell(), &*out, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->full_name(), "Nguyễn Văn Hùng");
  EXPECT_EQ(m->state(), v1::Member::PROBATIONARY);  // never recognized in the source record
  EXPECT_EQ(FormatIso(m->party_entry_date()), "2015-04-10");
}

// --- Profile updates (UpdateMember) ---------------------------------------------------------

v1::UpdateMemberRequest Update(std::initializer_list<const char*> paths) {
  v1::UpdateMemberRequest r;
  *r.mutable_member() = testing::Profile();
  r.mutable_member()->set_name(kMemberName);
  for (const char* p : paths) r.mutable_update_mask()->add_paths(p);
  r.set_reason("Bổ sung hồ sơ năm 2024");
  return r;
}

TEST(UpdateMemberProfileTest, RecordsOldAndNewValues) {
  auto request = Update({"position", "education.political_theory"});
  request.mutable_member()->set_position("Phó Chi cục trưởng");
  request.mutable_member()->mutable_education()->set_political_theory("Trung cấp");
  auto m = UpdateMemberProfile(Full(), request, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->position(), "Phó Chi cục trưởng");
  const Event& e = m->history(m->history_size() - 1);
  EXPECT_EQ(e.kind(), Event::PROFILE_UPDATED);
  ASSERT_EQ(e.profile_changes_size(), 2);
  EXPECT_EQ(e.profile_changes(0).field(), "position");
  EXPECT_EQ(e.profile_changes(0).old_value(), "");
  EXPECT_EQ(e.profile_changes(0).new_value(), "Phó Chi cục trưởng");
  EXPECT_EQ(m->state(), v1::Member::FULL);  // lifecycle untouched
}

TEST(UpdateMemberProfileTest, AnIdentityChangeNeedsABasis) {
  auto request = Update({"birth_date"});
  *request.mutable_member()->mutable_birth_date() = D(1990, 6, 16);
  auto m = UpdateMemberProfile(Full(), request, Ctx());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("basis"));
  *request.mutable_basis() = Decision(Day(2025, 1, 2), "15-QĐ/ĐU");
  auto ok = UpdateMemberProfile(Full(), request, Ctx());
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->history(ok->history_size() - 1).profile_changes(0).old_value(), "1990-06-15");
  EXPECT_EQ(ok->history(ok->history_size() - 1).profile_changes(0).new_value(), "1990-06-16");
}

TEST(UpdateMemberProfileTest, TheNationalIdMustStayConsistentWithGender) {
  auto request = Update({"gender"});
  request.mutable_member()->set_gender(v1::Member::FEMALE);
  *request.mutable_basis() = Decision(Day(2025, 1, 2));
  auto m = UpdateMemberProfile(Full(), request, Ctx());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("digit 4 must be 1"));
}

TEST(UpdateMemberProfileTest, StatePathsAreRejected) {
  auto m = UpdateMemberProfile(Full(), Update({"state"}), Ctx());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("\"state\" cannot be updated"));
}

TEST(UpdateMemberProfileTest, NothingChangedAppendsNothing) {
  v1::Member full = Full();
  auto m = UpdateMemberProfile(full, Update({"full_name", "ethnicity"}), Ctx());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->history_size(), full.history_size());
}

TEST(MemberUpdatePathsTest, EmptyMaskMeansEveryPopulatedProfileField) {
  v1::UpdateMemberRequest r;
  r.mutable_member()->set_position("Kiểm tra viên");
  r.mutable_member()->set_state(v1::Member::EXPELLED);  // OUTPUT_ONLY: never an update path
  auto paths = MemberUpdatePaths(r);
  ASSERT_TRUE(paths.ok());
  EXPECT_THAT(*paths, ::testing::ElementsAre("position"));
  r.mutable_update_mask()->add_paths("education");
  paths = MemberUpdatePaths(r);
  EXPECT_THAT(*paths, ::testing::ElementsAre("education.general_education",
                                             "education.professional_qualification",
                                             "education.political_theory"));
  EXPECT_TRUE(IsPiiPath("national_id"));
  EXPECT_FALSE(IsPiiPath("position"));
}

// --- Derived fields -------------------------------------------------------------------------

TEST(FillDerivedTest, PartyAgeCountsFromTheAdmissionDecisionForFullMembers) {
  // Điều lệ Điều 5.4: party age from the date of the admission decision (01/03/2023).
  v1::Member m = Full();
  FillDerived(&m, Day(2026, 2, 28));
  EXPECT_EQ(m.full_name_upper(), "NGUYỄN VĂN HÙNG");
  EXPECT_EQ(m.party_age_years(), 2);
  EXPECT_EQ(m.party_age_months(), 11);
  EXPECT_EQ(FormatIso(m.derived_as_of()), "2026-02-28");
  FillDerived(&m, Day(2026, 3, 1));
  EXPECT_EQ(m.party_age_years(), 3);
  EXPECT_EQ(m.party_age_months(), 0);
}

TEST(FillDerivedTest, AProbationaryMemberHasNoPartyAgeOrBadge) {
  v1::Member m = Admitted();
  FillDerived(&m, Day(2024, 1, 1));
  EXPECT_EQ(m.party_age_years(), 0);
  EXPECT_EQ(m.next_badge_years(), 0);
  EXPECT_FALSE(m.has_next_badge_date());
}

TEST(FillDerivedTest, TheNextBadgeIsThirtyYearsThenEveryFiveAfterForty) {
  auto admit = Admit(Day(1985, 5, 1), Day(1985, 5, 19));
  *admit.mutable_member()->mutable_birth_date() = D(1960, 1, 1);
  admit.mutable_member()->set_national_id("080060001234");
  auto m = AdmitMember(admit, kMemberName, ActiveCell(), Ctx());
  m = RecognizeFullMember(*m, Recognize(Day(1986, 5, 19)), Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  v1::Member member = *m;
  FillDerived(&member, Day(2014, 12, 31));  // 29 years
  EXPECT_EQ(member.next_badge_years(), 30);
  EXPECT_EQ(FormatIso(member.next_badge_date()), "2015-05-01");
  FillDerived(&member, Day(2015, 5, 1));  // reached 30 on that day
  EXPECT_EQ(member.next_badge_years(), 40);
  FillDerived(&member, Day(2025, 5, 1));  // 40
  EXPECT_EQ(member.next_badge_years(), 45);
  EXPECT_EQ(FormatIso(member.next_badge_date()), "2030-05-01");
}

TEST(FillDerivedTest, TimeOutOfThePartyIsNotPartyAge) {
  // Full member from decision 01/03/2023, removed 01/06/2024, readmitted by decision of
  // 01/06/2027: the 36 months out do not count.
  auto m = ReadmitMember(RemovedOn(Day(2024, 6, 1)), Readmit(Day(2027, 6, 1)), ActiveCell(), Ctx());
  ASSERT_TRUE(m.ok());
  v1::Member member = *m;
  FillDerived(&member, Day(2028, 3, 1));
  // In the party 01/03/2023–01/06/2024 (15 months) and 01/06/2027–01/03/2028 (9 months).
  EXPECT_EQ(member.party_age_years(), 2);
  EXPECT_EQ(member.party_age_months(), 0);
  // While out of the party the age stops at the removal date.
  v1::Member removed = RemovedOn(Day(2024, 6, 1));
  FillDerived(&removed, Day(2026, 1, 1));
  EXPECT_EQ(removed.party_age_years(), 1);
  EXPECT_EQ(removed.party_age_months(), 3);
  EXPECT_EQ(removed.next_badge_years(), 0);
}

// --- Positions and headcounts as of a date ------------------------------------------------

TEST(MemberPositionAtTest, FollowsTheHistoryByEffectiveDate) {
  v1::Cell target = ActiveCell(kCellB);
  auto m =
      TransferMember(Full(), Transfer(v1::TransferMemberRequest::OFFICIAL_TO_CELL, Day(2024, 6, 1)),
                     &target, Ctx());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(MemberPositionAt(*m, Day(2023, 3, 9)).state, v1::Member::STATE_UNSPECIFIED);
  MemberPosition p = MemberPositionAt(*m, Day(2023, 3, 10));
  EXPECT_EQ(p.state, v1::Member::PROBATIONARY);
  EXPECT_FALSE(p.full);
  p = MemberPositionAt(*m, Day(2024, 3, 10));
  EXPECT_EQ(p.state, v1::Member::FULL);
  EXPECT_TRUE(p.full);
  EXPECT_EQ(MemberPositionAt(*m, Day(2024, 5, 31)).cell, kCellA);
  EXPECT_EQ(MemberPositionAt(*m, Day(2024, 6, 1)).cell, kCellB);
}

TEST(CellHeadcountTest, BeforeAndAfterATransferAndWithTemporaryHosting) {
  v1::Cell target = ActiveCell(kCellB);
  auto moved =
      TransferMember(Full(), Transfer(v1::TransferMemberRequest::OFFICIAL_TO_CELL, Day(2024, 6, 1)),
                     &target, Ctx());
  ASSERT_TRUE(moved.ok());
  auto other = AdmitMember(Admit(Day(2024, 1, 2), Day(2024, 1, 5)),
                           "organizations/hq-long-an/members/tran-thi-lan", ActiveCell(), Ctx());
  ASSERT_TRUE(other.ok());
  auto away = TransferMember(
      *other, Transfer(v1::TransferMemberRequest::TEMPORARY_OUT, Day(2024, 7, 1)), nullptr, Ctx());
  ASSERT_TRUE(away.ok());
  auto hosted =
      ReceiveMember(Receive(v1::ReceiveMemberRequest::TEMPORARY),
                    "organizations/hq-long-an/members/le-van-tam", ActiveCell(), nullptr, Ctx());
  ASSERT_TRUE(hosted.ok());
  std::vector<const v1::Member*> members = {&*moved, &*away, &*hosted};

  auto before = CellHeadcount(kCellA, Day(2024, 5, 31), members);
  EXPECT_EQ(before.official(), 1);
  EXPECT_EQ(before.probationary(), 1);
  EXPECT_EQ(before.temporarily_away(), 0);
  EXPECT_EQ(before.temporarily_hosted_not_counted(), 1);
  EXPECT_EQ(before.total_counted(), 2);

  auto after = CellHeadcount(kCellA, Day(2024, 7, 1), members);
  EXPECT_EQ(after.official(), 0);
  EXPECT_EQ(after.probationary(), 1);  // away, still counted at home
  EXPECT_EQ(after.temporarily_away(), 1);
  EXPECT_EQ(after.temporarily_hosted_not_counted(), 1);
  EXPECT_EQ(after.total_counted(), 1);

  auto b = CellHeadcount(kCellB, Day(2024, 7, 1), members);
  EXPECT_EQ(b.official(), 1);
  EXPECT_EQ(b.total_counted(), 1);
  EXPECT_EQ(CellHeadcount(kCellB, Day(2024, 5, 31), members).total_counted(), 0);
}

TEST(MoveMemberForMergeTest, MembersOfTheMergedCellMoveTheDayAfter) {
  v1::MergeCellRequest merge;
  merge.set_name(kCellA);
  merge.set_merged_into(kCellB);
  *merge.mutable_decision() = Decision(Day(2024, 12, 20), "88-QĐ/ĐU");
  *merge.mutable_effective_date() = D(2024, 12, 31);
  auto m = MoveMemberForMerge(Full(), merge, Ctx());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->cell(), kCellB);
  EXPECT_EQ(MemberPositionAt(*m, Day(2024, 12, 31)).cell, kCellA);
  EXPECT_EQ(MemberPositionAt(*m, Day(2025, 1, 1)).cell, kCellB);
  merge.set_name(kCellB);  // a member of another cell is not touched
  auto untouched = MoveMemberForMerge(Full(), merge, Ctx());
  EXPECT_EQ(untouched->history_size(), Full().history_size());
}

}  // namespace
}  // namespace records::domain
