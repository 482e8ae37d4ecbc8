#include "tests/integration/analytics_fake_records.h"

#include <chrono>
#include <type_traits>

#include "absl/strings/match.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/records/domain/member_rules.h"

namespace analytics_testing {

using ::google::protobuf::util::TimeUtil;

// A change stream: registered with the fake, woken up by new appends.
class FakeRecords::Watch {
 public:
  virtual ~Watch() = default;
  virtual void Pump() = 0;
  virtual void Fail(grpc::Status status) = 0;
};

namespace {

// The events in the fake's batches at most: small, so a stream of a few events still
// arrives in several batches.
constexpr int kFakeBatchEvents = 3;

}  // namespace

// One WatchChanges (ChangeEvent) or WatchChangeBatches (ChangeBatch) stream: writes the log
// from the resume point, then a heartbeat whenever it has caught up with the head; new
// appends wake it up.
template <typename Message>
class FakeRecords::WatchStream final : public FakeRecords::Watch,
                                       public grpc::ServerWriteReactor<Message> {
  static constexpr bool kBatches = std::is_same_v<Message, records::ChangeBatch>;

 public:
  WatchStream(FakeRecords* fake, uint64_t start_after) : fake_(fake), next_(start_after + 1) {
    absl::MutexLock lock(&fake_->watchers_mu_);
    fake_->watchers_.insert(this);
  }
  void Fail(grpc::Status status) override {
    absl::MutexLock lock(&mu_);
    finished_ = true;
    this->Finish(status);
  }
  // Sends what is due, if no write is in flight.
  void Pump() override {
    absl::MutexLock lock(&mu_);
    if (writing_ || finished_) return;
    absl::MutexLock log_lock(&fake_->log_mu_);
    records::ChangeEvent* event;
    if constexpr (kBatches) {
      out_.Clear();
      event = out_.add_events();
    } else {
      event = &out_;
    }
    if (next_ <= fake_->head_) {
      for (int n = 0; n < (kBatches ? kFakeBatchEvents : 1) && next_ <= fake_->head_; ++n) {
        auto it = fake_->log_.find(next_);
        if (it == fake_->log_.end()) {  // trimmed under the stream
          finished_ = true;
          this->Finish(grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "CHANGE_LOG_TRIMMED"));
          return;
        }
        if (n > 0) event = NextSlot();
        *event = it->second;
        ++next_;
      }
    } else if (heartbeat_sent_for_ != fake_->head_) {
      event->Clear();
      event->set_heartbeat(true);
      event->set_sequence(fake_->head_);
      *event->mutable_commit_time() = TimeUtil::GetCurrentTime();
      heartbeat_sent_for_ = fake_->head_;
    } else {
      return;
    }
    writing_ = true;
    this->StartWrite(&out_);
  }
  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok && !finished_) {
        finished_ = true;
        this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
        return;
      }
    }
    Pump();
  }
  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    if (!finished_) {
      finished_ = true;
      this->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }
  }
  void OnDone() override {
    {
      absl::MutexLock lock(&fake_->watchers_mu_);
      fake_->watchers_.erase(this);
    }
    delete this;
  }

 private:
  records::ChangeEvent* NextSlot() {
    if constexpr (kBatches) {
      return out_.add_events();
    } else {
      return &out_;
    }
  }

  FakeRecords* fake_;
  absl::Mutex mu_;
  uint64_t next_;
  uint64_t heartbeat_sent_for_ = UINT64_MAX;
  bool writing_ = false;
  bool finished_ = false;
  Message out_;
};

FakeRecords::FakeRecords() = default;
FakeRecords::~FakeRecords() { Stop(); }

void FakeRecords::Start(int port) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
}

void FakeRecords::Stop() {
  if (server_ == nullptr) return;
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server_->Wait();
  server_.reset();
}

uint64_t FakeRecords::Append(records::ChangeEvent event) {
  {
    absl::MutexLock lock(&log_mu_);
    event.set_sequence(++head_);
    *event.mutable_commit_time() = TimeUtil::GetCurrentTime();
    event.set_change_kind(latest_.count(event.resource_name()) ? records::ChangeEvent::UPDATED
                                                               : records::ChangeEvent::CREATED);
    latest_[event.resource_name()] = event;
    last_commit_time_ = event.commit_time();
    log_[event.sequence()] = event;
  }
  absl::MutexLock lock(&watchers_mu_);
  for (Watch* watch : watchers_) watch->Pump();
  return event.sequence();
}

