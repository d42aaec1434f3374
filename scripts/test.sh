#!/usr/bin/env bash
# Every test, part by part (each part runs even if an earlier one failed):
#   harness     tests/harness_test.sh: this script and tests/checks.sh can report a failure
#   format      scripts/format.sh --check: every C++ file as .clang-format has it
#   ctest       unit and end-to-end tests (CTest labels unit, e2e; the real files in ../shared/data)
#   kafka       the CTest tests against the real broker (label kafka), one at a time
#               Both CTest parts run on SANITIZED_BUILD_DIR when it is given (the ASan+UBSan
#               `debug` preset, halting on the first finding: what ./run test and CI do), else on
#               BUILD_DIR.
#   smoke, stream, stream-rules, stream-replay, serve   tests/*_kafka_test.sh against the broker,
#               with BUILD_DIR/traffic
#   web, dashboard  the web app's Vitest tests, then headless Chromium against `traffic demo`
#   hdfs, hdfs-lake  scripts/hdfs.sh, then the data lake on the HDFS it starts (traffic hdfs, --hdfs)
#
# Usage: scripts/test.sh [BUILD_DIR [SANITIZED_BUILD_DIR]]   (default build/release, no sanitizers)
#
# A part fails when its exit status is non-zero, when it prints no closing line (CTest's
# "N% tests passed, F tests failed out of T" or a script's "P passed, F failed"), or when a
# closing line counts a failure. The script ends with one closing line over every part,
# "N passed, M failed", and exits non-zero if any part failed. A part running over PART_TIMEOUT
# seconds [1200] is stopped and fails. To add a part: one `part` line below.
# Every tests/*_test.sh must be run by some part, or the run fails.
#
# The broker is installed, started and given the project's topics by scripts/kafka.sh (each step
# idempotent); it is stopped at the end only if this script started it. Honours the KAFKA_*
# variables of scripts/kafka.sh (KAFKA_PORT, KAFKA_DATA_DIR for a private broker); the tests find
# the broker through TRAFFIC_BROKERS, which must name that same broker (a broker test restarts it).
set -euo pipefail
cd "$(dirname "$0")/.."
KAFKA_SH=scripts/kafka.sh

total_passed=0 total_failed=0
failed_parts=()
ran_scripts=()

# Reads a part's output; prints "PASSED FAILED CLOSING_LINES". A CTest test listed as
# "(Skipped)" counts failed, not passed: we never skip on purpose, and googletest reports the tests
# of a suite whose SetUpTestSuite failed as skipped, which CTest counts among the passed.
count_results() {
  awk '/^[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+/ {p += $NF - $4; f += $4; n++}
       /^[0-9]+ passed, [0-9]+ failed$/ {p += $1; f += $3; n++}
       /^[[:space:]]+[0-9]+ - .* \(Skipped\)$/ {p--; f++}
       END {printf "%d %d %d\n", p, f, n}'
}

