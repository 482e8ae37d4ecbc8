#include "common/correlation.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace common {
namespace {

// Per thread: ids need to be unique, not unpredictable, and a call must not take a lock.
uint64_t Random64() {
  thread_local std::mt19937_64 engine(std::random_device{}());
  return engine();
}

void AppendHex(uint64_t value, int digits, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(value >> (4 * i)) & 0xf]);
}

// `digits` lower-case hex digits, not all zero: a new id.
std::string NewHexId(int digits) {
  std::string id;
  while (id.empty() || id.find_first_not_of('0') == std::string::npos) {
    id.clear();
    for (int left = digits; left > 0; left -= 16) AppendHex(Random64(), std::min(left, 16), &id);
  }
  return id;
}

bool IsLowerHex(absl::string_view text) {
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) { return text.find_first_not_of('0') == text.npos; }

struct Shard {
  absl::Mutex mu;
  absl::flat_hash_map<const grpc::ServerContextBase*, std::shared_ptr<CallCorrelation>> calls
      ABSL_GUARDED_BY(mu);
};

Shard& ShardOf(const grpc::ServerContextBase* context) {
  static auto* shards = new std::array<Shard, 16>();
  return (*shards)[absl::Hash<const void*>()(context) % shards->size()];
}

}  // namespace

bool IsValidRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

std::string NewRequestId() {
  const uint64_t high = (Random64() & ~uint64_t{0xf000}) | 0x4000;                     // version 4
  const uint64_t low = (Random64() & ~(uint64_t{0xc} << 60)) | (uint64_t{0x8} << 60);  // variant
  std::string id;
  id.reserve(36);
  AppendHex(high >> 32, 8, &id);
  id.push_back('-');
  AppendHex(high >> 16, 4, &id);
  id.push_back('-');
  AppendHex(high, 4, &id);
  id.push_back('-');
  AppendHex(low >> 48, 4, &id);
  id.push_back('-');
  AppendHex(low, 12, &id);
  return id;
}

std::optional<TraceContext> ParseTraceparent(absl::string_view header) {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  if (header.size() < 55 || header[2] != '-' || header[35] != '-' || header[52] != '-') {
    return std::nullopt;
  }
  const absl::string_view version = header.substr(0, 2);
  const absl::string_view trace_id = header.substr(3, 32);
  const absl::string_view parent_id = header.substr(36, 16);
  const absl::string_view flags = header.substr(53, 2);
  if (!IsLowerHex(version) || version == "ff" || !IsLowerHex(trace_id) || !IsLowerHex(parent_id) ||
      !IsLowerHex(flags) || AllZero(trace_id) || AllZero(parent_id)) {
    return std::nullopt;
  }
  // Version 00 is exactly 55 characters; a later version may append "-..." fields.
  if (header.size() > 55 && (version == "00" || header[55] != '-')) return std::nullopt;
  return TraceContext{std::string(trace_id), std::string(parent_id), std::string(flags)};
}

TraceContext NewTrace() { return TraceContext{NewHexId(32), NewHexId(16), "00"}; }

std::string FormatTraceparent(const TraceContext& trace) {
  return absl::StrCat("00-", trace.trace_id, "-", trace.parent_id, "-", trace.flags);
}

CallCorrelation::CallCorrelation(absl::string_view request_id, absl::string_view traceparent) {
  if (IsValidRequestId(request_id)) {
    request_id_ = std::string(request_id);
  } else {
    request_id_replaced_ = !request_id.empty();
    request_id_ = NewRequestId();
  }
  std::optional<TraceContext> trace = ParseTraceparent(traceparent);
  trace_ = trace.has_value() ? *std::move(trace) : NewTrace();
}

void CallCorrelation::SetPrincipal(const Principal& principal) {
  absl::MutexLock lock(&mu_);
  principal_ = principal.name;
  roles_ = absl::StrJoin(principal.roles, ",");
}

std::string CallCorrelation::principal() const {
  absl::MutexLock lock(&mu_);
  return principal_;
}

std::string CallCorrelation::roles() const {
  absl::MutexLock lock(&mu_);
  return roles_;
}

void OpenCall(const grpc::ServerContextBase* context,
              std::shared_ptr<CallCorrelation> correlation) {
  Shard& shard = ShardOf(context);
  absl::MutexLock lock(&shard.mu);
  shard.calls[context] = std::move(correlation);
}

void CloseCall(const grpc::ServerContextBase* context) {
  Shard& shard = ShardOf(context);
  absl::MutexLock lock(&shard.mu);
  shard.calls.erase(context);
}

std::shared_ptr<CallCorrelation> CorrelationOf(const grpc::ServerContextBase& context) {
  Shard& shard = ShardOf(&context);
  absl::MutexLock lock(&shard.mu);
  auto it = shard.calls.find(&context);
  return it == shard.calls.end() ? nullptr : it->second;
}

void NoteCallPrincipal(const grpc::ServerContextBase& context, const Principal& principal) {
  if (std::shared_ptr<CallCorrelation> call = CorrelationOf(context)) {
    call->SetPrincipal(principal);
  }
}

void PropagateCorrelation(const grpc::ServerContextBase& context, grpc::ClientContext* client) {
  std::shared_ptr<CallCorrelation> call = CorrelationOf(context);
  if (call == nullptr) {
    StartCorrelation(client);
    return;
  }
  client->AddMetadata(kRequestIdHeader, call->request_id());
  TraceContext next = call->trace();
  next.parent_id = NewHexId(16);
  client->AddMetadata(kTraceparentHeader, FormatTraceparent(next));
}

std::string StartCorrelation(grpc::ClientContext* client) {
  std::string id = NewRequestId();
  client->AddMetadata(kRequestIdHeader, id);
  client->AddMetadata(kTraceparentHeader, FormatTraceparent(NewTrace()));
  return id;
}

}  // namespace common
