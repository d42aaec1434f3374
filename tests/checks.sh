# Sourced by the shell tests (tests/*_test.sh): counted checks, one closing line and an exit
# status that follows them.
#
#   ok "what held"           a check passed
#   bad "what went wrong"    a check failed
#   expect_ok LOG WHAT CMD...  runs CMD with its stdout and stderr appended to the file LOG (- for
#                            none); its exit status must be 0, else a failed check named WHAT
#                            with LOG's last lines. Success is not counted: it is a premise.
#   finish                   the last line of a test: the script reached its end
#   on_exit                  define it to clean up (kill workers, remove files); runs first
#
# At exit the test prints "N passed, M failed" (the line scripts/test.sh counts) and exits 0 only
# if no check failed, at least one passed and the script reached `finish`: a test that dies half
# way (set -u, a missing binary) or checks nothing is a failure, never a silent pass.
CHECKS_NAME=${CHECKS_NAME:-$(basename "$0" .sh)}
passed=0 failed=0
_checks_finished=0
# The script's own stdout and stderr: a check reports there even inside a redirected call.
exec {_checks_out}>&1 {_checks_err}>&2

ok() { echo "$CHECKS_NAME: PASS: $*" >&"$_checks_out"; passed=$((passed + 1)); }
bad() { echo "$CHECKS_NAME: FAIL: $*" >&"$_checks_err"; failed=$((failed + 1)); }
expect_ok() {
  local log=$1 what=$2 rc=0
  shift 2
  if [ "$log" = - ]; then "$@" || rc=$?; else "$@" >>"$log" 2>&1 || rc=$?; fi
  if [ "$rc" != 0 ]; then
    if [ "$log" = - ]; then bad "$what: exit status $rc"
    else bad "$what: exit status $rc; last lines of $log: $(tail -3 "$log" | tr '\n' ' ')"; fi
    return 1
  fi
}
finish() { _checks_finished=1; }

_checks_close() {
  local rc=$?
  trap - EXIT
  if declare -F on_exit >/dev/null; then on_exit || true; fi
  if [ "$_checks_finished" != 1 ]; then bad "stopped before its end (exit status $rc)"; fi
  if [ "$passed" = 0 ] && [ "$failed" = 0 ]; then bad "checked nothing"; fi
  echo "$passed passed, $failed failed" >&"$_checks_out"
  [ "$failed" = 0 ] && exit 0
  exit 1
}
trap _checks_close EXIT
