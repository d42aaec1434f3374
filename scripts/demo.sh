#!/usr/bin/env bash
# The main job, end to end on generated data: three weeks of synthetic NYC trips ->
# `traffic all` (clean -> features -> train) -> the model-versus-baselines report.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAFFIC=${1:-build/release/traffic}
DATA_DIR=${DATA_DIR:-./data}
DAYS=${DAYS:-21}
TRIPS_PER_DAY=${TRIPS_PER_DAY:-30000}
echo "== traffic generate: $DAYS days of synthetic NYC trips -> $DATA_DIR/raw" >&2
"$TRAFFIC" generate --data-dir "$DATA_DIR" --days "$DAYS" --trips-per-day "$TRIPS_PER_DAY" --seed 42
echo "== traffic all: clean -> features -> train (skips steps that are up to date)" >&2
"$TRAFFIC" all --data-dir "$DATA_DIR" --train-stride 2 --rejects "$DATA_DIR/rejects.csv"
echo >&2
echo "Outputs under $DATA_DIR: processed/ (clean trips), features/, models/$(cat "$DATA_DIR/models/latest")" >&2