# part NAME CMD...: runs CMD with its output shown and counted (see the header).
part() {
  local name=$1 rc=0 log counts p f n
  shift
  case "$1" in tests/*_test.sh) ran_scripts+=("$1") ;; esac
  log=$(mktemp)
  echo "test.sh: ---- $name: $*" >&2
  # A part that hangs must not hang the run (CI stops at 90 min and reports nothing): each part
  # has PART_TIMEOUT seconds, then fails with exit status 124. Its output goes to a file, shown as
  # it grows, not through a pipe: a daemon a part starts (the broker a test restarts) that kept
  # a pipe open would make a reader wait for its end for ever.
  (  # with no descriptor but these three: nothing the part leaves running holds ours. (No
     # redirection on this loop: bash would keep stderr in a descriptor the loop closes, and the
     # part's stderr would be lost.)
    for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 2 ]; then eval "exec $fd>&-"; fi; done
    exec timeout --kill-after=30 "${PART_TIMEOUT:-1200}" "$@"
  ) < /dev/null > "$log" 2>&1 &
  local pid=$!
  tail -n +1 -f --pid="$pid" "$log" &
  local shown=$!
  wait "$pid" || rc=$?
  wait "$shown" || true
  read -r p f n < <(count_results < "$log")
  rm -f "$log"
  total_passed=$((total_passed + p))
  total_failed=$((total_failed + f))
  if [ "$rc" != 0 ] || [ "$n" = 0 ] || [ "$f" != 0 ]; then
    [ "$n" = 0 ] && total_failed=$((total_failed + 1))  # a part that printed no count counts once
    failed_parts+=("$name (exit status $rc, $n closing lines, $f failed)")
  fi
}

close() {
  echo "$total_passed passed, $total_failed failed"
  if [ "${#failed_parts[@]}" -gt 0 ]; then
    printf 'test.sh: FAILED: %s\n' "${failed_parts[@]}" >&2
    return 1
  fi
  echo "test.sh: all tests passed" >&2
}

# scripts/test.sh --part NAME CMD...: one part alone with its closing line (tests/harness_test.sh).
if [ "${1:-}" = --part ]; then
  shift
  part "$@"
  close
  exit
fi

BUILD_DIR=${1:-build/release}
SANITIZED_DIR=${2:-}
KAFKA_BOOTSTRAP="${KAFKA_HOST:-127.0.0.1}:${KAFKA_PORT:-9092}"
if [ -n "${TRAFFIC_BROKERS:-}" ] && [ "$TRAFFIC_BROKERS" != "$KAFKA_BOOTSTRAP" ]; then
  echo "test.sh: TRAFFIC_BROKERS=$TRAFFIC_BROKERS is not the broker scripts/kafka.sh runs" \
       "($KAFKA_BOOTSTRAP): set KAFKA_PORT (and KAFKA_DATA_DIR) for a private broker" >&2
  exit 2
fi
export TRAFFIC_BROKERS=$KAFKA_BOOTSTRAP
export TRAFFIC_BIN="${TRAFFIC_BIN:-$PWD/$BUILD_DIR/traffic}"  # scripts/kafka.sh create-topics runs it

started_broker=0
stop_broker() {
  local rc=$?
  if [ "$started_broker" = 1 ]; then
    "$KAFKA_SH" stop || rc=1
  fi
  exit "$rc"
}
trap stop_broker EXIT

part harness tests/harness_test.sh
part format scripts/format.sh --check
CTEST_DIR=$BUILD_DIR
ctest_env=()
if [ -n "$SANITIZED_DIR" ]; then
  if ! grep -q -- '-fsanitize=address,undefined' "$SANITIZED_DIR/CMakeCache.txt" 2>/dev/null; then
    echo "test.sh: $SANITIZED_DIR is not an ASan+UBSan build (cmake --preset debug)" >&2
    exit 2
  fi
  CTEST_DIR=$SANITIZED_DIR
  # -fno-sanitize-recover (the debug preset) makes UBSan stop too; the options say so again
  # and ask for stacks.
  ctest_env=(env ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1
             UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)
fi
part ctest "${ctest_env[@]}" ctest --test-dir "$CTEST_DIR" --output-on-failure -j 2 --timeout 1200 -LE kafka \
  --no-tests=error

if ! "$KAFKA_SH" status >/dev/null; then
  "$KAFKA_SH" install
  started_broker=1  # set before start: a start that fails half-way is cleaned up too
  "$KAFKA_SH" start
fi
"$KAFKA_SH" create-topics
# Broker tests share one broker: serially (they also hold RESOURCE_LOCK kafka).
part kafka "${ctest_env[@]}" ctest --test-dir "$CTEST_DIR" --output-on-failure -j 1 --timeout 600 -L kafka --no-tests=error
part smoke tests/kafka_smoke_test.sh
part stream tests/stream_kafka_test.sh "$BUILD_DIR/traffic"
part stream-rules tests/stream_rules_kafka_test.sh "$BUILD_DIR/traffic"
part stream-replay tests/stream_replay_kafka_test.sh "$BUILD_DIR/traffic"
part serve tests/serve_kafka_test.sh "$BUILD_DIR/traffic"
# The dashboard: its unit tests (Vitest), then end to end in headless Chromium against `traffic demo`.
part web scripts/web.sh test
# The dashboard against `traffic demo`: a smaller generated history than the demo's default (the
# browser checks what the dashboard shows, not how good the model is), so its training is short.
part dashboard env DAYS=10 TRIPS_PER_DAY=20000 scripts/web.sh e2e "$BUILD_DIR/traffic"
part hdfs tests/hdfs_script_test.sh
# The data lake on a real HDFS (its own, started and stopped by the test): traffic hdfs, all --hdfs,
# stream --hdfs, the fault cases.
part hdfs-lake tests/hdfs_lake_test.sh "$BUILD_DIR/traffic"

for script in tests/*_test.sh; do
  if [[ " ${ran_scripts[*]} " != *" $script "* ]]; then
    failed_parts+=("$script (not run by scripts/test.sh: add a part)")
    total_failed=$((total_failed + 1))
  fi
done
close
