#!/usr/bin/env bash
# Whole-command benchmark of `traffic clean`: throughput (MB/s and rows/s, wall and per core) and
# peak memory as the input grows. Generates the inputs with `traffic generate` (fixed trips per
# day, more days), runs clean REPEATS times per size, prints medians.
#   bench/clean_throughput.sh [TRAFFIC_BINARY]  (env: DAYS_LIST="30 60 120" TRIPS_PER_DAY=50000 REPEATS=3)
set -euo pipefail
TRAFFIC=$(realpath "${1:-build/release/traffic}")
DAYS_LIST=${DAYS_LIST:-"30 60 120"}
TRIPS_PER_DAY=${TRIPS_PER_DAY:-50000}
REPEATS=${REPEATS:-3}
WORK=$(mktemp -d /tmp/traffic_bench_clean.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
GEO_ARGS=()
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath "$(dirname "$0")/../../shared/data/geo")

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-8s %-10s %-9s %-12s %-12s %-14s %-14s %-10s\n' days trips csv_MB wall_s cpu_s MB/s_wall MB/s_per_core peak_MB
for days in $DAYS_LIST; do
  rm -rf "$WORK/data"
  "$TRAFFIC" generate --data-dir "$WORK/data" --days "$days" --trips-per-day "$TRIPS_PER_DAY" --json > "$WORK/gen.json"
  trips=$(python3 -c "import json;print(json.load(open('$WORK/gen.json'))['trips'])")
  bytes=$(du -cb "$WORK"/data/raw/*.csv | tail -1 | cut -f1)
  : > "$WORK/runs"
  for _ in $(seq "$REPEATS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" "$TRAFFIC" clean --data-dir "$WORK/data" --memory-mb 256 --json > /dev/null
    cat "$WORK/time" >> "$WORK/runs"
  done
  wall=$(awk '{print $1}' "$WORK/runs" | median)
  cpu=$(awk '{print $2+$3}' "$WORK/runs" | median)
  peak=$(awk '{print $4/1024}' "$WORK/runs" | median)
  printf '%-8s %-10s %-9.0f %-12.2f %-12.2f %-14.0f %-14.0f %-10.0f\n' "$days" "$trips" \
    "$(echo "$bytes/1000000" | bc -l)" "$wall" "$cpu" "$(echo "$bytes/1000000/$wall" | bc -l)" \
    "$(echo "$bytes/1000000/$cpu" | bc -l)" "$peak"
done
