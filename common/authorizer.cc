#include "common/authorizer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/correlation.h"
#include "common/errors.h"
#include "common/permissions.h"
#include "common/request_text.h"
#include "common/status_macros.h"
#include "grpc/grpc_security_constants.h"

namespace common {
namespace {

absl::string_view Metadata(const grpc::ServerContextBase& context, absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) {
    return {};
  }
  return absl::string_view(it->second.data(), it->second.size());
}

// The development principal a caller may name itself (it is written to audit entries).
constexpr size_t kMaxPrincipalNameBytes = 64;
bool IsPrincipalName(absl::string_view name) {
  if (name.empty()) return true;  // "anonymous"
  if (name.size() > kMaxPrincipalNameBytes) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '@' && c != '-') return false;
  }
  return true;
}

}  // namespace

std::shared_ptr<const Principal> AllPermissions(std::string name) {
  auto p = std::make_shared<Principal>();
  p->name = std::move(name);
  p->roles = {"admin"};
  const std::set<std::string> admin = *RolePermissions("admin");
  p->permissions.insert(admin.begin(), admin.end());
  return p;
}

namespace {

// Without a token store: "anonymous" (one, shared) or the name the caller gave.
std::shared_ptr<const Principal> DevelopmentPrincipal(absl::string_view hint) {
  static const std::shared_ptr<const Principal>* const anonymous =
      new std::shared_ptr<const Principal>(AllPermissions("anonymous"));
  return hint.empty() ? *anonymous : AllPermissions(std::string(hint));
}

}  // namespace

Authorizer::Authorizer(std::string service, std::shared_ptr<TokenStore> tokens,
                       std::shared_ptr<RateLimiter> limiter)
    : service_(std::move(service)), tokens_(std::move(tokens)), limiter_(std::move(limiter)) {}

absl::StatusOr<std::shared_ptr<const Principal>> Authorizer::Authorize(
    const grpc::ServerContextBase& context, absl::string_view method,
    const google::protobuf::Message& request) const {
  ASSIGN_OR_RETURN(std::shared_ptr<const Principal> caller, AuthorizeStream(context, method));
  RETURN_IF_ERROR(CheckRequestText(request));
  return caller;
}

absl::StatusOr<std::shared_ptr<const Principal>> Authorizer::AuthorizeStream(
    const grpc::ServerContextBase& context, absl::string_view method) const {
  if (require_tls_) {
    const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
    const auto transport =
        auth == nullptr ? std::vector<grpc::string_ref>()
                        : auth->FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
    // TlsServerCredentials report "tls", SslServerCredentials "ssl".
    const bool secure =
        !transport.empty() && (transport.front() == GRPC_TLS_TRANSPORT_SECURITY_TYPE ||
                               transport.front() == GRPC_SSL_TRANSPORT_SECURITY_TYPE);
    if (!secure) {
      return WithReason(
          absl::PermissionDeniedError("this port answers health checks only; call the TLS port"),
          "TLS_REQUIRED");
    }
  }
  absl::StatusOr<std::shared_ptr<const Principal>> caller = AuthorizeHeader(
      Metadata(context, "authorization"), Metadata(context, "x-dangbo-principal"), method);
  if (caller.ok()) NoteCallPrincipal(context, **caller);  // for the call's rpc log line
  return caller;
}

absl::StatusOr<std::shared_ptr<const Principal>> Authorizer::AuthorizeHeader(
    absl::string_view authorization, absl::string_view principal_hint,
    absl::string_view method) const {
  return Check(authorization, principal_hint, method, limiter_.get());
}

absl::StatusOr<std::shared_ptr<const Principal>> Authorizer::Reauthorize(
    absl::string_view authorization, absl::string_view principal_hint,
    absl::string_view method) const {
  return Check(authorization, principal_hint, method, nullptr);
}

absl::StatusOr<std::shared_ptr<const Principal>> Authorizer::Check(absl::string_view authorization,
                                                                   absl::string_view principal_hint,
                                                                   absl::string_view method,
                                                                   RateLimiter* limiter) const {
  const std::string full_method = absl::StrCat("/", service_, "/", method);
  absl::StatusOr<std::string> permission = PermissionFor(full_method);
  if (!permission.ok()) {
    // A method nobody listed is closed, not open.
    return WithReason(
        absl::PermissionDeniedError(absl::StrCat(full_method, " has no permission entry; refused")),
        "METHOD_NOT_LISTED");
  }
  if (tokens_ == nullptr && !IsPrincipalName(principal_hint)) {
    return WithReason(absl::UnauthenticatedError(absl::StrCat("x-dangbo-principal must be 1 to ",
                                                              kMaxPrincipalNameBytes,
                                                              " characters of [A-Za-z0-9._@-]")),
                      "UNAUTHENTICATED");
  }
  absl::StatusOr<std::shared_ptr<const Principal>> caller =
      tokens_ == nullptr ? DevelopmentPrincipal(principal_hint)
                         : tokens_->Authenticate(authorization);
  if (!caller.ok()) {
    return WithReason(caller.status(), "UNAUTHENTICATED");
  }
  if (limiter != nullptr) {
    RETURN_IF_ERROR(limiter->Acquire((*caller)->name));
  }
  if (!permission->empty() && !(*caller)->Has(*permission)) {
    return WithReason(absl::PermissionDeniedError(absl::StrCat(method, " needs the \"", *permission,
                                                               "\" permission, which ",
                                                               (*caller)->name, " does not have")),
                      "PERMISSION_DENIED",
                      {{"permission", *permission}, {"method", std::string(method)}});
  }
  return caller;
}

}  // namespace common
