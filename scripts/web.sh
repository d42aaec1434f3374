#!/usr/bin/env bash
# The dashboard (web/): install, build, test, and the browser tests.
#   scripts/web.sh install   npm ci (only when package-lock.json changed) + Debian chromium
#   scripts/web.sh build     type-check and build web/dist (the geography is bundled from
#                            $TRAFFIC_GEO_DIR, default ../shared/data/geo); build-if-stale:
#                            only when a source is newer than web/dist
#   scripts/web.sh test      the Vitest unit tests
#   scripts/web.sh e2e [BIN] the end-to-end test: starts `BIN demo` (default build/release/traffic)
#                            on $TRAFFIC_WEB_PORT (default 3200) and drives headless Chromium
#   scripts/web.sh bench     dashboard frame times with all 2,520 cells updating (bench/)
# Each step is idempotent; install runs before the others when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WEB=$ROOT/web

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  echo "web.sh: installing Debian chromium" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
}

install_npm() {
  command -v npm >/dev/null || { echo "web.sh: npm not found (Node.js 20 with npm 11 is needed)" >&2; exit 1; }
  # npm ci again only when the lockfile differs from the one the install recorded.
  if [ -f "$WEB/node_modules/.package-lock.json" ] && [ -f "$WEB/node_modules/.ci-stamp" ] &&
     cmp -s "$WEB/package-lock.json" "$WEB/node_modules/.ci-stamp"; then
    return
  fi
  echo "web.sh: npm ci in web/" >&2
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$WEB/package-lock.json" "$WEB/node_modules/.ci-stamp"
}

ensure_installed() {
  [ -f "$WEB/node_modules/.ci-stamp" ] && cmp -s "$WEB/package-lock.json" "$WEB/node_modules/.ci-stamp" || install_npm
}

case "${1:-}" in
  install)
    install_npm
    install_chromium
    ;;
  build)
    ensure_installed
    (cd "$WEB" && npm run --silent build)
    ;;
  build-if-stale)
    # For setup: rebuild web/dist only when a source is newer than it.
    if [ -f "$WEB/dist/index.html" ] && [ -z "$(find "$WEB/src" "$WEB/index.html" "$WEB/package-lock.json" \
         "$WEB/vite.config.ts" "$WEB/geo-plugin.ts" -newer "$WEB/dist/index.html" -print -quit)" ]; then
      exit 0
    fi
    ensure_installed
    (cd "$WEB" && npm run --silent build >&2)
    ;;
  test)
    ensure_installed
    # The closing line "N passed, F failed" is the form scripts/test.sh adds up.
    report=$(mktemp)
    rc=0
    (cd "$WEB" && npx vitest run --reporter=default --reporter=json --outputFile.json="$report") || rc=$?
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);' "$report" || rc=1
    rm -f "$report"
    exit "$rc"
    ;;
  e2e)
    ensure_installed
    install_chromium
    [ -f "$WEB/dist/index.html" ] || (cd "$WEB" && npm run --silent build)
    TRAFFIC_BIN=${2:-${TRAFFIC_BIN:-$ROOT/build/release/traffic}} node "$WEB/e2e/dashboard.e2e.mjs"
    ;;
  bench)
    ensure_installed
    install_chromium
    [ -f "$WEB/dist/index.html" ] || (cd "$WEB" && npm run --silent build)
    shift
    node "$ROOT/bench/web_frame_time.mjs" "$@"
    ;;
  *)
    echo "usage: scripts/web.sh install | build | test | e2e [TRAFFIC_BIN] | bench [--url URL]" >&2
    exit 2
    ;;
esac
