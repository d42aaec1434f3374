#!/usr/bin/env bash
# Whole-command benchmark of the data lake on HDFS (issue 9), in one run on the same files:
#   1. upload and download of the same ~SIZE_MB of trip CSVs with `traffic hdfs upload/download`
#      and with Hadoop's own Java client run from the same jars (`hdfs dfs -put` / `-get`, i.e.
#      org.apache.hadoop.fs.FsShell, JVM start included: that is what a user runs);
#   2. `traffic clean` of the same raw CSVs from the local disk into the local disk, and with
#      --hdfs from HDFS into HDFS.
# Each measurement is repeated REPEATS times; medians are printed, with the ratios.
# It starts an HDFS of its own with scripts/hdfs.sh (a private data directory, removed at the end;
# the default ports must be free).
#   bench/hdfs_bench.sh [TRAFFIC_BINARY]   (env: SIZE_MB=1000 CLEAN_MB=300 REPEATS=3)
set -euo pipefail
cd "$(dirname "$0")/.."
TRAFFIC=$(realpath "${1:-build/release/traffic}")
SIZE_MB=${SIZE_MB:-1000}
CLEAN_MB=${CLEAN_MB:-300}
REPEATS=${REPEATS:-3}
WORK=$(mktemp -d /tmp/traffic_bench_hdfs.XXXXXX)
mkdir -p .deps/hdfs
export HDFS_DATA_DIR
HDFS_DATA_DIR=$(mktemp -d "$PWD/.deps/hdfs/bench-data.XXXXXX")
trap 'scripts/hdfs.sh stop >/dev/null 2>&1 || true; rm -rf "$WORK" "$HDFS_DATA_DIR"' EXIT
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$PWD/../shared/data/geo
URI=hdfs://127.0.0.1:9000
export TRAFFIC_HDFS_URI=$URI
scripts/hdfs.sh install >/dev/null
scripts/hdfs.sh start >/dev/null 2>&1
# `hdfs dfs`: Hadoop's FsShell from the same jars (an array, so /usr/bin/time can run it).
FSSHELL=(java -Dhadoop.log.dir="$WORK" -Dhadoop.log.file=fsshell.log -cp "$HDFS_DATA_DIR/conf:.deps/hdfs/lib/*"
         org.apache.hadoop.fs.FsShell -fs "$URI")
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
seconds() { /usr/bin/time -f %e -o "$WORK/t" "$@" >/dev/null 2>>"$WORK/stderr"; cat "$WORK/t"; }

# Trip CSVs of about SIZE_MB: one generated month (~134 B a trip), copied under several names.
"$TRAFFIC" generate --data-dir "$WORK/gen" --days 30 --trips-per-day $((CLEAN_MB * 1000000 / 134 / 30)) \
  --json >/dev/null
mkdir -p "$WORK/files"
month=$(ls "$WORK"/gen/raw/*.csv | head -1)
copies=$(( (SIZE_MB * 1000000 + $(stat -c %s "$month") - 1) / $(stat -c %s "$month") ))
for i in $(seq "$copies"); do cp "$month" "$WORK/files/trips_$i.csv"; done
bytes=$(du -cb "$WORK"/files/*.csv | tail -1 | cut -f1)
mb=$(echo "$bytes/1000000" | bc -l)

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "HDFS: one NameNode and one DataNode on this machine (scripts/hdfs.sh), replication 1"
echo "files: $copies CSVs, $(printf '%.0f' "$mb") MB; medians of $REPEATS runs"
: >"$WORK/up_t"; : >"$WORK/up_j"; : >"$WORK/down_t"; : >"$WORK/down_j"
for _ in $(seq "$REPEATS"); do
  "$TRAFFIC" hdfs rm /bench --yes >/dev/null 2>&1 || true
  seconds "$TRAFFIC" hdfs upload "$WORK/files" --to /bench/traffic >>"$WORK/up_t"
  "${FSSHELL[@]}" -mkdir -p /bench/java 2>>"$WORK/fsshell.err"
  seconds "${FSSHELL[@]}" -put "$WORK"/files/*.csv /bench/java/ >>"$WORK/up_j"
  rm -rf "$WORK/down"
  seconds "$TRAFFIC" hdfs download /bench/traffic --to "$WORK/down" >>"$WORK/down_t"
  cmp -s "$WORK/files/trips_1.csv" "$WORK/down/trips_1.csv" || { echo "download differs" >&2; exit 1; }
  rm -rf "$WORK/down"; mkdir -p "$WORK/down"
  seconds "${FSSHELL[@]}" -get /bench/java/trips_1.csv $(for i in $(seq 2 "$copies"); do echo /bench/java/trips_$i.csv; done) "$WORK/down/" >>"$WORK/down_j"
done
row() {  # NAME OURS_FILE JAVA_FILE
  local ours java
  ours=$(median <"$2"); java=$(median <"$3")
  printf '%-10s traffic %6.2f s (%5.0f MB/s)   hdfs dfs %6.2f s (%5.0f MB/s)   traffic / hdfs dfs throughput: %.2fx\n' \
    "$1" "$ours" "$(echo "$mb/$ours" | bc -l)" "$java" "$(echo "$mb/$java" | bc -l)" "$(echo "$java/$ours" | bc -l)"
}
row upload "$WORK/up_t" "$WORK/up_j"
row download "$WORK/down_t" "$WORK/down_j"

# clean: local disk vs HDFS, the same raw CSVs (the generated month).
raw_mb=$(echo "$(stat -c %s "$month")/1000000" | bc -l)
"$TRAFFIC" hdfs upload "$month" --to /smart-city-traffic/data/raw >/dev/null
: >"$WORK/clean_l"; : >"$WORK/clean_h"
for _ in $(seq "$REPEATS"); do
  seconds "$TRAFFIC" clean --data-dir "$WORK/gen" --json >>"$WORK/clean_l"
  seconds "$TRAFFIC" clean --hdfs --json >>"$WORK/clean_h"
done
local_s=$(median <"$WORK/clean_l"); hdfs_s=$(median <"$WORK/clean_h")
printf 'clean      local %6.2f s (%5.1f MB/s)   --hdfs %6.2f s (%5.1f MB/s)   --hdfs / local throughput: %.2f\n' \
  "$local_s" "$(echo "$raw_mb/$local_s" | bc -l)" "$hdfs_s" "$(echo "$raw_mb/$hdfs_s" | bc -l)" \
  "$(echo "$local_s/$hdfs_s" | bc -l)"
