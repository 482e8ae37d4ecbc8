#!/usr/bin/env bash
# `make image-test`: builds both images with podman from a local Debian base and runs them as
# the manifests do (tests/image/README.md). Prints "N passed, M failed"; exit 1 on a failure.
#
#   tests/image/image_test.sh BUILD_DIR
#
# BUILD_DIR holds the host build (`make build`): its records_seed, analytics_seed and
# reflection_call (a grpcurl stand-in using server reflection) are the clients. Root only
# (rootful podman). DANGBO_IMAGE_CACHE (default /var/cache/dangbo-images) keeps the base
# tarball between runs; podman's own storage keeps the build layers and the ccache the
# Dockerfile mounts.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=$(realpath "${1:?usage: image_test.sh BUILD_DIR}")
CACHE=${DANGBO_IMAGE_CACHE:-/var/cache/dangbo-images}
BASE=localhost/dangbo-base:bookworm
RECORDS_IMAGE=localhost/dangbo/records:test
ANALYTICS_IMAGE=localhost/dangbo/analytics:test
POD=dangbo-image-test
CALL="$BUILD_DIR/tests/support/reflection_call"
PODARGS="python3 tests/image/pod_args.py"

[[ $(id -u) == 0 ]] || { echo "image-test: run as root (rootful podman)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/dangbo-image-test.XXXXXX)
chmod 755 "$WORK"

passed=0
failures=()
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failures+=("$1"); echo "FAIL $1" >&2; }
check() {  # name command...: passes when the command exits 0
  local name=$1; shift
  if "$@" >"$WORK/check.out" 2>&1; then pass "$name"; else
    fail "$name"; sed 's/^/    /' "$WORK/check.out" | tail -n 20 >&2; fi
}
summary() {
  echo
  echo "image-test: $passed passed, ${#failures[@]} failed"
  for f in "${failures[@]}"; do echo "  failed: $f"; done
}

cleanup() {
  podman pod rm -f -t 0 "$POD" >/dev/null 2>&1 || true
  if [[ -f $WORK/kube.yaml ]]; then
    podman kube down "$WORK/kube.yaml" >/dev/null 2>&1 || true
    podman volume rm -f data-records-0 backups-records-0 >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap 'cleanup; summary' EXIT

# --- podman on Debian bookworm hosts: runc (crun fails with hybrid cgroups); a container's
# ulimits must be ones runc may set here, at most this shell's hard limits, and some hosts
# refuse a high nproc: the highest that works is found by trying --------------------------
limits_conf() {  # nofile nproc: writes the containers.conf that `podman run` and kube play use
  cat >"$WORK/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=$1:$1", "nproc=$2:$2"]
[engine]
runtime = "runc"
CONF
}
# --- the base: Debian bookworm minbase from this machine's apt sources, no registry ---------
# Rebuilt when older than a week, so the images get the mirror's security updates.
mkdir -p "$CACHE"
tarball=$CACHE/bookworm-minbase.tar
if [[ ! -s $tarball ]] || [[ -n $(find "$tarball" -mtime +7) ]]; then
  echo "building the base tarball (mmdebstrap, about 2 minutes)"
  mmdebstrap --variant=minbase --format=tar bookworm "$tarball.tmp" \
    /etc/apt/sources.list.d/debian.sources
  mv "$tarball.tmp" "$tarball"
  podman rmi -f "$BASE" >/dev/null 2>&1 || true
fi
if ! podman image exists "$BASE"; then
  podman import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$tarball" "$BASE" >/dev/null
fi

nofile=$(ulimit -Hn); [[ $nofile == unlimited ]] && nofile=1048576
nproc=
for n in $(ulimit -Hu) 65536 32768 16384 4096; do
  [[ $n == unlimited ]] && continue
  limits_conf "$nofile" "$n"
  if CONTAINERS_CONF=$WORK/containers.conf podman run --rm "$BASE" true >/dev/null 2>&1; then
    nproc=$n; break
  fi
done
[[ -n $nproc ]] || { echo "image-test: podman cannot start a container here" >&2; exit 1; }
echo "containers run with nofile=$nofile nproc=$nproc (runc)"
export CONTAINERS_CONF=$WORK/containers.conf

