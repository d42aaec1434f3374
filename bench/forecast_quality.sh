#!/usr/bin/env bash
# Forecast quality on several generated datasets (issue 10): for each length and seed,
# `traffic generate` then `traffic all`, and the model card's macro-F1 of the model, persistence
# and the historical profile per horizon, on all test days and on weekday and weekend test days
# apart, beside the oracle's (traffic_forecast_oracle: the ceiling, generate/oracle.h) and the
# share of the gap from the best baseline to the oracle the model closes; and the speed MAE (mph)
# of the speed model, both baselines and the oracle. Ends with the mean and the spread
# (min..max) over seeds per length and horizon, and how many runs the model beat both baselines
# at every horizon. A result on one seed is an anecdote.
#   bench/forecast_quality.sh [TRAFFIC_BINARY]   (the oracle program is looked for in bench/
#   beside it, or set ORACLE=PATH)
#   env: DAYS="14 28", SEEDS="1 2 3", EXTRA="14:7" (days:seed runs added, the default fortnight),
#        TRIPS_PER_DAY=50000, KEEP=DIR (keep the data and cards there)
set -euo pipefail
TRAFFIC=$(realpath "${1:-build/release/traffic}")
ORACLE=${ORACLE:-$(dirname "$TRAFFIC")/bench/traffic_forecast_oracle}
[ -x "$ORACLE" ] || { echo "forecast_quality: no oracle program at $ORACLE (build traffic_programs, or set ORACLE)" >&2; exit 1; }
DAYS=${DAYS:-"14 28"}
SEEDS=${SEEDS:-"1 2 3"}
EXTRA=${EXTRA-"14:7"}
TRIPS_PER_DAY=${TRIPS_PER_DAY:-50000}
if [ -n "${KEEP:-}" ]; then
  WORK=$KEEP
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d /tmp/traffic_bench_quality.XXXXXX)
  trap 'rm -rf "$WORK"' EXIT
fi
[ -n "${TRAFFIC_GEO_DIR:-}" ] || export TRAFFIC_GEO_DIR=$(realpath "$(dirname "$0")/../../shared/data/geo")
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $TRIPS_PER_DAY trips/day"

runs=()
for d in $DAYS; do
  for s in $SEEDS; do runs+=("$d:$s"); done
done
for r in $EXTRA; do runs+=("$r"); done

cards=()
for run in "${runs[@]}"; do
  days=${run%%:*} seed=${run##*:}
  dir="$WORK/d${days}_s${seed}"
  rm -rf "$dir"
  "$TRAFFIC" generate --data-dir "$dir" --days "$days" --seed "$seed" --trips-per-day "$TRIPS_PER_DAY" > /dev/null
  if ! "$TRAFFIC" all --data-dir "$dir" --json > "$dir/all.json" 2> "$dir/all.err"; then
    echo "forecast_quality: traffic all failed for $days days, seed $seed:" >&2
    cat "$dir/all.err" >&2
    exit 1
  fi
  card=$(ls -d "$dir"/models/2*/ | tail -1)card.json
  "$ORACLE" "$dir" "$seed" "$days" > "$dir/oracle.json"
  cards+=("$days:$seed:$card:$dir/oracle.json")
  echo "done: $days days, seed $seed ($card)" >&2
done

python3 - "${cards[@]}" <<'EOF'
import json, sys, statistics
rows = []
for arg in sys.argv[1:]:
    days, seed, path, oracle_path = arg.split(":", 3)
    card = json.load(open(path))
    oracle = {o["minutes"]: o for o in json.load(open(oracle_path))["horizons"]}
    for h in card["horizons"]:
        by = h["by_day_type"]
        o = oracle[h["minutes"]]
        mae = h["speed"]["mae_mph"]
        rows.append(dict(days=int(days), seed=int(seed), minutes=h["minutes"],
                         model=h["model"]["macro_f1"],
                         persistence=h["baselines"]["persistence"]["macro_f1"],
                         profile=h["baselines"]["historical_profile"]["macro_f1"],
                         oracle=o["oracle"]["macro_f1"],
                         mae=(mae["model"], mae["persistence"], mae["historical_profile"], o["oracle"]["mae_mph"]),
                         wd=(by["weekday"]["model_macro_f1"], by["weekday"]["persistence_macro_f1"]),
                         we=(by["weekend"]["model_macro_f1"], by["weekend"]["persistence_macro_f1"]),
                         test=card["training"]["split"][:10] + ".." + card["training"]["test_to"][:10]))

def closed(r):  # share of the gap from the best baseline to the oracle that the model closes
    best = max(r["persistence"], r["profile"])
    return (r["model"] - best) / (r["oracle"] - best) if r["oracle"] > best else float("nan")

print()
print("| days | seed | test days (UTC) | horizon | model | persistence | profile | oracle | model - best baseline | gap closed | weekday model / persistence | weekend model / persistence | MAE mph: model / persistence / profile / oracle |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    best = max(r["persistence"], r["profile"])
    print(f"| {r['days']} | {r['seed']} | {r['test']} | {r['minutes']} min | {r['model']:.3f} | {r['persistence']:.3f} | "
          f"{r['profile']:.3f} | {r['oracle']:.3f} | {r['model'] - best:+.3f} | {closed(r):.0%} | "
          f"{r['wd'][0]:.3f} / {r['wd'][1]:.3f} | {r['we'][0]:.3f} / {r['we'][1]:.3f} | "
          f"{r['mae'][0]:.2f} / {r['mae'][1]:.2f} / {r['mae'][2]:.2f} / {r['mae'][3]:.2f} |")
print()
print("| days | horizon | runs | model mean (min..max) | persistence mean | profile mean | oracle mean | model - best baseline mean (min..max) | gap closed mean (min..max) | runs beating both | MAE mph mean: model / persistence / profile / oracle |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for days in sorted({r["days"] for r in rows}):
    for minutes in (15, 30, 60):
        sel = [r for r in rows if r["days"] == days and r["minutes"] == minutes]
        gaps = [r["model"] - max(r["persistence"], r["profile"]) for r in sel]
        shares = [closed(r) for r in sel]
        m = [r["model"] for r in sel]
        mean = lambda k: statistics.mean(r[k] for r in sel)
        maes = " / ".join(f"{statistics.mean(r['mae'][i] for r in sel):.2f}" for i in range(4))
        print(f"| {days} | {minutes} min | {len(sel)} | {statistics.mean(m):.3f} ({min(m):.3f}..{max(m):.3f}) | "
              f"{mean('persistence'):.3f} | {mean('profile'):.3f} | {mean('oracle'):.3f} | "
              f"{statistics.mean(gaps):+.3f} ({min(gaps):+.3f}..{max(gaps):+.3f}) | "
              f"{statistics.mean(shares):.0%} ({min(shares):.0%}..{max(shares):.0%}) | "
              f"{sum(g > 0 for g in gaps)} of {len(sel)} | {maes} |")
EOF
