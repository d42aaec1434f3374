#!/usr/bin/env bash
# Every test: unit and end-to-end (CTest, with the real files in ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build/release}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j 2 --timeout 600