uint64_t FakeRecords::Put(const records::Organization& o) {
  records::ChangeEvent e;
  e.set_resource_name(o.name());
  e.set_resource_type(records::ChangeEvent::ORGANIZATION);
  *e.mutable_organization() = o;
  return Append(std::move(e));
}
uint64_t FakeRecords::Put(const records::Cell& c) {
  records::ChangeEvent e;
  e.set_resource_name(c.name());
  e.set_resource_type(records::ChangeEvent::CELL);
  *e.mutable_cell() = c;
  return Append(std::move(e));
}
namespace {

// Scripted members are shorthand (event kinds, effective dates, states after); Put() sends
// them as records would: an official arrival into FULL carries a full membership from its
// date, and Member.statistics is what records' domain rules make of the history.
records::Member AsRecordsSendsIt(records::Member m) {
  for (records::LifecycleEvent& e : *m.mutable_history()) {
    if (e.kind() == records::LifecycleEvent::TRANSFERRED_IN &&
        e.state_after() == records::Member::FULL &&
        !e.carried_membership().has_full_membership_date()) {
      *e.mutable_carried_membership()->mutable_full_membership_date() = e.effective_date();
    }
  }
  if (!m.has_statistics()) ::records::domain::SetStatistics(&m);
  return m;
}

}  // namespace

uint64_t FakeRecords::Put(const records::Member& scripted) {
  const records::Member m = AsRecordsSendsIt(scripted);
  records::ChangeEvent e;
  e.set_resource_name(m.name());
  e.set_resource_type(records::ChangeEvent::MEMBER);
  if (m.history_size() > 0) {
    e.set_member_event_kind(m.history(m.history_size() - 1).kind());
    e.set_member_event_id(m.history(m.history_size() - 1).event_id());
  }
  *e.mutable_member() = m;
  return Append(std::move(e));
}
uint64_t FakeRecords::Put(const records::InspectionPlan& p) {
  records::ChangeEvent e;
  e.set_resource_name(p.name());
  e.set_resource_type(records::ChangeEvent::INSPECTION_PLAN);
  *e.mutable_inspection_plan() = p;
  return Append(std::move(e));
}

void FakeRecords::Trim(uint64_t last_dropped) {
  absl::MutexLock lock(&log_mu_);
  log_.erase(log_.begin(), log_.upper_bound(last_dropped));
  first_retained_ = last_dropped + 1;
}

void FakeRecords::SetLogId(std::string log_id) {
  absl::MutexLock lock(&log_mu_);
  log_id_ = std::move(log_id);
}

uint64_t FakeRecords::head() const {
  absl::MutexLock lock(&log_mu_);
  return head_;
}

int FakeRecords::list_calls() const {
  absl::MutexLock lock(&log_mu_);
  return list_calls_;
}

template <typename Message>
grpc::ServerWriteReactor<Message>* FakeRecords::OpenWatch(
    const records::WatchChangesRequest& request) {
  auto* watch = new WatchStream<Message>(this, request.start_after_sequence());
  std::string error;
  {
    absl::MutexLock lock(&log_mu_);
    if (!request.log_id().empty() && request.log_id() != log_id_) {
      error = "CHANGE_LOG_ID_MISMATCH";
    } else if (request.start_after_sequence() + 1 < first_retained_) {
      error = "CHANGE_LOG_TRIMMED";
    } else if (request.start_after_sequence() > head_) {
      error = "CHANGE_LOG_AHEAD";
    }
  }
  if (!error.empty()) {
    watch->Fail(grpc::Status(grpc::StatusCode::OUT_OF_RANGE, error));
  } else {
    watch->Pump();
  }
  return watch;
}

grpc::ServerWriteReactor<records::ChangeEvent>* FakeRecords::WatchChanges(
    grpc::CallbackServerContext*, const records::WatchChangesRequest* request) {
  return OpenWatch<records::ChangeEvent>(*request);
}

grpc::ServerWriteReactor<records::ChangeBatch>* FakeRecords::WatchChangeBatches(
    grpc::CallbackServerContext*, const records::WatchChangesRequest* request) {
  return OpenWatch<records::ChangeBatch>(*request);
}

