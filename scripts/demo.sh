#!/usr/bin/env bash
# The demo, one command: when there is no model yet, three generated weeks of NYC trips ->
# `traffic all` (clean -> features -> train); then `traffic demo`: live generated trips streamed
# in process at 60x into the dashboard at http://127.0.0.1:3000 (extra arguments go to it, e.g.
# --duration 60 --port 3100).
set -euo pipefail
cd "$(dirname "$0")/.."
TRAFFIC=${1:-build/release/traffic}
shift || true
DATA_DIR=${DATA_DIR:-./data}
DAYS=${DAYS:-21}
TRIPS_PER_DAY=${TRIPS_PER_DAY:-30000}
if [ ! -s "$DATA_DIR/models/latest" ]; then
  echo "== no model yet: $DAYS days of synthetic NYC trips -> $DATA_DIR/raw" >&2
  "$TRAFFIC" generate --data-dir "$DATA_DIR" --days "$DAYS" --trips-per-day "$TRIPS_PER_DAY" --seed 42
  echo "== traffic all: clean -> features -> train" >&2
  # --promote: the demo needs a model even when it loses a horizon to a baseline; at such a
  # horizon the stream publishes persistence's forecast instead (forecast_source), and the
  # report says so.
  "$TRAFFIC" all --data-dir "$DATA_DIR" --train-stride 2 --rejects "$DATA_DIR/rejects.csv" --promote
fi
if [ ! -f web/dist/index.html ]; then
  echo "== web/dist is missing: the server shows a placeholder page (build the dashboard: cd web && npm ci && npm run build)" >&2
fi
echo "== traffic demo (Ctrl-C stops it)" >&2
exec "$TRAFFIC" demo --data-dir "$DATA_DIR" --trips-per-day "$TRIPS_PER_DAY" "$@"
