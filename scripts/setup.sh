#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh Debian 12 machine, idempotently:
# Debian packages, and Apache Arrow C++/Parquet from the pyarrow wheel into ./.venv.
# Safe to run again: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

PYARROW_VERSION=26.0.1
DEBIAN_PACKAGES=(
  build-essential cmake ninja-build pkg-config python3-venv
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev libspdlog-dev libsimdjson-dev
  librdkafka-dev libxgboost-dev libcurl4-openssl-dev libssl-dev libcpp-httplib-dev libzstd-dev
  tzdata time bc kcat default-jdk-headless maven clang-format curl unzip
)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

# Arrow C++ and Parquet: a system install wins (CMake tries find_package first); otherwise the
# pyarrow wheel, which ships the C++ headers and shared libraries, in a project-local venv.
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import pyarrow, sys; sys.exit(pyarrow.__version__ != '$PYARROW_VERSION')" 2>/dev/null; then
  echo "setup: installing pyarrow==$PYARROW_VERSION into .venv" >&2
  .venv/bin/pip install -q --disable-pip-version-check "pyarrow==$PYARROW_VERSION" >&2
fi

# The dashboard: npm ci in web/ (when its lockfile changed), Debian chromium for the browser
# tests, and web/dist (what `traffic serve` and `traffic demo` serve) when it is stale.
bash scripts/web.sh install
bash scripts/web.sh build-if-stale
