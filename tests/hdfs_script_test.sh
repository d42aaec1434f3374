#!/usr/bin/env bash
# scripts/hdfs.sh for real: install (and that a second install does nothing), reset, start a
# NameNode and a DataNode, status healthy, a WebHDFS round trip with curl (CREATE is redirected to
# the DataNode on 127.0.0.1, the bytes PUT there come back from OPEN; LISTSTATUS, GETFILECHECKSUM,
# a MKDIRS by another user denied), a second start is a no-op, restart keeps the file, DELETE, stop
# then status exits 3, reset wipes the data. It always stops its HDFS at the end.
# The HDFS under test has a data directory of its own ($HDFS_DATA_DIR if set, else a fresh one under
# .deps/hdfs, removed at the end), so a developer's HDFS data in .deps/hdfs/data is never wiped; it
# uses the default ports, or the HDFS_* ports of the environment (a start fails at once, clearly,
# if another HDFS holds them). Prints "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/checks.sh
HDFS_SH=scripts/hdfs.sh
WORK=$(mktemp -d /tmp/traffic_hdfs_script.XXXXXX)
PRIVATE_DATA=0
if [ -z "${HDFS_DATA_DIR:-}" ]; then
  mkdir -p .deps/hdfs
  HDFS_DATA_DIR=$(mktemp -d "$PWD/.deps/hdfs/test-data.XXXXXX")
  PRIVATE_DATA=1
fi
export HDFS_DATA_DIR
HOST=${HDFS_HOST:-127.0.0.1}
NN=http://$HOST:${HDFS_NAMENODE_HTTP_PORT:-9870}
DN_PREFIX=http://$HOST:${HDFS_DATANODE_HTTP_PORT:-9864}/
WEBHDFS=$NN/webhdfs/v1
HDFS_USER=$(id -un)
DIR=/tmp/hdfs_script_test
LOG=$WORK/hdfs.log
on_exit() {
  "$HDFS_SH" stop >>"$LOG" 2>&1 || bad "the final scripts/hdfs.sh stop failed: $(tail -3 "$LOG" | tr '\n' ' ')"
  if [ -n "$("$HDFS_SH" status 2>/dev/null | grep ' running, pid ')" ]; then bad "HDFS still runs after the final stop"; fi
  [ "$PRIVATE_DATA" = 1 ] && rm -rf "$HDFS_DATA_DIR"
  if [ "$failed" != 0 ]; then echo "work: $WORK (scripts/hdfs.sh output in $LOG)"; else rm -rf "$WORK"; fi
}
die() { bad "$*"; exit 1; }
c() { curl -sS --noproxy '*' --max-time 60 "$@"; }

# status_is WANT WHAT: scripts/hdfs.sh status exits WANT; its output in $WORK/status.out.
status_is() {
  local rc=0
  "$HDFS_SH" status >"$WORK/status.out" 2>&1 || rc=$?
  if [ "$rc" = "$1" ]; then ok "$2 (status exit $rc)"; return 0; fi
  bad "$2: status exit $rc, wanted $1: $(tr '\n' ' ' < "$WORK/status.out")"
  return 1
}
pids() { "$HDFS_SH" status 2>/dev/null | sed -n 's/^hdfs: \(NameNode\|DataNode\) running, pid \([0-9]*\).*/\2/p' | tr '\n' ' '; }

# --- install: idempotent
expect_ok "$LOG" "scripts/hdfs.sh install" "$HDFS_SH" install || die "cannot go on without an install"
started=$SECONDS
out=$("$HDFS_SH" install 2>&1)
if grep -q "already installed" <<<"$out" && [ $((SECONDS - started)) -lt 10 ]; then
  ok "a second install does nothing ($out)"
else
  bad "a second install was not a no-op ($((SECONDS - started)) s): $out"
fi

# --- reset, start, status
if expect_ok "$LOG" "scripts/hdfs.sh reset" "$HDFS_SH" reset; then
  [ ! -e "$HDFS_DATA_DIR" ] && ok "reset leaves no data directory" || bad "reset left $HDFS_DATA_DIR"
