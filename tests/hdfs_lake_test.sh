#!/usr/bin/env bash
# The data lake on a real HDFS (issue 9), started by scripts/hdfs.sh with a data directory of its
# own (removed at the end; it always stops its HDFS):
#   traffic hdfs health / setup / upload (refuses an existing file unless --overwrite, and a file
#   that is not CSV or Parquet) / list --json / download (bytes compared) / rm (refuses the layout
#   root; asks unless --yes);
#   traffic all --hdfs end to end (trips, features, model and report land in HDFS), a rerun is up
#   to date; produce --hdfs --input replays a raw CSV from HDFS; serve --hdfs shows the model card
#   from HDFS; traffic stream --hdfs --output parquet: the archive is read back and has every row
#   (embedded; and on Kafka through a kill -9 of the worker: every committed result archived once);
#   faults: a NameNode that is not there (bounded retries, the URI named), a bad URI, safe mode,
#   permission denied, a file where a folder belongs, the DataNode killed during an upload (the
#   step fails, nothing partial is visible, a rerun succeeds).
# Usage: tests/hdfs_lake_test.sh [TRAFFIC_BINARY]   (default build/release/traffic). The Kafka part
# needs the broker at $TRAFFIC_BROKERS [127.0.0.1:9092] (scripts/test.sh starts it).
# Prints "N passed, M failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source tests/checks.sh
source tests/kafka_checks.sh  # count_topic, wait_stable, archive_rows
BIN=$(realpath "${1:-build/release/traffic}")
HDFS_SH=scripts/hdfs.sh
WORK=$(mktemp -d /tmp/traffic_hdfs_lake.XXXXXX)
mkdir -p .deps/hdfs
export HDFS_DATA_DIR
HDFS_DATA_DIR=$(mktemp -d "$PWD/.deps/hdfs/lake-test-data.XXXXXX")
HOST=${HDFS_HOST:-127.0.0.1}
export TRAFFIC_HDFS_URI=hdfs://$HOST:${HDFS_NAMENODE_PORT:-9000}
export TRAFFIC_GEO_DIR=${TRAFFIC_GEO_DIR:-$PWD/../shared/data/geo}
WEBHDFS=http://$HOST:${HDFS_NAMENODE_HTTP_PORT:-9870}/webhdfs/v1
ROOT=/smart-city-traffic/data
LOG=$WORK/log
worker=
on_exit() {
  [ -n "$worker" ] && kill -9 "$worker" 2>/dev/null
  "$HDFS_SH" stop >>"$LOG" 2>&1 || bad "the final scripts/hdfs.sh stop failed"
  rm -rf "$HDFS_DATA_DIR"
  if [ "$failed" != 0 ]; then echo "work: $WORK (commands' output in $LOG)"; else rm -rf "$WORK"; fi
}
die() { bad "$*"; exit 1; }
t() { "$BIN" "$@"; }
c() { curl -sS --noproxy '*' --max-time 60 "$@"; }
# fails_with WHAT TEXT CMD...: CMD exits 1 and its stderr holds TEXT.
fails_with() {
  local what=$1 text=$2 rc=0
  shift 2
  "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
  if [ "$rc" = 1 ] && grep -qF -- "$text" "$WORK/err"; then
    ok "$what: exit 1, '$(head -c 300 "$WORK/err" | tr '\n' ' ')'"
  else
    bad "$what: exit $rc, wanted 1 with '$text'; stderr: $(head -c 500 "$WORK/err")"
  fi
}
json_field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
dfsadmin() {
  java -Dhadoop.log.dir="$WORK" -Dhadoop.log.file=dfsadmin.log -cp "$HDFS_DATA_DIR/conf:.deps/hdfs/lib/*" \
    org.apache.hadoop.hdfs.tools.DFSAdmin -fs "$TRAFFIC_HDFS_URI" "$@"
}

