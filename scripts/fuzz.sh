#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...] - run every libFuzzer target (or the ones
# named) for SECONDS each (default 300), starting from and adding to the
# kept corpus under fuzz/corpus/TARGET, then minimise that corpus with
# -merge=1 so it keeps only inputs that reach new code. scripts/test.sh's
# short fuzz step starts from the same corpus, so each CI run begins where
# the longer runs got to. A corpus that stays small is meant to be
# committed; the summary says which ones are too big for git.
#
# Crashes, leaks and timeouts are written as fuzz/corpus-run/TARGET-crash-...
# (reproduce: build-fuzz/TARGET FILE); the script then exits 1.
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
shift || true
case $secs in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
max_kb=${FUZZ_CORPUS_MAX_KB:-256} # larger corpora are kept out of git (.gitignore names them)

scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DESPBURN_FUZZ=ON || { echo "fuzz: build failed"; exit 3; }
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in build-fuzz/fuzz_*; do [ -x "$f" ] && targets+=("$(basename "$f")"); done
fi

# minimise NAME: merge the kept corpus, the run's new inputs and the seeds
# into a fresh folder that replaces fuzz/corpus/NAME.
minimise() {
  local name=$1 kept=fuzz/corpus/$1 fresh=fuzz/corpus-run/$1.merged
  local dirs=(fuzz/corpus-run/"$name" "$kept")
  [ -d "fuzz/seeds/$name" ] && dirs+=("fuzz/seeds/$name")
  rm -rf "$fresh" && mkdir -p "$fresh"
  "build-fuzz/$name" -merge=1 -rss_limit_mb=2048 -artifact_prefix="fuzz/corpus-run/$name-" "$fresh" "${dirs[@]}" >>"fuzz/corpus-run/$name.log" 2>&1 ||
    return 1
  rm -rf "$kept" && mv "$fresh" "$kept" && rm -rf "fuzz/corpus-run/$name"
}

failed=0 total_kb=0 big=()
printf '%-22s %8s %8s %8s  %s\n' target before after KB result
for name in "${targets[@]}"; do
  bin=build-fuzz/$name kept=fuzz/corpus/$name run=fuzz/corpus-run/$name
  [ -x "$bin" ] || { echo "fuzz: no target $name in build-fuzz/"; failed=1; continue; }
  mkdir -p "$kept" "$run"
  before=$(find "$kept" -type f | wc -l)
  dirs=("$run" "$kept")
  [ -d "fuzz/seeds/$name" ] && dirs+=("fuzz/seeds/$name")
  result=ok
  "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="fuzz/corpus-run/$name-" "${dirs[@]}" >"$run.log" 2>&1 ||
    { result="FAILED (see $run.log and fuzz/corpus-run/$name-*)"; failed=1; }
  minimise "$name" || { result="$result; merge failed (see $run.log)"; failed=1; }
  after=$(find "$kept" -type f | wc -l)
  kb=$(($(find "$kept" -type f -exec cat {} + | wc -c) / 1024))
  total_kb=$((total_kb + kb))
  [ "$kb" -gt "$max_kb" ] && big+=("$kept (${kb} KB)")
  printf '%-22s %8s %8s %8s  %s\n' "$name" "$before" "$after" "$kb" "$result"
done

echo "fuzz: ${secs}s per target; corpus under fuzz/corpus/ (${total_kb} KB in all), minimised with -merge=1"
if [ ${#big[@]} -gt 0 ]; then
  echo "fuzz: more than ${max_kb} KB, keep out of git (add them to .gitignore): ${big[*]}"
fi
echo "fuzz: commit the rest with: git add fuzz/corpus"
exit $failed
