#!/usr/bin/env bash
# Fails (exit 1) when a tracked C++ file differs from what clang-format makes of it (the repo's
# .clang-format; Debian 12's clang-format 14), naming each file; `tools/check-format.sh --fix`
# formats them in place. CI runs the check as the ctest "style: format".
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "tools/check-format.sh: needs clang-format (apt-get install clang-format)" >&2; exit 2; }
mapfile -t files < <(git ls-files '*.cpp' '*.h')
if [ "${1:-}" = --fix ]; then clang-format -i "${files[@]}"; exit 0; fi
bad=$(clang-format --dry-run "${files[@]}" 2>&1 | sed -n 's/^\([^: ]*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p' | sort -u)
if [ -n "$bad" ]; then
  echo "not clang-format clean (run tools/check-format.sh --fix):"
  echo "$bad" | sed 's/^/  /'
  exit 1
fi
echo "clang-format clean: ${#files[@]} files"
