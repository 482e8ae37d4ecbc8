#include "common/cancellation.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "common/metrics.h"

namespace common {
namespace {

struct StopCounters {
  Counter& cancelled;
  Counter& deadline_exceeded;
};

// Both series exist (at zero) from the first Cancellation on.
StopCounters& Counters() {
  static StopCounters* const counters = [] {
    constexpr absl::string_view kName = "dangbo_calls_stopped_total";
    constexpr absl::string_view kHelp =
        "Calls whose work stopped early because the call was cancelled or its deadline passed.";
    MetricsRegistry& registry = MetricsRegistry::Default();
    return new StopCounters{registry.AddCounter(kName, kHelp, {{"reason", "cancelled"}}),
                            registry.AddCounter(kName, kHelp, {{"reason", "deadline_exceeded"}})};
  }();
  return *counters;
}

}  // namespace

Cancellation::Cancellation(const grpc::ServerContextBase* context, int check_every)
    : context_(context), check_every_(check_every > 0 ? check_every : 1) {
  Counters();
  if (context_ != nullptr) {
    const std::chrono::system_clock::time_point deadline = context_->deadline();
    if (deadline != std::chrono::system_clock::time_point::max()) {
      deadline_ = absl::FromChrono(deadline);
    }
  }
}

Cancellation::Cancellation(std::function<bool()> cancelled, absl::Time deadline, int check_every)
    : cancelled_(std::move(cancelled)),
      deadline_(deadline),
      check_every_(check_every > 0 ? check_every : 1) {
  Counters();
}

absl::Status Cancellation::Check() {
  if (!stopped_.ok()) return stopped_;
  // The deadline first: an expired call is cancelled too, and "deadline passed" says why.
  if (deadline_ != absl::InfiniteFuture() && absl::Now() > deadline_) {
    Counters().deadline_exceeded.Increment();
    stopped_ =
        WithReason(absl::DeadlineExceededError(absl::StrCat(
                       "the call's deadline passed; stopped after ", total_ticks_, " steps")),
                   "DEADLINE_EXCEEDED");
    return stopped_;
  }
  const bool cancelled =
      (context_ != nullptr && context_->IsCancelled()) || (cancelled_ != nullptr && cancelled_());
  if (cancelled) {
    Counters().cancelled.Increment();
    stopped_ = WithReason(
        absl::CancelledError(absl::StrCat("the call was cancelled (the client went away or the "
                                          "server is shutting down); stopped after ",
                                          total_ticks_, " steps")),
        "CALL_CANCELLED");
    return stopped_;
  }
  return absl::OkStatus();
}

}  // namespace common
