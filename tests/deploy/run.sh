#!/usr/bin/env bash
# The deploy test (ctest label "deploy"): renders every overlay under deploy/k8s/overlays, and
# those under tests/deploy/overlays (prod with the monitoring component), with
# `kubectl kustomize`, validates each object against the Kubernetes schema strictly
# (validate.mjs), checks the manifests' invariants (invariants.mjs) — for prod also against
# the Secrets deploy/k8s/make-secrets.sh creates — and checks that every broken fixture under
# fixtures/ is caught. Needs kubectl, node (>= 20), npm and openssl; a missing
# tool is a failure, never a skip. Installs the pinned validator (package-lock.json) into
# node_modules/ on first use.
#
#   tests/deploy/run.sh [--records-binary PATH] [--analytics-binary PATH]
# With the server binaries, every DANGBO_* key in the ConfigMaps must name a real flag.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
declare -A binaries=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --records-binary) binaries[records]=$2; shift 2 ;;
    --analytics-binary) binaries[analytics]=$2; shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

for tool in kubectl node npm openssl; do
  if ! command -v "$tool" >/dev/null; then
    echo "run.sh: FAILED: $tool is not installed; the deploy test needs kubectl, node, npm and openssl" >&2
    exit 1
  fi
done

. "$here/npm-ci.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

flag_args=()
for service in "${!binaries[@]}"; do
  # absl's --helpfull lists "--flag_name (help); default: ...;" and exits non-zero.
  "${binaries[$service]}" --helpfull 2>&1 | sed -n 's/^ *--\([a-z0-9_]*\) .*/\1/p' | sort -u \
    > "$work/$service.flags" || true
  if [[ ! -s "$work/$service.flags" ]]; then
    fail "could not list the flags of ${binaries[$service]}"
  else
    flag_args+=(--flags "$service=$work/$service.flags")
  fi
done

overlays=0
for dir in "$root"/deploy/k8s/overlays/*/ "$here"/overlays/*/; do
  name=$(basename "$dir")
  out="$work/$name.yaml"
  overlays=$((overlays + 1))
  echo "== overlay $name"
  if ! kubectl kustomize "$dir" > "$out"; then
    fail "kubectl kustomize ${dir#"$root"/}"
    continue
  fi
  node "$here/validate.mjs" "$out" || fail "schema validation of overlay $name"
  secret_args=()
  if [[ $name == prod* ]]; then
    # The Secrets prod mounts, as deploy/k8s/make-secrets.sh creates them (and schema-valid).
    ns=$(sed -n 's/^namespace: *//p' "$dir/kustomization.yaml")
    if "$root/deploy/k8s/make-secrets.sh" "$ns" "$work/secrets" >/dev/null; then
      node "$here/validate.mjs" "$work/secrets/secrets.yaml" || fail "schema validation of make-secrets.sh output"
      secret_args=(--secrets "$work/secrets/secrets.yaml")
    else
      fail "deploy/k8s/make-secrets.sh $ns"
    fi
  fi
  node "$here/invariants.mjs" "${flag_args[@]}" "${secret_args[@]}" "$out" || fail "invariants of overlay $name"
done
[[ $overlays -ge 3 ]] || fail "expected the dev, prod and prod-monitoring overlays, found $overlays overlay(s)"

fixtures=0
for dir in "$here"/fixtures/*/; do
  name=$(basename "$dir")
  fixtures=$((fixtures + 1))
  expect=$(cat "$dir/expect")
  checker=${expect%%:*}
  text=${expect#*: }
  out="$work/fixture-$name.yaml"
  if ! kubectl kustomize "$dir" > "$out"; then
    fail "fixture $name does not render"
    continue
  fi
  set +e
  report=$(node "$here/$checker.mjs" "$out" 2>&1)
  status=$?
  set -e
  if [[ $status -eq 0 ]]; then
    fail "broken fixture $name was accepted by $checker.mjs"
  elif ! grep -qF -- "$text" <<<"$report"; then
    fail "fixture $name: $checker.mjs failed, but without \"$text\":"$'\n'"$report"
  else
    echo "ok   fixture $name caught by $checker: $text"
  fi
done
[[ $fixtures -ge 4 ]] || fail "expected at least 4 broken fixtures, found $fixtures"

if [[ $failures -ne 0 ]]; then
  echo "deploy test: $failures failure(s)"
  exit 1
fi
echo "deploy test: $overlays overlays valid, $fixtures broken fixtures caught"
