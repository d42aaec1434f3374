# Sourced by the shell tests of the stream on the real broker (tests/stream_kafka_test.sh,
# tests/hdfs_lake_test.sh): what the output topic and the Parquet archive hold. They need $BROKERS
# (the broker's HOST:PORT), kcat, and the project's .venv (pyarrow).

# Committed messages of topic $1 (read_committed); prints nothing if kcat fails.
count_topic() {
  local n
  n=$(timeout 60 kcat -b "$BROKERS" -C -t "$1" -o beginning -e -q -X isolation.level=read_committed -f '\n' \
      2>/dev/null | wc -l) && echo "$n"
}
# archive_rows ROOT TOPIC: "ROWS DISTINCT" of TOPIC's files in the streaming archive under ROOT (ROWS and DISTINCT
# (cell, window) pairs; pipeline/archive_follower.h names each file by its topic).
archive_rows() {
  .venv/bin/python - "$1" "$2" <<'PY'
import glob, sys
import pyarrow.parquet as pq
root, topic = sys.argv[1], sys.argv[2]
n, distinct = 0, set()
for f in glob.glob(f"{root}/**/part-{topic}-p*.parquet", recursive=True):
    t = pq.read_table(f, columns=["cell_id", "window_start"])
    for c, w in zip(t.column(0).to_pylist(), t.column(1).to_pylist()):
        n += 1
        distinct.add((c, w))
print(n, len(distinct))
PY
}
# Waits until topic $1 has stopped growing for 15 s (at most 180 s): the workers are done. The
# quiet period must outlast a rebalance after kill -9 (the dead member's 6 s session) and a restore.
wait_stable() {
  local last=-1 n same=0
  for _ in $(seq 180); do
    n=$(count_topic "$1")
    if [ "$n" = "$last" ] && [ "${n:-0}" -gt 0 ]; then same=$((same + 1)); else same=0; fi
    [ "$same" -ge 15 ] && return 0
    last=$n
    sleep 1
  done
  return 1
}

