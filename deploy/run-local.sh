#!/usr/bin/env bash
# `make run`: starts records and analytics on loopback with embedded RocksDB under $DATA_DIR,
# prints grpcurl examples and stops both cleanly on Ctrl-C.
set -euo pipefail

BUILD_DIR=${BUILD_DIR:-build}
DATA_DIR=${DATA_DIR:-$PWD/.data}
RECORDS_PORT=${RECORDS_PORT:-50051}
ANALYTICS_PORT=${ANALYTICS_PORT:-50052}

mkdir -p "$DATA_DIR"
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
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then
      echo "$1 failed to start; its log:" >&2; cat "$3" >&2; exit 1
    fi
    sleep 0.05
  done
  echo "$1 did not open port $2" >&2; exit 1
}

"$BUILD_DIR/services/records/records_server" --listen=127.0.0.1 --port="$RECORDS_PORT" \
  --data_dir="$DATA_DIR/records" 2>>"$DATA_DIR/records.log" &
pids+=($!)
wait_for_port records "$RECORDS_PORT" "$DATA_DIR/records.log"

"$BUILD_DIR/services/analytics/analytics_server" --listen=127.0.0.1 --port="$ANALYTICS_PORT" \
  --data_dir="$DATA_DIR/analytics" 2>>"$DATA_DIR/analytics.log" &
pids+=($!)
wait_for_port analytics "$ANALYTICS_PORT" "$DATA_DIR/analytics.log"

cat <<TEXT

dangbo is running (logs: $DATA_DIR/records.log, $DATA_DIR/analytics.log)
  records    127.0.0.1:$RECORDS_PORT
  analytics  127.0.0.1:$ANALYTICS_PORT

Try (grpcurl needs no .proto files: both servers have reflection):
  grpcurl -plaintext 127.0.0.1:$RECORDS_PORT list
  grpcurl -plaintext 127.0.0.1:$RECORDS_PORT describe dangbo.records.v1.RecordsService
  grpcurl -plaintext 127.0.0.1:$RECORDS_PORT grpc.health.v1.Health/Check
  grpcurl -plaintext 127.0.0.1:$ANALYTICS_PORT list

Ctrl-C stops both.
TEXT
wait -n "${pids[@]}" || true
