#!/usr/bin/env bash
# A benchmark target of this work tree side by side with the same target at an earlier commit,
# on the same machine in the same minutes (the machine is shared: compare rounds run together).
# Usage: tools/bench-baseline.sh REV PRODUCT [--rounds R] [-- ARGS…]
#   REV      the baseline commit (e.g. HEAD~3, a tag);
#   PRODUCT  ProjectionBenchmark or LogBenchmark (anything `swift build --product` builds);
#   ARGS     passed to both, e.g. -- --enterprises 60000 --batches 0.
# Both runs share --scratch (default .build-bench/side-by-side), so a generated log is made once
# and rebuilt from by both. Prints each round's output under a heading, baseline first, then
# the lines that carry CPU per event.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: tools/bench-baseline.sh REV PRODUCT [--rounds R] [-- ARGS…]" >&2; exit 2; }
rev=$(git rev-parse --short "$1"); product=$2; shift 2
rounds=2
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1; use --rounds R, then -- and the benchmark's own options" >&2; exit 2 ;;
  esac
done
args=("$@")
printf '%s\n' "${args[@]}" | grep -qx -- '--scratch' || args+=(--scratch "$PWD/.build-bench/side-by-side")
tree=$PWD/.build-bench/baseline/$rev
if [ ! -d "$tree" ]; then git worktree add --detach "$tree" "$rev" >&2; fi
(cd "$tree" && swift build -c release --product "$product" >&2)
swift build -c release --product "$product" >&2
out=$(mktemp -d)
for round in $(seq 1 "$rounds"); do
  for side in baseline current; do
    binary=.build/release/$product; [ $side = baseline ] && binary=$tree/.build/release/$product
    sync; sleep 2
    "$binary" "${args[@]}" > "$out/$side-$round.txt"
    echo "### $side ($([ $side = baseline ] && echo "$rev" || echo "work tree at $(git rev-parse --short HEAD)")), round $round"
    cat "$out/$side-$round.txt"
  done
done
echo "### CPU per event, baseline $rev vs work tree"
grep -H -E 'µs per event|µs/event|CPU' "$out"/*.txt | sed "s|$out/||" || true
rm -rf "$out"