expect_ok "$LOG" "scripts/hdfs.sh install" "$HDFS_SH" install || die "cannot go on without an install"
expect_ok "$LOG" "scripts/hdfs.sh start" "$HDFS_SH" start || die "HDFS did not start"

# --- health, setup
if t hdfs health --json >"$WORK/health.json" 2>>"$LOG" \
   && [ "$(json_field "$WORK/health.json" 'd["healthy"] and d["live_datanodes"] == 1 and d["capacity_bytes"] > 0')" = True ]; then
  ok "hdfs health: healthy, 1 live DataNode, capacity $(json_field "$WORK/health.json" 'd["capacity_bytes"]')"
else
  bad "hdfs health: $(cat "$WORK/health.json")"
fi
t hdfs setup --json >"$WORK/setup.json" 2>>"$LOG"
if [ "$(json_field "$WORK/setup.json" 'len(d["created"])')" = 6 ] \
   && [ "$(c "$WEBHDFS$ROOT/checkpoints?op=GETFILESTATUS&user.name=$(id -un)" | grep -c DIRECTORY)" = 1 ]; then
  ok "hdfs setup created the 6 layout folders under $ROOT"
else
  bad "hdfs setup: $(cat "$WORK/setup.json")"
fi
t hdfs setup --json >"$WORK/setup2.json" 2>>"$LOG"
[ "$(json_field "$WORK/setup2.json" 'len(d["created"])')" = 0 ] && ok "a second setup creates nothing" \
  || bad "a second setup: $(cat "$WORK/setup2.json")"

