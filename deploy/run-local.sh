#!/usr/bin/env bash
# `make run`: starts records and analytics on loopback with embedded RocksDB under $DATA_DIR,
# prints grpcurl examples and stops both cleanly on Ctrl-C.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
DATA_DIR=${DATA_DIR:-$PWD/.data}
RECORDS_PORT=${RECORDS_PORT:-50051}
ANALYTICS_PORT=${ANALYTICS_PORT:-50052}
RECORDS_METRICS_PORT=${RECORDS_METRICS_PORT:-9091}      # /metrics (0: off)
ANALYTICS_METRICS_PORT=${ANALYTICS_METRICS_PORT:-9092}

mkdir -p "$DATA_DIR"
# A development CA, server certificates, one token per role and the page-token keys (kept
# across runs, so a page token stays valid when `make run` is restarted).
CERTS="$DATA_DIR/certs"
"$(dirname "$0")/dev-certs.sh" "$CERTS"
token_of() { awk -v p="$1" '$1 == p { print $3 }' "$CERTS/tokens.plain"; }
token_of ops-admin > "$CERTS/ops-admin.token"
token_of ops-treasurer > "$CERTS/ops-treasurer.token"   # the runbook's dues import
token_of analytics > "$CERTS/analytics.token"
chmod 600 "$CERTS"/*.token
TLS_CLIENT="--ca_cert=$CERTS/ca.pem --bearer_token_file=$CERTS/ops-admin.token"
pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped; data kept in $DATA_DIR"
}
trap stop INT TERM EXIT

wait_for_port() {  # name port log
  for _ in $(seq 1 600); do  # 30 s: a loaded machine
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "$1 failed to start; its log:" >&2; cat "$3" >&2; exit 1
    fi
    sleep 0.05
  done
  echo "$1 did not open port $2" >&2; exit 1
}

"$BUILD_DIR/services/records/records_server" --listen=127.0.0.1 --port="$RECORDS_PORT" \
  --data_dir="$DATA_DIR/records" --tls_cert="$CERTS/records.pem" --tls_key="$CERTS/records.key" \
  --token_file="$CERTS/tokens" --reflection=true --metrics_port="$RECORDS_METRICS_PORT" \
  --page_token_key_file="$CERTS/records-page-token.key" \
  2>>"$DATA_DIR/records.log" &
pids+=($!)
wait_for_port records "$RECORDS_PORT" "$DATA_DIR/records.log"

# The Long An demo dataset, through the public RPCs; records_seed does nothing when the
# organization is already there (a restart keeps the data).
"$BUILD_DIR/services/records/seed/records_seed" --target="127.0.0.1:$RECORDS_PORT" $TLS_CLIENT

"$BUILD_DIR/services/analytics/analytics_server" --listen=127.0.0.1 --port="$ANALYTICS_PORT" \
  --data_dir="$DATA_DIR/analytics" --tls_cert="$CERTS/analytics.pem" \
  --tls_key="$CERTS/analytics.key" --token_file="$CERTS/tokens" --reflection=true \
  --records_target="127.0.0.1:$RECORDS_PORT" --records_tls_ca="$CERTS/ca.pem" \
  --records_token_file="$CERTS/analytics.token" --metrics_port="$ANALYTICS_METRICS_PORT" \
  --page_token_key_file="$CERTS/analytics-page-token.key" \
  2>>"$DATA_DIR/analytics.log" &
pids+=($!)
wait_for_port analytics "$ANALYTICS_PORT" "$DATA_DIR/analytics.log"

cat <<TEXT

dangbo is running (logs: $DATA_DIR/records.log, $DATA_DIR/analytics.log)
  records    127.0.0.1:$RECORDS_PORT    metrics http://127.0.0.1:$RECORDS_METRICS_PORT/metrics
  analytics  127.0.0.1:$ANALYTICS_PORT    metrics http://127.0.0.1:$ANALYTICS_METRICS_PORT/metrics
Runbook: deploy/OPERATIONS.md (its commands are replayed against this by ctest -R runbook).

Both speak TLS (development CA: $CERTS/ca.pem) and want a bearer token; one token per role
(viewer, editor, inspector, admin, service) is in $CERTS/tokens.plain. In this shell:
  TOKEN=\$(awk '\$1=="ops-admin" {print \$3}' $CERTS/tokens.plain)
  A=(-cacert $CERTS/ca.pem -H "authorization: Bearer \$TOKEN")

Try (grpcurl needs no .proto files: both servers have reflection):
  grpcurl "\${A[@]}" 127.0.0.1:$RECORDS_PORT list
  grpcurl "\${A[@]}" 127.0.0.1:$RECORDS_PORT describe dangbo.records.v1.RecordsService
  grpcurl "\${A[@]}" 127.0.0.1:$RECORDS_PORT grpc.health.v1.Health/Check

Records (the seed organization: 12 cells, 118 members):
  grpcurl "\${A[@]}" -d '{"parent":"organizations/hq-long-an","page_size":1000}' \\
    127.0.0.1:$RECORDS_PORT dangbo.records.v1.RecordsService/ListMembers
  grpcurl "\${A[@]}" -d '{"parent":"organizations/hq-long-an","filter":"name_query = \\"nguyen van\\""}' \\
    127.0.0.1:$RECORDS_PORT dangbo.records.v1.RecordsService/ListMembers
  grpcurl "\${A[@]}" -d '{"parent":"organizations/hq-long-an"}' \\
    127.0.0.1:$RECORDS_PORT dangbo.records.v1.RecordsService/ListCells
  grpcurl "\${A[@]}" -d '{"name":"organizations/hq-long-an/cells/nghiep-vu"}' \\
    127.0.0.1:$RECORDS_PORT dangbo.records.v1.RecordsService/GetCellHeadcount
  grpcurl "\${A[@]}" -d '{"parent":"organizations/hq-long-an","filter":"year = 2024"}' \\
    127.0.0.1:$RECORDS_PORT dangbo.records.v1.RecordsService/ListInspectionPlans
  grpcurl "\${A[@]}" -d '{}' 127.0.0.1:$RECORDS_PORT dangbo.records.v1.RecordsService/GetChangeLogState
  grpcurl "\${A[@]}" -d '{"start_after_sequence":0}' -max-time 15 \\
    127.0.0.1:$RECORDS_PORT dangbo.records.v1.RecordsService/WatchChanges
  grpcurl "\${A[@]}" 127.0.0.1:$ANALYTICS_PORT list
TEXT

# Loads analytics' demo dataset through its public API (CreateIndicator + RecordObservations
# with fixed request ids, so a second run writes nothing). Organization metadata (names,
# region "Đồng bằng sông Cửu Long") reaches analytics from records' change stream: records'
# seed creates organizations/hq-long-an and its peers (see services/analytics/seed/seed_data.h).
"$BUILD_DIR/services/analytics/seed/analytics_seed" --target="127.0.0.1:$ANALYTICS_PORT" $TLS_CLIENT \
  || echo "analytics seed failed; see $DATA_DIR/analytics.log" >&2
cat <<TEXT
Analytics examples:
  # 2015 -> 2019 (revenue +80.8 %, enterprises +89.5 %, declarations +144.0 %):
  grpcurl "\${A[@]}" -d '{"organization":"organizations/hq-long-an","base_year":2015,"year":2019}' \\
    127.0.0.1:$ANALYTICS_PORT dangbo.analytics.v1.AnalyticsService/CompareYears
  # 2019 against the legal (2,440) and striving (3,700) targets: 155.8 % and 102.8 %:
  grpcurl "\${A[@]}" -d '{"organization":"organizations/hq-long-an","year":2019}' \\
    127.0.0.1:$ANALYTICS_PORT dangbo.analytics.v1.AnalyticsService/GetYearlyPerformance
  # Term 2015–2020 through 2019 (revenue CAGR 16.0 %):
  grpcurl "\${A[@]}" -d '{"organization":"organizations/hq-long-an","term":{"start_year":2015,"end_year":2020},"through_year":2019}' \\
    127.0.0.1:$ANALYTICS_PORT dangbo.analytics.v1.AnalyticsService/GetTermSummary
  # Rank in the Mekong Delta by 2019 revenue:
  grpcurl "\${A[@]}" -d '{"region":"Đồng bằng sông Cửu Long","indicator_id":"state-budget-revenue","year":2019,"by":"VALUE","organization":"organizations/hq-long-an"}' \\
    127.0.0.1:$ANALYTICS_PORT dangbo.analytics.v1.AnalyticsService/RankOrganizations
  # The term report 2015–2020 through 2019, in Vietnamese (Markdown: add | jq -r .markdown):
  grpcurl "\${A[@]}" -d '{"organization":"organizations/hq-long-an","term":{"start_year":2015,"end_year":2020},"through_year":2019}' \\
    127.0.0.1:$ANALYTICS_PORT dangbo.analytics.v1.AnalyticsService/GenerateReport
  grpcurl "\${A[@]}" 127.0.0.1:$ANALYTICS_PORT dangbo.analytics.v1.AnalyticsService/GetFollowerStatus
TEXT
echo
echo "Ctrl-C stops both."
wait -n "${pids[@]}" || true
