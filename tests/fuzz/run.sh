#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for a bounded time (the Makefile's fuzz-smoke and
# fuzz targets):
#
#   tests/fuzz/run.sh [--fresh] <build dir> <seconds per target> <corpus dir>
#
# Each target starts from its corpus in <corpus dir>/<target> (new inputs are added there;
# --fresh empties it first), the hand-written seeds in tests/fuzz/corpus/<target> (with the
# inputs of bugs found so far under crashes/, replayed every run) and the generated records
# seeds. Prints the executions of each target and closes with "fuzz: N passed, M failed";
# exits non-zero when a target fails. Logs and crashing inputs: <build dir>/fuzz-logs,
# <build dir>/fuzz-artifacts.
set -u -o pipefail

fresh=0
if [[ "${1:-}" == "--fresh" ]]; then fresh=1; shift; fi
if [[ $# -ne 3 ]]; then
  echo "usage: $0 [--fresh] <build dir> <seconds per target> <corpus dir>" >&2
  exit 2
fi
build=$(realpath "$1")
seconds=$2
corpus_root=$(realpath -m "$3")
source_dir=$(cd "$(dirname "$0")" && pwd)
bin=$build/tests/fuzz

targets=(records_request_fuzzer records_member_rules_fuzzer list_query_fuzzer
         records_keys_fuzzer analytics_decimal_fuzzer observation_csv_fuzzer)

seeds=$build/fuzz-seeds
rm -rf "$seeds"
"$bin/records_fuzz_seeds" "$seeds" || { echo "fuzz: records_fuzz_seeds failed" >&2; exit 1; }
mkdir -p "$build/fuzz-logs"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
symbolizer=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
if [[ -n "$symbolizer" ]]; then export ASAN_SYMBOLIZER_PATH=$symbolizer; fi

passed=0
failed=0
for target in "${targets[@]}"; do
  work=$corpus_root/$target
  if [[ $fresh == 1 ]]; then rm -rf "$work"; fi
  mkdir -p "$work" "$build/fuzz-artifacts/$target"
  dirs=("$work")
  [[ -d $source_dir/corpus/$target ]] && dirs+=("$source_dir/corpus/$target")
  [[ -d $seeds/$target ]] && dirs+=("$seeds/$target")
  log=$build/fuzz-logs/$target.log
  start=$(date +%s)
  "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target/" "${dirs[@]}" \
    >"$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -a '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
  if [[ $rc == 0 ]]; then
    passed=$((passed + 1))
    echo "fuzz: $target ok: ${execs:-?} executions in ${elapsed}s"
  else
    failed=$((failed + 1))
    echo "fuzz: $target FAILED (exit $rc) after ${execs:-?} executions in ${elapsed}s; log: $log"
    grep -a -E 'property violated|runtime error|ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|Test unit written' \
      "$log" | cut -c1-300 | sed 's/^/  /' | head -8
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed == 0 ]]