# --- upload
expect_ok "$LOG" "generate trips locally" t generate --days 8 --trips-per-day 3000 --seed 5 --data-dir "$WORK/local"
CSV=$(ls "$WORK"/local/raw/*.csv | head -1)
NAME=$(basename "$CSV")
if t hdfs upload "$WORK/local/raw" --json >"$WORK/upload.json" 2>>"$LOG" \
   && [ "$(json_field "$WORK/upload.json" 'all(f["size_verified"] and f["checksum_verified"] == "MD5-of-0MD5-of-512CRC32C" for f in d["copied"]) and d["bytes"]')" = "$(stat -c %s "$CSV")" ]; then
  ok "hdfs upload of a folder: $NAME, $(stat -c %s "$CSV") bytes, size and HDFS checksum verified"
else
  bad "hdfs upload: $(cat "$WORK/upload.json")"
fi
fails_with "upload of a file that already exists" "already exists (--overwrite replaces it)" t hdfs upload "$CSV"
expect_ok "$LOG" "upload --overwrite replaces it" t hdfs upload "$CSV" --overwrite
echo "not trips" >"$WORK/notes.txt"
fails_with "upload of a file that is not CSV or Parquet" "not a .csv or .parquet file" t hdfs upload "$WORK/notes.txt"

# --- traffic all --hdfs
if t all --hdfs --json >"$WORK/all.json" 2>>"$LOG"; then
  ok "traffic all --hdfs: exit 0"
else
  bad "traffic all --hdfs failed: $(tail -3 "$LOG")"
fi
t hdfs list --json >"$WORK/list.json" 2>>"$LOG"
for want in processed/_SUCCESS features/_SUCCESS features/part-00000.parquet models/latest; do
  if [ "$(json_field "$WORK/list.json" "any(e['path'].endswith('/$want') for e in d['entries'])")" = True ]; then
    ok "in HDFS after all --hdfs: $want"
  else
    bad "not in HDFS after all --hdfs: $want"
  fi
done
VERSION=$(c "$WEBHDFS$ROOT/models/latest?op=OPEN&user.name=$(id -un)" -L | tr -d '[:space:]')
for want in card.json report.txt model_15m.json model_60m.json; do
  if [ "$(json_field "$WORK/list.json" "any(e['path'].endswith('/models/$VERSION/$want') for e in d['entries'])")" = True ]; then
    ok "model $VERSION in HDFS has $want"
  else
    bad "model '$VERSION' in HDFS has no $want"
  fi
done
if t all --hdfs --json >"$WORK/all2.json" 2>>"$LOG" && grep -q '"clean":"up to date"' "$WORK/all2.json" \
   && grep -q '"train":"up to date"' "$WORK/all2.json"; then
  ok "a second all --hdfs is up to date"
else
  bad "a second all --hdfs: $(head -c 300 "$WORK/all2.json")"
fi

# --- download and compare bytes
rm -rf "$WORK/dl"
if t hdfs download "raw/$NAME" "models/$VERSION" --to "$WORK/dl" --json >"$WORK/download.json" 2>>"$LOG" \
   && cmp -s "$CSV" "$WORK/dl/$NAME" \
   && [ "$(json_field "$WORK/download.json" 'd["copied"][0]["checksum_verified"]')" = MD5-of-0MD5-of-512CRC32C ]; then
  ok "hdfs download: the raw CSV comes back byte for byte, its HDFS checksum verified"
else
  bad "hdfs download of raw/$NAME differs or failed"
fi
c -L "$WEBHDFS$ROOT/models/$VERSION/card.json?op=OPEN&user.name=$(id -un)" >"$WORK/card.json"
cmp -s "$WORK/card.json" "$WORK/dl/card.json" && ok "hdfs download of a folder: card.json equals WebHDFS's OPEN" \
  || bad "downloaded card.json differs from HDFS's"
fails_with "download onto an existing file" "already exists" t hdfs download "raw/$NAME" --to "$WORK/dl"

# --- the streaming archive on HDFS, read back
if t stream --hdfs --embedded --synthetic --days 1 --trips-per-day 8000 --speedup 1000000 --output parquet \
     --duration 60 --json >"$WORK/stream.json" 2>>"$LOG"; then
  rows=$(json_field "$WORK/stream.json" 'd["archive_rows"]' 2>/dev/null || echo "?")
  rm -rf "$WORK/archive"
  t hdfs download streaming --to "$WORK/archive" >>"$LOG" 2>&1
  read_back=$(.venv/bin/python -c "import pyarrow.dataset as ds,sys; print(ds.dataset(sys.argv[1], format='parquet').count_rows())" "$WORK/archive" 2>>"$LOG")
  if [ -n "$rows" ] && [ "$rows" != "?" ] && [ "$rows" -gt 0 ] && [ "$read_back" = "$rows" ]; then
    ok "stream --hdfs --output parquet: $rows rows archived in HDFS, $read_back read back"
  else
    bad "stream archive: summary rows '$rows', read back '$read_back': $(head -c 300 "$WORK/stream.json")"
  fi
else
  bad "stream --hdfs --output parquet failed: $(tail -3 "$LOG")"
fi

# --- on Kafka: the archive in HDFS follows the committed output topic, through a kill -9
# (pipeline/archive_follower.h): every committed window result is in one archive file, once.
BROKERS=${TRAFFIC_BROKERS:-127.0.0.1:9092}
export TRAFFIC_BROKERS=$BROKERS
RUN=$(date +%s)-$$
OUT=lake-out-$RUN
K=(--input-topic "lake-in-$RUN" --output-topic "$OUT" --dead-letter-topic "lake-dl-$RUN" --state-topic "lake-state-$RUN"
   --group "lake-$RUN" --model none --commit-interval-ms 200 --hdfs --output all)
expect_ok "$LOG" "produce (creates the input topic)" t produce --synthetic --topic "lake-in-$RUN" --rate 0 --max-events 1 --seed 1
"$BIN" stream "${K[@]}" >"$WORK/k1.out" 2>"$WORK/k1.err" &  # not through t(): $! must be the worker
worker=$!
# Paced (about 30 s), so that the kill comes while the input is still arriving (the first count
# can take 15 s, while the output topic is being created).
"$BIN" produce --synthetic --topic "lake-in-$RUN" --rate 1000 --max-events 30000 --seed 7 --start 2016-01-11 \
  >>"$LOG" 2>&1 &
producer=$!
for _ in $(seq 120); do n=$(count_topic "$OUT"); [ "${n:-0}" -gt 300 ] && break; sleep 1; done
rc=0
kill -9 "$worker" 2>/dev/null
wait "$worker" 2>/dev/null || rc=$?
[ "$rc" = 137 ] || bad "the first worker was not running at its kill -9 (exit $rc): $(tail -2 "$WORK/k1.err" | tr '\n' ' ')"
before=$(count_topic "$OUT")
wait "$producer" || bad "the paced producer failed: $(tail -2 "$LOG")"
"$BIN" stream "${K[@]}" >"$WORK/k2.out" 2>"$WORK/k2.err" &
worker=$!
wait_stable "$OUT" || bad "the output topic $OUT did not settle within 180 s"
rc=0
kill -TERM "$worker" 2>/dev/null
wait "$worker" 2>/dev/null || rc=$?
[ "$rc" = 0 ] || bad "the second worker exited $rc on SIGTERM: $(tail -2 "$WORK/k2.err" | tr '\n' ' ')"
committed=$(count_topic "$OUT")
rm -rf "$WORK/karchive"
t hdfs download streaming --to "$WORK/karchive" >>"$LOG" 2>&1
read -r rows distinct < <(archive_rows "$WORK/karchive" "$OUT")
# (The first worker may have committed every result before its kill: the windows close in bursts
# as the watermark passes. Its archive follower's rows buffered at the kill are then lost with it
# and must be read again by the second one.)
if [ "${before:-0}" -gt 0 ] && [ "${committed:-0}" -ge "$before" ] && [ "${rows:-0}" = "$committed" ] \
   && [ "${distinct:-0}" = "$committed" ]; then
  ok "stream on Kafka with --hdfs, kill -9 with $before committed: the HDFS archive holds all $committed committed results, each once"
else
  bad "Kafka archive in HDFS: $before committed at the kill, $committed at the end; archive rows ${rows:-?}, distinct ${distinct:-?}: $(tail -3 "$WORK/k2.err" | tr '\n' ' ')"
fi

# --- produce --input from HDFS, serve's model card from HDFS
REPLAY=lake-replay-$RUN
if t produce --hdfs --input "raw/$NAME" --topic "$REPLAY" --rate 0 --json >"$WORK/replay.json" 2>>"$LOG"; then
  sent=$(json_field "$WORK/replay.json" 'd["sent"]')
  [ "$sent" -gt 20000 ] && [ "$(count_topic "$REPLAY")" = "$sent" ] \
    && ok "produce --hdfs --input raw/$NAME: $sent clean trips replayed from HDFS, all in $REPLAY" \
    || bad "produce --hdfs --input: sent $sent, topic holds $(count_topic "$REPLAY")"
else
  bad "produce --hdfs --input failed: $(tail -2 "$LOG")"
fi
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$BIN" serve --hdfs --port "$PORT" --duration 30 --topic "$OUT" >"$WORK/serve.out" 2>"$WORK/serve.err" &
serve=$!
model=
for _ in $(seq 100); do
  model=$(curl -s "http://127.0.0.1:$PORT/api/model" 2>/dev/null) && [ -n "$model" ] && break
  sleep 0.2
done
kill -TERM "$serve" 2>/dev/null
wait "$serve" 2>/dev/null
grep -q "\"$VERSION\"" <<<"$model" && ok "serve --hdfs: /api/model is model $VERSION's card, read from HDFS" \
  || bad "serve --hdfs /api/model: $(head -c 300 <<<"$model") $(tail -2 "$WORK/serve.err")"

# --- rm
fails_with "rm of the layout root" "refusing to remove the layout root" t hdfs rm "$ROOT" --yes
fails_with "rm without --yes, not on a terminal" "pass --yes" t hdfs rm streaming </dev/null
if t hdfs rm streaming --yes >>"$LOG" 2>&1 \
   && [ "$(c "$WEBHDFS$ROOT/streaming?op=GETFILESTATUS&user.name=$(id -un)" -w '%{http_code}' -o /dev/null)" = 404 ]; then
  ok "rm --yes removes streaming/"
else
  bad "rm --yes streaming"
fi

# --- faults
started=$SECONDS
fails_with "a NameNode that is not there" "gave up after 5 attempts" t features --hdfs --hdfs-uri webhdfs://127.0.0.1:1
grep -qF "http://127.0.0.1:1" "$WORK/err" && [ $((SECONDS - started)) -lt 30 ] \
  && ok "... the error names the URI and came within $((SECONDS - started)) s" || bad "NameNode down: $(cat "$WORK/err")"
fails_with "a bad URI" "HDFS URI 'http://localhost:9870'" t train --hdfs-uri http://localhost:9870
fails_with "a file where a folder belongs" "synthetic_yellow_2016-01.csv (is not a directory)" \
  t hdfs setup --data-dir "$ROOT/raw/$NAME"
c -X PUT "$WEBHDFS/private?op=MKDIRS&permission=700&user.name=$(id -un)" >/dev/null
fails_with "permission denied (a folder of another user, mode 700)" "permission denied (as HDFS user 'lake-test-other')" \
  env HADOOP_USER_NAME=lake-test-other "$BIN" hdfs upload "$CSV" --to /private
if dfsadmin -safemode enter >>"$LOG" 2>&1; then
  rc=0
  t hdfs health >"$WORK/out" 2>&1 || rc=$?
  [ "$rc" = 1 ] && grep -q "safeMode" "$WORK/out" && grep -q "NOT healthy" "$WORK/out" \
    && ok "health in safe mode: exit 1, $(head -1 "$WORK/out")" || bad "health in safe mode: exit $rc: $(cat "$WORK/out")"
  fails_with "a step while the NameNode is in safe mode" "Name node is in safe mode" t clean --hdfs
  dfsadmin -safemode leave >>"$LOG" 2>&1 || bad "could not leave safe mode"
else
  bad "could not enter safe mode: $(tail -3 "$LOG")"
fi

# The DataNode killed during an upload: the step fails, nothing is visible under the name, and
# after HDFS is back the same upload succeeds.
head -c 400000000 /dev/zero | tr '\0' 'x' >"$WORK/big.csv"
t hdfs upload "$WORK/big.csv" --to /killed >"$WORK/kill.out" 2>"$WORK/kill.err" &
upload=$!
sleep 0.7
kill -9 "$(cat "$HDFS_DATA_DIR/datanode.pid")"
rc=0
wait "$upload" || rc=$?
status=$(c "$WEBHDFS/killed/big.csv?op=GETFILESTATUS&user.name=$(id -un)" -w '%{http_code}' -o /dev/null)
if [ "$rc" = 1 ] && [ "$status" = 404 ]; then
  ok "DataNode killed during an upload: exit 1 ($(head -c 200 "$WORK/kill.err" | tr '\n' ' ')), nothing at /killed/big.csv"
else
  bad "DataNode killed during an upload: exit $rc, /killed/big.csv GETFILESTATUS $status: $(cat "$WORK/kill.err")"
fi
expect_ok "$LOG" "scripts/hdfs.sh restart after the kill" "$HDFS_SH" restart
if t hdfs upload "$WORK/big.csv" --to /killed >>"$LOG" 2>&1 \
   && [ "$(c "$WEBHDFS/killed/big.csv?op=GETFILESTATUS&user.name=$(id -un)" | json_field /dev/stdin 'd["FileStatus"]["length"]')" = 400000000 ]; then
  ok "the same upload after the restart succeeds, whole"
else
  bad "the upload after the restart: $(tail -3 "$LOG")"
fi
finish
