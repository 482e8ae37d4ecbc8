// Fuzz target: request validation of every RecordsService method (validation.h).
//
// Input: see records_inputs.h. Bytes that do not parse as the method's request are skipped.
// Properties:
//   - Validate() returns OK or INVALID_ARGUMENT, nothing else (and never crashes);
//   - NormalizeText() is idempotent, and a valid request stays valid in its stored form;
//   - every input type of RecordsService has a Validate overload here (checked at start-up,
//     so a new RPC without one fails the first run).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "dangbo/records/v1/records_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/records/domain/validation.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/records_inputs.h"

namespace {

namespace v1 = ::dangbo::records::v1;
using google::protobuf::util::MessageDifferencer;
using records::domain::NormalizeText;
using records::domain::Validate;

using Checker = void (*)(absl::string_view bytes, absl::CivilDay today);

template <typename Request>
void Check(absl::string_view bytes, absl::CivilDay today) {
  Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const absl::Status status = Validate(request, today);
  FUZZ_CHECK(status.ok() || status.code() == absl::StatusCode::kInvalidArgument)
      << Request::descriptor()->name() << ": " << status;

  Request stored = request;
  if (!NormalizeText(&stored).ok()) return;
  Request twice = stored;
  const absl::Status again = NormalizeText(&twice);
  FUZZ_CHECK(again.ok()) << again;
  FUZZ_CHECK(MessageDifferencer::Equals(stored, twice)) << "NormalizeText is not idempotent:\n"
                                                        << stored.DebugString() << "\nthen\n"
                                                        << twice.DebugString();
  if (status.ok()) {
    const absl::Status stored_status = Validate(stored, today);
    FUZZ_CHECK(stored_status.ok())
        << "valid request invalid once normalized: " << stored_status << "\nrequest:\n"
        << request.DebugString() << "\nstored form:\n"
        << stored.DebugString();
  }
}

#define DANGBO_REQUEST(T) \
  { v1::T::descriptor()->full_name(), &Check<v1::T> }

const std::map<std::string, Checker>& Checkers() {
  static const auto* checkers = new std::map<std::string, Checker>{
      DANGBO_REQUEST(CreateOrganizationRequest),
      DANGBO_REQUEST(GetOrganizationRequest),
      DANGBO_REQUEST(ListOrganizationsRequest),
      DANGBO_REQUEST(UpdateOrganizationRequest),
      DANGBO_REQUEST(CloseOrganizationRequest),
      DANGBO_REQUEST(CreateCellRequest),
      DANGBO_REQUEST(GetCellRequest),
      DANGBO_REQUEST(ListCellsRequest),
      DANGBO_REQUEST(UpdateCellRequest),
      DANGBO_REQUEST(MergeCellRequest),
      DANGBO_REQUEST(DissolveCellRequest),
      DANGBO_REQUEST(SetCellCommitteeRequest),
      DANGBO_REQUEST(RateCellRequest),
      DANGBO_REQUEST(GetCellHeadcountRequest),
      DANGBO_REQUEST(GetMemberRequest),
      DANGBO_REQUEST(ListMembersRequest),
      DANGBO_REQUEST(UpdateMemberRequest),
      DANGBO_REQUEST(AdmitMemberRequest),
      DANGBO_REQUEST(ReceiveMemberRequest),
      DANGBO_REQUEST(RecognizeFullMemberRequest),
      DANGBO_REQUEST(TransferMemberRequest),
      DANGBO_REQUEST(RemoveMemberRequest),
      DANGBO_REQUEST(ExpelMemberRequest),
      DANGBO_REQUEST(RecordMemberDeathRequest),
      DANGBO_REQUEST(ReadmitMemberRequest),
      DANGBO_REQUEST(CorrectMemberEventRequest),
      DANGBO_REQUEST(RateMemberRequest),
      DANGBO_REQUEST(DisciplineMemberRequest),
      DANGBO_REQUEST(ImportMembersRequest),
      DANGBO_REQUEST(ExportMembersRequest),
      DANGBO_REQUEST(CreateInspectionPlanRequest),
      DANGBO_REQUEST(GetInspectionPlanRequest),
      DANGBO_REQUEST(ListInspectionPlansRequest),
      DANGBO_REQUEST(UpdateInspectionPlanRequest),
      DANGBO_REQUEST(NotifyInspectionItemRequest),
      DANGBO_REQUEST(StartInspectionItemRequest),
      DANGBO_REQUEST(ConcludeInspectionItemRequest),
      DANGBO_REQUEST(CloseInspectionItemRequest),
      DANGBO_REQUEST(CancelInspectionItemRequest),
      DANGBO_REQUEST(UpdateRecommendationRequest),
      DANGBO_REQUEST(WatchChangesRequest),
      DANGBO_REQUEST(GetChangeLogStateRequest),
      DANGBO_REQUEST(ListAuditEventsRequest),
  };
  return *checkers;
}

#undef DANGBO_REQUEST

// The checker of each method, in the service's order.
const std::vector<Checker>& MethodCheckers() {
  static const auto* methods = [] {
    auto* out = new std::vector<Checker>;
    const google::protobuf::ServiceDescriptor* service =
        v1::GetMemberRequest::descriptor()->file()->FindServiceByName("RecordsService");
    FUZZ_CHECK(service != nullptr) << "records_service.proto declares no RecordsService";
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string& input = service->method(i)->input_type()->full_name();
      auto it = Checkers().find(input);
      FUZZ_CHECK(it != Checkers().end())
          << "no Validate overload registered for " << input << " (" << service->method(i)->name()
          << "): add it to records_request_fuzzer.cc";
      out->push_back(it->second);
    }
    return out;
  }();
  return *methods;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  MethodCheckers();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteReader in(data, size);
  const std::vector<Checker>& methods = MethodCheckers();
  const Checker check = methods[in.Byte() % methods.size()];
  const absl::CivilDay today = in.Today();
  check(in.Rest(), today);
  return 0;
}
