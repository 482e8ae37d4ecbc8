#include "common/call_grant.h"

#include <utility>

#include "common/logging.h"

namespace common {
namespace {

absl::string_view Metadata(const grpc::ServerContextBase& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  return it == metadata.end() ? absl::string_view()
                              : absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

CallGrant::CallGrant(const Authorizer* authorizer, const grpc::ServerContextBase& context,
                     absl::string_view method, std::shared_ptr<const Principal> caller)
    : CallGrant(authorizer, Metadata(context, "authorization"),
                Metadata(context, "x-dangbo-principal"), method, std::move(caller)) {}

CallGrant::CallGrant(const Authorizer* authorizer, absl::string_view authorization,
                     absl::string_view principal_hint, absl::string_view method,
                     std::shared_ptr<const Principal> caller)
    : authorizer_(authorizer),
      authorization_(authorization),
      principal_hint_(principal_hint),
      method_(method),
      principal_(std::move(caller)) {}

absl::Status CallGrant::Check() {
  if (!failed_.ok()) return failed_;
  TokenStore* tokens = authorizer_->tokens();
  if (tokens == nullptr) return absl::OkStatus();
  tokens->ReloadIfStale();
  const uint64_t generation = tokens->generation();
  // The first check always decides again: the tokens may have been reloaded between the
  // call's Authorize and this grant, and no generation number tells which ones it saw.
  if (checked_ && generation == generation_) return absl::OkStatus();
  checked_ = true;
  generation_ = generation;
  absl::StatusOr<std::shared_ptr<const Principal>> caller =
      authorizer_->Reauthorize(authorization_, principal_hint_, method_);
  if (!caller.ok()) {
    failed_ = caller.status();
    LogInfo("call ended: its credentials were revoked",
            {{"method", method_},
             {"principal", principal_->name},
             {"code", absl::StatusCodeToString(failed_.code())}});
    return failed_;
  }
  principal_ = *std::move(caller);
  return absl::OkStatus();
}

}  // namespace common
