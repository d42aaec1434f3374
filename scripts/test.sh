#!/usr/bin/env bash
# Every test: unit and end-to-end (CTest, with the real files in ../shared/data), then the tests
# against the real Kafka broker (CTest label `kafka`, one at a time) and the broker smoke test.
#
# The broker is installed, started and given the project's topics by scripts/kafka.sh (each step
# idempotent); it is stopped at the end only if this script started it. Honours the KAFKA_*
# variables of scripts/kafka.sh; the tests find the broker through TRAFFIC_BROKERS.
# Every part runs even if an earlier one failed; the exit status is non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build/release}
KAFKA_SH=scripts/kafka.sh
export TRAFFIC_BROKERS="${TRAFFIC_BROKERS:-${KAFKA_HOST:-127.0.0.1}:${KAFKA_PORT:-9092}}"

started_broker=0
stop_broker() {
  local rc=$?
  if [ "$started_broker" = 1 ]; then
    "$KAFKA_SH" stop || rc=1
  fi
  exit "$rc"
}
trap stop_broker EXIT

if ! "$KAFKA_SH" status >/dev/null; then
  "$KAFKA_SH" install
  started_broker=1  # set before start: a start that fails half-way is cleaned up too
  "$KAFKA_SH" start
fi
"$KAFKA_SH" create-topics

failed=()
LOG=$(mktemp)
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 --timeout 600 -LE kafka 2>&1 | tee -a "$LOG" \
  || failed+=("ctest (all but kafka)")
# Broker tests share one broker: serially (they also hold RESOURCE_LOCK kafka).
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 1 --timeout 600 -L kafka \
  --no-tests=error 2>&1 | tee -a "$LOG" || failed+=("ctest -L kafka")
tests/kafka_smoke_test.sh 2>&1 | tee -a "$LOG" || failed+=("tests/kafka_smoke_test.sh")
tests/stream_kafka_test.sh "$BUILD_DIR/traffic" 2>&1 | tee -a "$LOG" || failed+=("tests/stream_kafka_test.sh")
# The dashboard's unit tests (Vitest).
scripts/web.sh test 2>&1 | tee -a "$LOG" || failed+=("scripts/web.sh test")
# The dashboard end to end in headless Chromium against `traffic demo` (once the binary has it).
if "$BUILD_DIR/traffic" demo --help 2>/dev/null | grep -q -- "--web-dir"; then
  scripts/web.sh e2e "$BUILD_DIR/traffic" 2>&1 | tee -a "$LOG" || failed+=("scripts/web.sh e2e")
fi

# One closing line over every part: CTest's "N% tests passed, F tests failed out of T" and the
# scripts' "P passed, F failed".
awk '/tests passed, [0-9]+ tests failed out of/ {t += $NF; f += $4}
     /^[0-9]+ passed, [0-9]+ failed$/ {t += $1 + $3; f += $3}
     END {printf "%d passed, %d failed\n", t - f, f}' "$LOG"
rm -f "$LOG"

if [ "${#failed[@]}" -gt 0 ]; then
  echo "test.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "test.sh: all tests passed" >&2
