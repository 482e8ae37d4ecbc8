#include "services/analytics/service/analytics_service.h"

#include "absl/time/clock.h"
#include "google/protobuf/util/time_util.h"
#include "services/analytics/service/handler_util.h"

namespace analytics {

AnalyticsServiceImpl::AnalyticsServiceImpl(IndicatorStore* indicators, ReadModelStore* read_model,
                                           RecordsFollower* follower,
                                           const common::Authorizer* authorizer,
                                           Replication replication, common::WorkPool* scan_pool)
    : indicators_(indicators),
      read_model_(read_model),
      follower_(follower),
      authorizer_(authorizer),
      replication_(replication),
      scan_pool_(scan_pool),
      value_domains_(indicators) {}

google::protobuf::Timestamp Now() {
  return google::protobuf::util::TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
}

}  // namespace analytics