# --- the images: one build stage (cached layers) shared by both targets ----------------------
# The host build's compiler cache, lent read-only to the image's compile (Dockerfile): the
# image then compiles nothing `make build` already did.
lend_ccache=()
host_ccache=$(ccache --get-config cache_dir 2>/dev/null || true)
[[ -d $host_ccache ]] && lend_ccache=(--volume "$host_ccache:/var/cache/ccache-host:ro")
build_image() {  # target tag
  local start=$SECONDS
  # The build's RUN steps keep podman's default ulimits, the only ones that worked for build.
  env -u CONTAINERS_CONF podman build --runtime runc -f deploy/docker/Dockerfile \
    "${lend_ccache[@]}" --build-arg "DEBIAN_IMAGE=$BASE" --target "$1" -t "$2" . \
    >"$WORK/build-$1.log" 2>&1 || {
      tail -n 40 "$WORK/build-$1.log" >&2; return 1; }
  echo "    $1: built in $(( SECONDS - start )) s, $(podman image inspect --format '{{.Size}}' \
    "$2" | awk '{ printf "%d MB", $1 / 1e6 }')" >>"$WORK/images.txt"
}
check "records image builds" build_image records "$RECORDS_IMAGE"
check "analytics image builds" build_image analytics "$ANALYTICS_IMAGE"
cat "$WORK/images.txt" 2>/dev/null || true
[[ ${#failures[@]} == 0 ]] || exit 1

# --- secrets and volumes as Kubernetes would mount them (defaultMode 0440, fsGroup 65532) ---
certs=$WORK/certs
deploy/dev-certs.sh "$certs" >/dev/null
token_of() { awk -v p="$1" '$1 == p { print $3 }' "$certs/tokens.plain"; }
vols=$WORK/volumes
secret() {  # secret-name key=source...
  local dir=$vols/$1; shift
  mkdir -p "$dir"
  for item in "$@"; do cp "${item#*=}" "$dir/${item%%=*}"; done
  chown -R 0:65532 "$dir"; chmod 0755 "$dir"; chmod 0440 "$dir"/*
}
token_of analytics >"$WORK/analytics.token"
secret records-tls tls.crt="$certs/records.pem" tls.key="$certs/records.key"
secret analytics-writer-tls tls.crt="$certs/analytics.pem" tls.key="$certs/analytics.key"
secret dangbo-ca ca.crt="$certs/ca.pem"
secret dangbo-tokens tokens="$certs/tokens"
secret analytics-records-token token="$WORK/analytics.token"
secret records-page-token-key key="$certs/records-page-token.key"
secret analytics-page-token-key key="$certs/analytics-page-token.key"
mkdir -p "$vols/records" "$vols/analytics"
for d in records/data records/backups analytics/data; do
  install -d -o 65532 -g 65532 -m 0750 "$vols/$d"
done
for s in "$vols"/*-tls "$vols"/dangbo-* "$vols"/*-token "$vols"/*-key; do
  ln -s "$s" "$vols/records/"; ln -s "$s" "$vols/analytics/"
done

# --- records and the analytics writer in one pod, as the prod overlay runs them -------------
# In the pod both share a network namespace: analytics reaches records at 127.0.0.1 instead
# of the headless Service's DNS name (the one variable changed from the manifests).
free_port() {
  python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
RP=$(free_port); RH=$(free_port); RM=$(free_port); AP=$(free_port); AH=$(free_port)
podman pod create --name "$POD" -p "127.0.0.1:$RP:50051" -p "127.0.0.1:$RH:8081" \
  -p "127.0.0.1:$RM:9091" -p "127.0.0.1:$AP:50052" -p "127.0.0.1:$AH:8082" >/dev/null
mapfile -t records_args < <($PODARGS run --overlay deploy/k8s/overlays/prod \
  --workload StatefulSet/records --volumes "$(realpath "$vols/records")")
mapfile -t analytics_args < <($PODARGS run --overlay deploy/k8s/overlays/prod \
  --workload StatefulSet/analytics-writer --volumes "$(realpath "$vols/analytics")" \
  --env DANGBO_RECORDS_TARGET=127.0.0.1:50051)
podman run -d --pod "$POD" --name "$POD-records" "${records_args[@]}" "$RECORDS_IMAGE" >/dev/null
podman run -d --pod "$POD" --name "$POD-analytics" "${analytics_args[@]}" "$ANALYTICS_IMAGE" \
  >/dev/null

ADMIN=(-cacert "$certs/ca.pem" -H "authorization: Bearer $(token_of ops-admin)")
VIEWER=(-cacert "$certs/ca.pem" -H "authorization: Bearer $(token_of ops-viewer)")
serving() {  # port: the health-only plaintext port answers SERVING within 60 s
  for _ in $(seq 1 120); do
    "$CALL" -plaintext "127.0.0.1:$1" grpc.health.v1.Health/Check 2>/dev/null \
      | grep -q '"SERVING"' && return 0
    sleep 0.5
  done
  "$CALL" -plaintext "127.0.0.1:$1" grpc.health.v1.Health/Check
}
check "records serves health on its plaintext health port" serving "$RH"
check "analytics serves health on its plaintext health port" serving "$AH"

in_container() {  # container: the server runs as 65532, no capabilities, no new privileges
  local pid; pid=$(podman inspect --format '{{.State.Pid}}' "$1")
  [[ $(stat -c %u:%g "/proc/$pid") == 65532:65532 ]] || { stat -c %u:%g "/proc/$pid"; return 1; }
  grep -q '^CapEff:[[:space:]]*0000000000000000$' "/proc/$pid/status" || return 1
  grep -q '^NoNewPrivs:[[:space:]]*1$' "/proc/$pid/status" || return 1
}
read_only_root() {  # container: even root cannot write to the image's files
  ! podman exec --user 0 "$1" sh -c 'echo x > /usr/local/bin/probe' 2>"$WORK/ro.err" \
    && grep -q 'Read-only file system' "$WORK/ro.err"
}
for c in records analytics; do
  check "$c runs as UID/GID 65532 without capabilities" in_container "$POD-$c"
  check "$c has a read-only root filesystem" read_only_root "$POD-$c"
done

refused() {  # CODE command...: the call fails with that gRPC code (grpcurl's spelling)
  local code=$1; shift
  ! "$@" >"$WORK/refused.out" 2>&1 && grep -q "Code: $code" "$WORK/refused.out" \
    || { cat "$WORK/refused.out"; return 1; }
}
lists() {  # port service: reflection lists the service
  "$CALL" "${ADMIN[@]}" "127.0.0.1:$1" list | grep -qx "$2"
}
check "records: reflection lists RecordsService over TLS" \
  lists "$RP" dangbo.records.v1.RecordsService
check "analytics: reflection lists AnalyticsService over TLS" \
  lists "$AP" dangbo.analytics.v1.AnalyticsService
check "records: a call without a token is UNAUTHENTICATED" refused UNAUTHENTICATED \
  "$CALL" -cacert "$certs/ca.pem" "127.0.0.1:$RP" dangbo.records.v1.RecordsService/GetChangeLogState
check "records: the gRPC port refuses plaintext" \
  bash -c "! '$CALL' -plaintext 127.0.0.1:$RP grpc.health.v1.Health/Check"

# --- the seed through records' public API, then analytics' view of it -----------------------
TLS_CLIENT=(--ca_cert="$certs/ca.pem" --bearer_token_file="$WORK/admin.token")
token_of ops-admin >"$WORK/admin.token"
check "records_seed loads the Long An dataset into the container" \
  "$BUILD_DIR/services/records/seed/records_seed" --target="127.0.0.1:$RP" "${TLS_CLIENT[@]}"
followed() {  # analytics counts records' members (it follows records' change stream)
  for _ in $(seq 1 120); do
    "$CALL" "${VIEWER[@]}" -d '{"organization":"organizations/hq-long-an","year":2019}' \
      "127.0.0.1:$AP" dangbo.analytics.v1.AnalyticsService/GetPartyStatistics \
      >"$WORK/stats.json" 2>&1 && grep -Eq '"membersTotal": ?[1-9]' "$WORK/stats.json" \
      && return 0
    sleep 0.5
  done
  cat "$WORK/stats.json"; return 1
}
check "analytics follows records: party statistics of the seed" followed
check "analytics_seed loads the indicators into the container" \
  "$BUILD_DIR/services/analytics/seed/analytics_seed" --target="127.0.0.1:$AP" "${TLS_CLIENT[@]}"
compare() {  # the article's figure, with the organization's name from records
  local request='{"organization":"organizations/hq-long-an","base_year":2015,"year":2019}'
  "$CALL" "${VIEWER[@]}" -d "$request" \
    "127.0.0.1:$AP" dangbo.analytics.v1.AnalyticsService/CompareYears >"$WORK/compare.json" \
    && grep -q '80.8' "$WORK/compare.json" || { cat "$WORK/compare.json"; return 1; }
}
check "analytics: CompareYears 2015 -> 2019 states the article's +80.8 %" compare
metrics() {
  curl -fsS -o "$WORK/metrics.txt" "http://127.0.0.1:$RM/metrics" \
    && grep -q '^grpc_server_handled_total{' "$WORK/metrics.txt"
}
check "records: /metrics exports grpc_server_handled_total" metrics

# --- SIGTERM: drain, finish, exit 0, within the pods' terminationGracePeriodSeconds (45) ----
drains() {  # container
  local start=$SECONDS
  podman stop -t 60 "$1" >/dev/null
  local took=$(( SECONDS - start )) code
  code=$(podman inspect --format '{{.State.ExitCode}}' "$1")
  echo "stopped in $took s, exit $code"
  [[ $code == 0 && $took -lt 45 ]] || return 1
  podman logs "$1" 2>&1 | grep -q '"msg":"stopped"' || { podman logs "$1" 2>&1 | tail; return 1; }
}
check "analytics drains on SIGTERM and exits 0" drains "$POD-analytics"
check "records drains on SIGTERM and exits 0" drains "$POD-records"
restarted() {  # the data volume keeps what was acknowledged
  podman start "$POD-records" >/dev/null
  serving "$RH" >/dev/null
  "$CALL" "${VIEWER[@]}" -d '{"name":"organizations/hq-long-an"}' "127.0.0.1:$RP" \
    dangbo.records.v1.RecordsService/GetOrganization \
    | grep -Eq '"name": ?"organizations/hq-long-an"'
}
check "records restarted on its volume still has the seed" restarted
podman pod rm -f -t 30 "$POD" >/dev/null

# --- podman kube play: the dev overlay's records and analytics pods --------------------------
# What kube play (4.3) supports: ConfigMaps, Secrets, PVCs, Deployments (records' StatefulSet
# becomes a Deployment of one). It applies no probes and publishes every containerPort on the
# host (50051, 50052, 9091, 9092), so those ports must be free here. It writes a Secret
# volume's files 0600 for root whatever its defaultMode and fsGroup, so pod_args.py writes them
# as the kubelet would (into $WORK/kube-secrets) and binds them.
podman tag "$RECORDS_IMAGE" localhost/dangbo/records:dev
podman tag "$ANALYTICS_IMAGE" localhost/dangbo/analytics:dev
$PODARGS kube --overlay deploy/k8s/overlays/dev --workload StatefulSet/records \
  --workload Deployment/analytics --image dangbo/records=localhost/dangbo/records:dev \
  --image dangbo/analytics=localhost/dangbo/analytics:dev --secrets "$WORK/kube-secrets" \
  >"$WORK/kube.yaml"
podman kube down "$WORK/kube.yaml" >/dev/null 2>&1 || true  # what an interrupted run left
check "podman kube play runs the dev overlay's records and analytics" \
  podman kube play "$WORK/kube.yaml"
check "kube play: records serves health (plaintext, dev)" serving 50051
check "kube play: analytics serves health (plaintext, dev)" serving 50052
kube_read_only() {  # the pod spec's securityContext reached the containers
  local c
  for c in $(podman ps --format '{{.Names}}' --filter label=io.kubernetes.pod.name 2>/dev/null \
             | grep -v infra); do
    [[ $(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' "$c") == true ]] \
      || { echo "$c: root filesystem writable"; return 1; }
  done
}
check "kube play: containers have read-only roots" kube_read_only
check "podman kube down stops them" podman kube down "$WORK/kube.yaml"
rm -f "$WORK/kube.yaml"
podman volume rm -f data-records-0 backups-records-0 >/dev/null 2>&1 || true

[[ ${#failures[@]} == 0 ]]
