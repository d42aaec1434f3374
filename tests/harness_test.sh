#!/usr/bin/env bash
# The harness can go red: a shell test built on tests/checks.sh with one planted failing check (or
# one that dies half way, or checks nothing) exits non-zero, and scripts/test.sh fails a part
# whose closing line counts a failure even when its exit status is 0, or that prints no count.
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/checks.sh
WORK=$(mktemp -d /tmp/traffic_harness.XXXXXX)
on_exit() { rm -rf "$WORK"; }

# fake NAME BODY: a test script made of tests/checks.sh and BODY.
fake() {
  printf '#!/usr/bin/env bash\nset -uo pipefail\nsource %q\n%s\n' "$PWD/tests/checks.sh" "$2" > "$WORK/$1"
  chmod +x "$WORK/$1"
}
# expect_status WANT WHAT CMD...: CMD exits with status WANT (0, or "nonzero") and prints a closing line.
expect_status() {
  local want=$1 what=$2 rc=0 out
  shift 2
  out=$("$@" 2>&1) || rc=$?
  local closing
  closing=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)
  out=${out//$'\n'/ | }  # one line: a quoted closing line must not count as this test's own
  if { [ "$want" = 0 ] && [ "$rc" = 0 ]; } || { [ "$want" = nonzero ] && [ "$rc" != 0 ]; }; then
    if [ -n "$closing" ]; then ok "$what (exit $rc, \"$closing\")"; else bad "$what: no closing line in: $out"; fi
  else
    bad "$what: exit status $rc, wanted $want; output: $out"
  fi
}

fake green.sh 'ok one; ok two; finish'
fake planted.sh 'ok one; bad "planted failure"; ok three; finish'
fake dies.sh 'ok one; echo "$undefined_variable"; ok two; finish'
fake unfinished.sh 'ok one; exit 0'
fake empty.sh 'finish'
fake failing_cmd.sh 'expect_ok - "false runs" false; finish'
expect_status 0 "all checks pass: exit 0" "$WORK/green.sh"
expect_status nonzero "one planted failing check: non-zero" "$WORK/planted.sh"
expect_status nonzero "a test that dies half way (set -u): non-zero" "$WORK/dies.sh"
expect_status nonzero "a test that exits before finish: non-zero" "$WORK/unfinished.sh"
expect_status nonzero "a test that checks nothing: non-zero" "$WORK/empty.sh"
expect_status nonzero "expect_ok on a failing command: non-zero" "$WORK/failing_cmd.sh"
grep -qx "2 passed, 1 failed" <("$WORK/planted.sh" 2>/dev/null) \
  && ok "the closing line counts the planted failure" || bad "planted.sh closing line: $("$WORK/planted.sh" 2>&1)"

# scripts/test.sh counts closing lines, not only exit statuses.
printf '#!/bin/sh\necho "3 passed, 1 failed"\nexit 0\n' > "$WORK/lies.sh"
printf '#!/bin/sh\necho "99%% tests passed, 1 tests failed out of 100"\nexit 0\n' > "$WORK/ctest_lies.sh"
printf '#!/bin/sh\necho "no count here"\nexit 0\n' > "$WORK/silent.sh"
printf '#!/bin/sh\necho "1 passed, 0 failed"\nexit 3\n' > "$WORK/crashes.sh"
printf '#!/bin/sh\necho "100%% tests passed, 0 tests failed out of 7"\necho "2 passed, 0 failed"\n' > "$WORK/fine.sh"
printf '#!/bin/sh\necho "100%% tests passed, 0 tests failed out of 2"\necho "The following tests did not run:"\nprintf "\\t288 - Suite.Test (Skipped)\\n"\n' > "$WORK/ctest_skips.sh"
chmod +x "$WORK"/*.sh
expect_status nonzero "test.sh: a CTest test reported skipped (a failed SetUpTestSuite) fails" \
  scripts/test.sh --part ctest "$WORK/ctest_skips.sh"
expect_status nonzero "test.sh: a part that exits 0 but counts a failure fails" scripts/test.sh --part lies "$WORK/lies.sh"
expect_status nonzero "test.sh: a CTest line that counts a failure fails" scripts/test.sh --part ctest "$WORK/ctest_lies.sh"
expect_status nonzero "test.sh: a part with no closing line fails" scripts/test.sh --part silent "$WORK/silent.sh"
expect_status nonzero "test.sh: a part that exits non-zero fails" scripts/test.sh --part crashes "$WORK/crashes.sh"
printf '#!/bin/sh\necho "1 passed, 0 failed"\nsleep 60\n' > "$WORK/hangs.sh"
chmod +x "$WORK/hangs.sh"
started=$SECONDS
PART_TIMEOUT=2 expect_status nonzero "test.sh: a part that hangs past PART_TIMEOUT is stopped and fails" \
  scripts/test.sh --part hangs "$WORK/hangs.sh"
[ $((SECONDS - started)) -lt 30 ] && ok "test.sh stopped the hanging part in $((SECONDS - started)) s" \
  || bad "test.sh let a hanging part run $((SECONDS - started)) s"
# Regression: the broker a test restarts inherited the part's output and held it open; the run
# waited for its end until CI stopped it at 90 min.
printf '#!/bin/sh\nsetsid sleep 40 &\necho "1 passed, 0 failed"\n' > "$WORK/daemon.sh"
chmod +x "$WORK/daemon.sh"
started=$SECONDS
expect_status 0 "test.sh: a part that leaves a daemon holding its output still ends" \
  scripts/test.sh --part daemon "$WORK/daemon.sh"
[ $((SECONDS - started)) -lt 20 ] && ok "test.sh did not wait for the part's daemon ($((SECONDS - started)) s)" \
  || bad "test.sh waited $((SECONDS - started)) s for a daemon the part left"
# Regression: the descriptor-closing loop lost every part's stderr, where checks report failures.
printf '#!/bin/sh\necho "planted-stderr-line" >&2\necho "1 passed, 0 failed"\n' > "$WORK/stderr.sh"
chmod +x "$WORK/stderr.sh"
shown=$(scripts/test.sh --part stderr "$WORK/stderr.sh" 2>/dev/null)
grep -q planted-stderr-line <<<"$shown" \
  && ok "test.sh shows what a part writes to stderr" || bad "test.sh lost a part's stderr"
expect_status 0 "test.sh: a clean part passes" scripts/test.sh --part fine "$WORK/fine.sh"
grep -qx "9 passed, 0 failed" <(scripts/test.sh --part fine "$WORK/fine.sh" 2>/dev/null) \
  && ok "test.sh adds up CTest's and the scripts' counts" || bad "test.sh totals: $(scripts/test.sh --part fine "$WORK/fine.sh" 2>&1)"
finish
