// Fuzz target: request validation of every RecordsService method (validation.h).
//
// Input: see records_inputs.h. Bytes that do not parse as the method's request are skipped.
// Properties:
//   - Validate() returns OK or INVALID_ARGUMENT, nothing else (and never crashes);
//   - common::CheckRequestText() (the limits every request obeys, run for every call before
//     validation) returns OK or INVALID_ARGUMENT naming fields; when OK, an independent walk
//     finds no string over the size limit and no control or bidirectional formatting
//     character outside what free text may hold; when not, the violation's field is a path
//     that exists in the request's type;
//   - what either error sends (common::ToGrpcStatus) stays within the echo bounds;
//   - NormalizeText() is idempotent, and a valid request stays valid in its stored form;
//   - every input type of RecordsService has a Validate overload here (checked at start-up,
//     so a new RPC without one fails the first run).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/echo_bounds.h"
#include "common/errors.h"
#include "common/grpc_status.h"
#include "common/request_text.h"
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

// The independent reading of request_text.h's rules: is `text` (valid UTF-8: it parsed) a
// string the request may hold in a field of this kind?
bool TextIsAcceptable(absl::string_view text, bool free_text, bool document) {
  if (text.size() > common::kMaxTextBytes && !document) return false;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const int length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t code = length == 1 ? c : c & (0xFF >> (length + 1));
    for (int k = 1; k < length; ++k) {
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    i += length;
    const bool breaks = code == '\n' || code == '\r' || code == '\t';
    if ((code < 0x20 && !(free_text && breaks)) || (code >= 0x7F && code <= 0x9F)) return false;
    if ((code == 0x2028 || code == 0x2029) && !free_text) return false;
    if (code == 0x061C || code == 0x200E || code == 0x200F || (code >= 0x202A && code <= 0x202E) ||
        (code >= 0x2066 && code <= 0x2069)) {
      return false;
    }
  }
  return true;
}

bool IsFreeTextName(const std::string& name) {
  for (const char* n : {"description", "note", "reason", "text", "summary", "violation_summary",
                        "purpose", "content", "conclusion", "remarks", "minutes", "csv"}) {
    if (name == n) return true;
  }
  return false;
}

// Every string of `message`, recursively, is acceptable.
bool AllTextAcceptable(const google::protobuf::Message& message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* f : fields) {
    const int n = f->is_repeated() ? r->FieldSize(message, f) : 1;
    if (f->is_repeated() && static_cast<size_t>(n) > common::kMaxRepeatedElements) return false;
    for (int i = 0; i < n; ++i) {
      if (f->type() == FieldDescriptor::TYPE_STRING) {
        const std::string v =
            f->is_repeated() ? r->GetRepeatedString(message, f, i) : r->GetString(message, f);
        if (!TextIsAcceptable(v, IsFreeTextName(f->name()), f->name() == "csv")) return false;
      } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        if (!AllTextAcceptable(f->is_repeated() ? r->GetRepeatedMessage(message, f, i)
                                                : r->GetMessage(message, f))) {
          return false;
        }
      }
    }
  }
  return true;
}

// True when `path` ("member.aliases[2]") names a field of `type`.
bool PathExists(const google::protobuf::Descriptor* type, absl::string_view path) {
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (type == nullptr) return false;
    const std::string name(part.substr(0, part.find('[')));
    const google::protobuf::FieldDescriptor* f = type->FindFieldByName(name);
    if (f == nullptr) return false;
    type = f->message_type();
  }
  return true;
}

void CheckEchoBounds(const absl::Status& status) {
  const grpc::Status sent = common::ToGrpcStatus(status);
  FUZZ_CHECK(sent.error_message().size() <= common::kMaxErrorMessageBytes)
      << "message of " << sent.error_message().size() << " bytes";
  FUZZ_CHECK(sent.error_details().size() <= common::kMaxErrorDetailsBytes)
      << "details of " << sent.error_details().size() << " bytes";
}

template <typename Request>
void Check(absl::string_view bytes, absl::CivilDay today) {
  Request request;
  if (!request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return;
  const absl::Status text = common::CheckRequestText(request);
  FUZZ_CHECK(text.ok() || text.code() == absl::StatusCode::kInvalidArgument)
      << Request::descriptor()->name() << ": " << text;
  if (text.ok()) {
    FUZZ_CHECK(AllTextAcceptable(request)) << "CheckRequestText accepted what its rules refuse:\n"
                                           << request.DebugString();
  } else {
    FUZZ_CHECK(!AllTextAcceptable(request))
        << "CheckRequestText refused what its rules accept: " << text;
    for (const auto& [field, rule] : common::FieldViolationsOf(text)) {
      FUZZ_CHECK(PathExists(Request::descriptor(), field))
          << "violation names no field of the request: " << field;
    }
    CheckEchoBounds(text);
  }
  const absl::Status status = Validate(request, today);
  FUZZ_CHECK(status.ok() || status.code() == absl::StatusCode::kInvalidArgument)
      << Request::descriptor()->name() << ": " << status;
  CheckEchoBounds(status);

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
      DANGBO_REQUEST(CreateDuesRateTableRequest),
      DANGBO_REQUEST(GetDuesRateTableRequest),
      DANGBO_REQUEST(ListDuesRateTablesRequest),
      DANGBO_REQUEST(CreateDuesBasisRequest),
      DANGBO_REQUEST(ListDuesBasesRequest),
      DANGBO_REQUEST(RecordDuesPaymentRequest),
      DANGBO_REQUEST(ImportDuesPaymentsRequest),
      DANGBO_REQUEST(GetDuesPaymentRequest),
      DANGBO_REQUEST(ListDuesPaymentsRequest),
      DANGBO_REQUEST(RecordDuesRemittanceRequest),
      DANGBO_REQUEST(ListDuesRemittancesRequest),
      DANGBO_REQUEST(GetMemberDuesStatementRequest),
      DANGBO_REQUEST(GetDuesSummaryRequest),
      DANGBO_REQUEST(CreateMeetingRequest),
      DANGBO_REQUEST(GetMeetingRequest),
      DANGBO_REQUEST(ListMeetingsRequest),
      DANGBO_REQUEST(UpdateMeetingRequest),
      DANGBO_REQUEST(GetCellMeetingSummaryRequest),
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