fi
started=$(date +%s.%N)
expect_ok "$LOG" "scripts/hdfs.sh start" "$HDFS_SH" start || die "HDFS did not start"
ok "started and healthy in $(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { printf "%.1f", a - b }') s" \
   "($(grep -o 'started HDFS.*in [0-9.]*s' "$LOG" | tail -1))"
[ -f "$HDFS_DATA_DIR/name/current/VERSION" ] && grep -q "clusterID=${HDFS_CLUSTER_ID:-CID-smart-city-traffic}" \
  "$HDFS_DATA_DIR/name/current/VERSION" && ok "the first start formatted the NameNode with the fixed cluster id" \
  || bad "no formatted NameNode with the fixed cluster id in $HDFS_DATA_DIR/name"
if status_is 0 "status: healthy after start"; then
  grep -q "safe mode off, 1 live DataNode(s)" "$WORK/status.out" && grep -q "^hdfs: healthy" "$WORK/status.out" \
    && ok "status shows safe mode off and 1 live DataNode" || bad "status output: $(tr '\n' ' ' < "$WORK/status.out")"
fi
grep -q '<name>dfs.permissions.enabled</name><value>true</value>' "$HDFS_DATA_DIR/conf/hdfs-site.xml" \
  && grep -q "<name>fs.defaultFS</name><value>hdfs://$HOST:${HDFS_NAMENODE_PORT:-9000}</value>" "$HDFS_DATA_DIR/conf/core-site.xml" \
  && ok "generated config: fs.defaultFS hdfs://$HOST:${HDFS_NAMENODE_PORT:-9000}, permissions on" \
  || bad "generated config lacks fs.defaultFS or dfs.permissions.enabled"

# --- WebHDFS round trip
head -c 1500000 /dev/urandom > "$WORK/x.bin"
printf 'end of the test file\n' >> "$WORK/x.bin"
size=$(stat -c %s "$WORK/x.bin")
code=$(c -o /dev/null -D "$WORK/create.h" -w '%{http_code}' -X PUT \
       "$WEBHDFS$DIR/x?op=CREATE&overwrite=true&user.name=$HDFS_USER")
location=$(tr -d '\r' < "$WORK/create.h" | sed -n 's/^[Ll]ocation: //p')
if [ "$code" = 307 ] && [[ "$location" == "$DN_PREFIX"* ]]; then
  ok "CREATE on the NameNode: 307 redirect to the DataNode at $DN_PREFIX"
else
  bad "CREATE on the NameNode: HTTP $code, Location '$location' (wanted 307 to $DN_PREFIX...)"
fi
code=$(c -o "$WORK/put.out" -w '%{http_code}' -H 'Expect:' -X PUT -T "$WORK/x.bin" "${location:-$NN/none}")
[ "$code" = 201 ] && ok "PUT of $size bytes to the DataNode: 201 Created" \
  || bad "PUT to the DataNode ($location): HTTP $code: $(head -c 300 "$WORK/put.out")"
code=$(c -L -o "$WORK/x.out" -w '%{http_code}' "$WEBHDFS$DIR/x?op=OPEN&user.name=$HDFS_USER")
[ "$code" = 200 ] && cmp -s "$WORK/x.bin" "$WORK/x.out" && ok "OPEN (redirected) returns the same $size bytes" \
  || bad "OPEN: HTTP $code, $(stat -c %s "$WORK/x.out" 2>/dev/null || echo 0) bytes, differ from the $size written"
list=$(c "$WEBHDFS$DIR?op=LISTSTATUS&user.name=$HDFS_USER")
grep -q '"pathSuffix":"x"' <<<"$list" && grep -q "\"length\":$size" <<<"$list" \
  && grep -q "\"owner\":\"$HDFS_USER\"" <<<"$list" && ok "LISTSTATUS shows x, $size bytes, owner $HDFS_USER" \
  || bad "LISTSTATUS: $list"
