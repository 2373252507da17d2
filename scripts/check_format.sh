#!/usr/bin/env bash
# check_format.sh [--fix] - every C file of the project formatted as
# .clang-format says; --fix rewrites them in place.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files -co --exclude-standard -- 'src/*.[ch]' 'include/*.h' 'tests/unit/*.[ch]' 'fuzz/*.[ch]' \
  'examples/*.[ch]' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ "${1:-}" = "--fix" ]; then
  echo "$files" | xargs clang-format -i
  exit 0
fi
if echo "$files" | xargs clang-format --dry-run --Werror 2>/tmp/check_format.$$; then
  rm -f /tmp/check_format.$$
  echo "check_format: $(echo "$files" | wc -l) files formatted as .clang-format says"
else
  grep -E '^[^ ].*: error' /tmp/check_format.$$ | cut -d: -f1 | sort -u | sed 's/$/: not formatted (run scripts\/check_format.sh --fix)/'
  rm -f /tmp/check_format.$$
  exit 1
fi
