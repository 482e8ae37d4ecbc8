// Fuzz target: the member lifecycle (member_rules.h) on a fuzzed stored Member, a fuzzed Cell
// and a fuzzed request of the operation's type.
//
// Input: see records_inputs.h. The request must pass Validate() first, as the functions'
// contract requires (the handlers always validate); the stored member and cell are taken as
// they come (a damaged record must not crash the server).
// Properties:
//   - every function returns OK or a clean error: INVALID_ARGUMENT, FAILED_PRECONDITION,
//     ALREADY_EXISTS or NOT_FOUND;
//   - the history is append-only: an OK result keeps the input's events unchanged, in order,
//     and appends exactly one event (none or one for UpdateMemberProfile, MoveMemberForMerge);
//   - Replay, EffectiveEvent, FillDerived, MemberPositionAt and CellHeadcount never crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/records/domain/member_rules.h"
#include "services/records/domain/validation.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/records_inputs.h"

namespace {

namespace v1 = ::dangbo::records::v1;
using google::protobuf::util::MessageDifferencer;
namespace domain = ::records::domain;

constexpr char kMemberName[] = "organizations/hq-long-an/members/fuzz";

// How many events an OK result may append.
struct Appended {
  int min = 1;
  int max = 1;
};

void CheckClean(const absl::Status& status, const char* operation) {
  const absl::StatusCode code = status.code();
  FUZZ_CHECK(code == absl::StatusCode::kInvalidArgument ||
             code == absl::StatusCode::kFailedPrecondition ||
             code == absl::StatusCode::kAlreadyExists || code == absl::StatusCode::kNotFound)
      << operation << " returned an unexpected error: " << status;
}

void CheckResult(const char* operation, const v1::Member& before,
                 const absl::StatusOr<v1::Member>& after, Appended appended) {
  if (!after.ok()) {
    CheckClean(after.status(), operation);
    return;
  }
  const int added = after->history_size() - before.history_size();
  FUZZ_CHECK(added >= appended.min && added <= appended.max)
      << operation << " appended " << added << " events";
  for (int i = 0; i < before.history_size(); ++i) {
    FUZZ_CHECK(MessageDifferencer::Equals(before.history(i), after->history(i)))
        << operation << " rewrote event " << i << ":\n"
        << before.history(i).DebugString() << "\nbecame\n"
        << after->history(i).DebugString();
  }
}

// Parses the request and validates it; nullopt when either fails.
template <typename Request>
std::optional<Request> ValidRequest(absl::string_view bytes, absl::CivilDay today) {
  Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  if (!domain::Validate(request, today).ok()) return std::nullopt;
  return request;
}

// The read-only functions over a (possibly nonsensical) member.
void Inspect(const v1::Member& member, const v1::Cell& cell, absl::CivilDay today) {
  absl::StatusOr<v1::Member> replayed = domain::Replay(member);
  if (!replayed.ok()) CheckClean(replayed.status(), "Replay");
  for (const v1::LifecycleEvent& event : member.history()) {
    absl::StatusOr<v1::LifecycleEvent> effective = domain::EffectiveEvent(member, event.event_id());
    if (!effective.ok()) CheckClean(effective.status(), "EffectiveEvent");
  }
  v1::Member derived = replayed.ok() ? *replayed : member;
  domain::FillDerived(&derived, today);
  domain::MemberPositionAt(member, today);
  domain::CellHeadcount(cell.name(), today, {&member, &derived});
}

enum Operation : uint8_t {
  kAdmit,
  kImport,
  kReceive,
  kRecognize,
  kTransfer,
  kMoveForMerge,
  kRemove,
  kExpel,
  kDeath,
  kReadmit,
  kCorrect,
  kRate,
  kDiscipline,
  kUpdateProfile,
  kInspect,
  kOperationCount,
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in(data, size);
  const uint8_t operation = in.Byte() % kOperationCount;
  const absl::CivilDay today = in.Today();
  v1::Member member;
  const absl::string_view member_bytes = in.Sized();
  if (!member.ParseFromArray(member_bytes.data(), static_cast<int>(member_bytes.size()))) {
    return 0;
  }
  v1::Cell cell;
  const absl::string_view cell_bytes = in.Sized();
  if (!cell.ParseFromArray(cell_bytes.data(), static_cast<int>(cell_bytes.size()))) return 0;
  const absl::string_view request = in.Rest();

