#!/usr/bin/env bash
# Whole-command benchmark of `traffic features` (trips/s, per core, peak memory) and `traffic
# train` (seconds, peak memory) on generated data of growing size.
#   bench/forecast_bench.sh [TRAFFIC_BINARY]   (env: SIZES="20:50000 20:500000" = days:trips_per_day,
#                                                TRAIN_MAX_TRIPS=2000000: train only up to this size,
#                                                TRAIN_ARGS: more train options, e.g. "--example-cache-mb 0"
#                                                to read the features table from Parquet on every pass)
set -euo pipefail
TRAFFIC=$(realpath "${1:-build/release/traffic}")
SIZES=${SIZES:-"20:50000 20:500000"}
TRAIN_MAX_TRIPS=${TRAIN_MAX_TRIPS:-2000000}
WORK=$(mktemp -d /tmp/traffic_bench_forecast.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath "$(dirname "$0")/../../shared/data/geo")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
printf '%-10s %-12s %-10s %-12s %-14s %-12s %-12s %-10s %-10s %-10s\n' \
  trips examples feat_s feat_cpu_s trips/s/core feat_peak_MB train_s train_cpu_s train_MB in_memory
for size in $SIZES; do
  days=${size%%:*}; per_day=${size##*:}
  rm -rf "$WORK/data"
  "$TRAFFIC" generate --data-dir "$WORK/data" --days "$days" --trips-per-day "$per_day" > /dev/null
  "$TRAFFIC" clean --data-dir "$WORK/data" --json > /dev/null
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/ftime" "$TRAFFIC" features --data-dir "$WORK/data" --json > "$WORK/f.json"
  read -r trips examples < <(python3 -c "import json;d=json.load(open('$WORK/f.json'));print(d['trips'], d['rows_train']+d['rows_test'])")
  read -r fwall fuser fsys fmem < "$WORK/ftime"
  fcpu=$(echo "$fuser + $fsys" | bc -l)
  twall=-; tcpu=-; tmem=-; in_memory=-
  if [ "$trips" -le "$TRAIN_MAX_TRIPS" ]; then
    /usr/bin/time -f "%e %U %S %M" -o "$WORK/ttime" "$TRAFFIC" train --data-dir "$WORK/data" ${TRAIN_ARGS:-} --json > "$WORK/t.json"
    read -r twall tuser tsys tmem < "$WORK/ttime"
    in_memory=$(python3 -c "import json;print(json.load(open('$WORK/t.json'))['training']['examples_in_memory'])")
    tcpu=$(echo "$tuser + $tsys" | bc -l); tmem=$((tmem / 1024))
  fi
  printf '%-10s %-12s %-10s %-12.2f %-14.0f %-12d %-12s %-10s %-10s %-10s\n' "$trips" "$examples" "$fwall" "$fcpu" \
    "$(echo "$trips / $fcpu" | bc -l)" "$((fmem / 1024))" "$twall" "$tcpu" "$tmem" "$in_memory"
done
