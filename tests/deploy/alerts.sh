#!/usr/bin/env bash
# The alerts test (ctest deploy_alerts): the PrometheusRule of deploy/k8s/components/monitoring
# as Prometheus would load it — `promtool check rules` (syntax, PromQL, templates) and
# `promtool test rules alerts_test.yaml` (each alert fires on its condition, after its `for`,
# and stays quiet on healthy series) — and a copy with one threshold changed must fail those
# tests (they bite). Needs promtool (Debian's prometheus package, deploy/apt-packages-test.txt)
# and node; a missing tool is a failure, never a skip.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in promtool node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "alerts.sh: FAILED: $tool is not installed (make deps installs deploy/apt-packages-test.txt)" >&2
    exit 1
  fi
done
. "$here/npm-ci.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/alerts_test.yaml" "$work/"
node "$here/extract-rules.mjs" "$root/deploy/k8s/components/monitoring/prometheusrule.yaml" \
  > "$work/rules.yaml"
passed=0
failed=0
run() {  # run NAME COMMAND...: counts a check
  if "${@:2}"; then passed=$((passed + 1)); else echo "FAIL: $1"; failed=$((failed + 1)); fi
}
run "promtool check rules" promtool check rules "$work/rules.yaml"
run "promtool test rules" promtool test rules "$work/alerts_test.yaml"

# A rule that no longer matches the runbook (analytics may lag 50 minutes unnoticed) must fail.
mkdir "$work/broken"
sed 's/dangbo_follower_lag_seconds > 300/dangbo_follower_lag_seconds > 3000/' \
  "$work/rules.yaml" > "$work/broken/rules.yaml"
cp "$here/alerts_test.yaml" "$work/broken/"
if cmp -s "$work/rules.yaml" "$work/broken/rules.yaml"; then
  run "the broken copy differs from the rules" false
elif promtool test rules "$work/broken/alerts_test.yaml" > "$work/broken/out" 2>&1; then
  run "a changed threshold fails the alert tests" false
else
  run "a changed threshold fails the alert tests" true
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