checksum=$(c -L "$WEBHDFS$DIR/x?op=GETFILECHECKSUM&user.name=$HDFS_USER")
grep -q '"FileChecksum":{"algorithm":"MD5-of-[0-9]*MD5-of-[0-9]*CRC32C","bytes":"[0-9a-f]*"' <<<"$checksum" \
  && ok "GETFILECHECKSUM: $checksum" || bad "GETFILECHECKSUM: $checksum"
# Permissions are checked: another user may not write into the test user's directory.
denied=$(c -w ' %{http_code}' -X PUT "$WEBHDFS$DIR/sub?op=MKDIRS&user.name=hdfs-script-test-other")
[[ "$denied" == *AccessControlException*"Permission denied"*" 403" ]] \
  && ok "MKDIRS by another user is denied (403 AccessControlException)" || bad "MKDIRS by another user: $denied"

# --- a second start is a no-op
before=$(pids)
started=$SECONDS
out=$("$HDFS_SH" start 2>&1)
rc=$?
if [ "$rc" = 0 ] && grep -q "already running and healthy" <<<"$out" && [ "$(pids)" = "$before" ] \
    && [ $((SECONDS - started)) -lt 10 ]; then
  ok "a second start is a no-op success (pids $before)"
else
  bad "second start: exit $rc, pids '$before' -> '$(pids)', $((SECONDS - started)) s: $out"
fi

# --- restart keeps the file
expect_ok "$LOG" "scripts/hdfs.sh restart" "$HDFS_SH" restart
[ "$(pids)" != "$before" ] && ok "restart made new daemons (pids $(pids))" || bad "restart kept pids $before"
status_is 0 "status: healthy after restart"
code=$(c -L -o "$WORK/x.out2" -w '%{http_code}' "$WEBHDFS$DIR/x?op=OPEN&user.name=$HDFS_USER")
[ "$code" = 200 ] && cmp -s "$WORK/x.bin" "$WORK/x.out2" && ok "after restart OPEN returns the same $size bytes" \
  || bad "after restart OPEN: HTTP $code"
[ "$(c -L "$WEBHDFS$DIR/x?op=GETFILECHECKSUM&user.name=$HDFS_USER")" = "$checksum" ] \
  && ok "after restart the checksum is the same" || bad "after restart the checksum changed"
deleted=$(c -X DELETE "$WEBHDFS$DIR/x?op=DELETE&user.name=$HDFS_USER")
[ "$deleted" = '{"boolean":true}' ] && ok "DELETE: $deleted" || bad "DELETE: $deleted"
code=$(c -o "$WORK/gone.out" -w '%{http_code}' "$WEBHDFS$DIR/x?op=GETFILESTATUS&user.name=$HDFS_USER")
[ "$code" = 404 ] && grep -q FileNotFoundException "$WORK/gone.out" && ok "the deleted file is gone (404)" \
  || bad "GETFILESTATUS after DELETE: HTTP $code $(head -c 200 "$WORK/gone.out")"

# --- stop, status 3, reset wipes
expect_ok "$LOG" "scripts/hdfs.sh stop" "$HDFS_SH" stop
status_is 3 "status: not running after stop"
if (exec 3<>"/dev/tcp/$HOST/${HDFS_NAMENODE_HTTP_PORT:-9870}") 2>/dev/null \
    || (exec 3<>"/dev/tcp/$HOST/${HDFS_DATANODE_PORT:-9866}") 2>/dev/null; then
  bad "a port of HDFS still accepts connections after stop"
else
  ok "the NameNode and DataNode ports are closed after stop"
fi
[ -n "$(ls -A "$HDFS_DATA_DIR/datanode" 2>/dev/null)" ] && [ -f "$HDFS_DATA_DIR/name/current/VERSION" ] \
  && ok "the data (name/, datanode/) is there before reset" || bad "no name/ or datanode/ in $HDFS_DATA_DIR before reset"
if expect_ok "$LOG" "scripts/hdfs.sh reset" "$HDFS_SH" reset; then
  [ ! -e "$HDFS_DATA_DIR" ] && ok "reset wiped $HDFS_DATA_DIR" || bad "reset left $HDFS_DATA_DIR"
fi
finish