grpc::ServerUnaryReactor* FakeRecords::GetChangeLogState(
    grpc::CallbackServerContext* ctx, const records::GetChangeLogStateRequest*,
    records::GetChangeLogStateResponse* response) {
  {
    absl::MutexLock lock(&log_mu_);
    response->set_log_id(log_id_);
    response->set_first_retained_sequence(first_retained_);
    response->set_last_sequence(head_);
    if (head_ > 0) *response->mutable_last_commit_time() = last_commit_time_;
  }
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

namespace {
template <typename Out, typename Fn>
grpc::ServerUnaryReactor* ListUnder(grpc::CallbackServerContext* ctx, Fn fn) {
  auto* reactor = ctx->DefaultReactor();
  fn();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}
bool Under(const std::string& name, const std::string& parent, const char* collection) {
  return absl::StartsWith(name, parent + "/" + collection + "/");
}
}  // namespace

grpc::ServerUnaryReactor* FakeRecords::ListOrganizations(
    grpc::CallbackServerContext* ctx, const records::ListOrganizationsRequest*,
    records::ListOrganizationsResponse* response) {
  return ListUnder<records::ListOrganizationsResponse>(ctx, [&] {
    absl::MutexLock lock(&log_mu_);
    ++list_calls_;
    for (const auto& [name, e] : latest_) {
      if (e.has_organization()) *response->add_organizations() = e.organization();
    }
  });
}
grpc::ServerUnaryReactor* FakeRecords::ListCells(grpc::CallbackServerContext* ctx,
                                                 const records::ListCellsRequest* request,
                                                 records::ListCellsResponse* response) {
  return ListUnder<records::ListCellsResponse>(ctx, [&] {
    absl::MutexLock lock(&log_mu_);
    for (const auto& [name, e] : latest_) {
      if (e.has_cell() && Under(name, request->parent(), "cells"))
        *response->add_cells() = e.cell();
    }
  });
}
grpc::ServerUnaryReactor* FakeRecords::ListMembers(grpc::CallbackServerContext* ctx,
                                                   const records::ListMembersRequest* request,
                                                   records::ListMembersResponse* response) {
  return ListUnder<records::ListMembersResponse>(ctx, [&] {
    absl::MutexLock lock(&log_mu_);
    for (const auto& [name, e] : latest_) {
      if (e.has_member() && Under(name, request->parent(), "members")) {
        records::Member* m = response->add_members();
        *m = e.member();
        if (request->view() != records::MEMBER_VIEW_FULL) m->clear_history();
      }
    }
  });
}
grpc::ServerUnaryReactor* FakeRecords::ListInspectionPlans(
    grpc::CallbackServerContext* ctx, const records::ListInspectionPlansRequest* request,
    records::ListInspectionPlansResponse* response) {
  return ListUnder<records::ListInspectionPlansResponse>(ctx, [&] {
    absl::MutexLock lock(&log_mu_);
    for (const auto& [name, e] : latest_) {
      if (e.has_inspection_plan() && Under(name, request->parent(), "inspectionPlans")) {
        *response->add_inspection_plans() = e.inspection_plan();
      }
    }
  });
}
grpc::ServerUnaryReactor* FakeRecords::ListDuesRemittances(
    grpc::CallbackServerContext* ctx, const records::ListDuesRemittancesRequest* request,
    records::ListDuesRemittancesResponse* response) {
  return ListUnder<records::ListDuesRemittancesResponse>(ctx, [&] {
    absl::MutexLock lock(&log_mu_);
    for (const auto& [name, e] : latest_) {
      if (e.has_dues_remittance() && Under(name, request->parent(), "duesRemittances")) {
        *response->add_dues_remittances() = e.dues_remittance();
      }
    }
  });
}
grpc::ServerUnaryReactor* FakeRecords::ListMeetings(grpc::CallbackServerContext* ctx,
                                                    const records::ListMeetingsRequest* request,
                                                    records::ListMeetingsResponse* response) {
  return ListUnder<records::ListMeetingsResponse>(ctx, [&] {
    absl::MutexLock lock(&log_mu_);
    for (const auto& [name, e] : latest_) {
      if (e.has_meeting() && Under(name, request->parent(), "meetings")) {
        *response->add_meetings() = e.meeting();
      }
    }
  });
}

}  // namespace analytics_testing