  domain::EventContext context;
  context.principal = "fuzz@hq-long-an";
  context.record_time.set_seconds(1767225600);  // 2026-01-01T00:00:00Z

  switch (operation) {
    case kAdmit:
      if (auto r = ValidRequest<v1::AdmitMemberRequest>(request, today)) {
        CheckResult("AdmitMember", v1::Member(),
                    domain::AdmitMember(*r, kMemberName, cell, context), {1, 1});
      }
      break;
    case kImport:
      if (auto r = ValidRequest<v1::ImportMemberRow>(request, today)) {
        CheckResult(
            "ImportMember", v1::Member(),
            domain::ImportMember(*r, "organizations/hq-long-an", kMemberName, cell, context),
            {1, 2});
      }
      break;
    case kReceive:
      if (auto r = ValidRequest<v1::ReceiveMemberRequest>(request, today)) {
        // The source record is the fuzzed member when it has a history.
        const v1::Member* source = member.history_size() > 0 ? &member : nullptr;
        CheckResult("ReceiveMember", v1::Member(),
                    domain::ReceiveMember(*r, kMemberName, cell, source, context), {1, 1});
      }
      break;
    case kRecognize:
      if (auto r = ValidRequest<v1::RecognizeFullMemberRequest>(request, today)) {
        CheckResult("RecognizeFullMember", member, domain::RecognizeFullMember(member, *r, context),
                    {1, 1});
      }
      break;
    case kTransfer:
      if (auto r = ValidRequest<v1::TransferMemberRequest>(request, today)) {
        const v1::Cell* target = cell.name().empty() ? nullptr : &cell;
        CheckResult("TransferMember", member, domain::TransferMember(member, *r, target, context),
                    {1, 1});
      }
      break;
    case kMoveForMerge:
      if (auto r = ValidRequest<v1::MergeCellRequest>(request, today)) {
        CheckResult("MoveMemberForMerge", member, domain::MoveMemberForMerge(member, *r, context),
                    {0, 1});
      }
      break;
    case kRemove:
      if (auto r = ValidRequest<v1::RemoveMemberRequest>(request, today)) {
        CheckResult("RemoveMember", member, domain::RemoveMember(member, *r, context), {1, 1});
      }
      break;
    case kExpel:
      if (auto r = ValidRequest<v1::ExpelMemberRequest>(request, today)) {
        CheckResult("ExpelMember", member, domain::ExpelMember(member, *r, context), {1, 1});
      }
      break;
    case kDeath:
      if (auto r = ValidRequest<v1::RecordMemberDeathRequest>(request, today)) {
        CheckResult("RecordMemberDeath", member, domain::RecordMemberDeath(member, *r, context),
                    {1, 1});
      }
      break;
    case kReadmit:
      if (auto r = ValidRequest<v1::ReadmitMemberRequest>(request, today)) {
        CheckResult("ReadmitMember", member, domain::ReadmitMember(member, *r, cell, context),
                    {1, 1});
      }
      break;
    case kCorrect:
      if (auto r = ValidRequest<v1::CorrectMemberEventRequest>(request, today)) {
        CheckResult("CorrectMemberEvent", member, domain::CorrectMemberEvent(member, *r, context),
                    {1, 1});
      }
      break;
    case kRate:
      if (auto r = ValidRequest<v1::RateMemberRequest>(request, today)) {
        CheckResult("RateMember", member, domain::RateMember(member, *r, context), {1, 1});
      }
      break;
    case kDiscipline:
      if (auto r = ValidRequest<v1::DisciplineMemberRequest>(request, today)) {
        CheckResult("DisciplineMember", member, domain::DisciplineMember(member, *r, context),
                    {1, 1});
      }
      break;
    case kUpdateProfile:
      if (auto r = ValidRequest<v1::UpdateMemberRequest>(request, today)) {
        absl::StatusOr<std::vector<std::string>> paths = domain::MemberUpdatePaths(*r);
        if (!paths.ok()) CheckClean(paths.status(), "MemberUpdatePaths");
        CheckResult("UpdateMemberProfile", member, domain::UpdateMemberProfile(member, *r, context),
                    {0, 1});
      }
      break;
    case kInspect:
    default:
      break;
  }
  Inspect(member, cell, today);
  return 0;
}
