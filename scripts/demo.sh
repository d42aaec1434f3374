#!/usr/bin/env bash
# The main job, end to end on generated data: generate a week of NYC trips, clean them.
set -euo pipefail
cd "$(dirname "$0")/.."
TRAFFIC=${1:-build/release/traffic}
DATA_DIR=${DATA_DIR:-./data}
echo "== traffic generate: one week of synthetic NYC trips -> $DATA_DIR/raw" >&2
"$TRAFFIC" generate --data-dir "$DATA_DIR" --days 7 --trips-per-day 50000 --seed 42
echo "== traffic clean: $DATA_DIR/raw -> $DATA_DIR/processed" >&2
"$TRAFFIC" clean --data-dir "$DATA_DIR" --rejects "$DATA_DIR/rejects.csv"
