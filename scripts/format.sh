#!/usr/bin/env bash
# The C++ sources (every tracked *.cc and *.h) in the style of .clang-format.
#   scripts/format.sh          formats them in place
#   scripts/format.sh --check  changes nothing; lists the files that differ and exits 1 if any;
#                              ends with one check's closing line for scripts/test.sh
# clang-format comes from the Debian package clang-format (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format: clang-format not found (Debian package clang-format; scripts/setup.sh installs it)" >&2; exit 2; }
# Tracked files and new ones not yet added (never ignored ones: build output, .deps).
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cc' '*.h')
case "${1:-}" in
  "")
    clang-format -i "${files[@]}"
    ;;
  --check)
    bad=()
    for f in "${files[@]}"; do
      clang-format --dry-run --Werror "$f" 2>/dev/null || bad+=("$f")
    done
    if [ "${#bad[@]}" -gt 0 ]; then
      printf 'format: not formatted: %s\n' "${bad[@]}" >&2
      echo "format: ${#bad[@]} of ${#files[@]} files differ from .clang-format; run scripts/format.sh" >&2
      echo "0 passed, 1 failed"
      exit 1
    fi
    echo "format: ${#files[@]} files formatted" >&2
    echo "1 passed, 0 failed"
    ;;
  *)
    echo "usage: scripts/format.sh [--check]" >&2
    exit 2
    ;;
esac
