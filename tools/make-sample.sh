#!/usr/bin/env bash
# Regenerates the golden sample in snapshots/sample/: a small seeded demo province (its log,
# committed as is) and the deterministic dumps of every read model replayed from it, and the
# dumps of snapshots/legacy/ (a log written before stages came from assessments alone). The
# ProjectionTests replay both committed logs and compare their dumps with these byte for byte.
# Run it only when a change to the generator or a projection is meant to change the figures
# (bump that projection's version), and review the diff of the dumps.
# --dumps-only keeps the committed log and rewrites the dumps (a projection changed, not the
# generator).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c debug --product gongfu >/dev/null
gongfu=.build/debug/gongfu
sample=snapshots/sample
if [ "${1:-}" != "--dumps-only" ]; then
  rm -rf "$sample/data"
  "$gongfu" demo --data "$sample/data" --enterprises 300 --seed 7 --no-serve >/dev/null
  rm -rf "$sample/data/readmodels" "$sample/data/keys/checkpoint.key" "$sample/data/log/LOCK" "$sample/data/log/index" \
    "$sample/data/assessments" "$sample/data/demo-imperfections.json"
  cp snapshots/legacy/data/.gitignore "$sample/data/.gitignore"  # what a command derives there is never committed
fi
# The legacy sample's log stays as written (stages by StageUpgraded); its dumps follow the
# projections like the sample's.
for dir in "$sample" snapshots/legacy; do
  rm -rf "$dir/dumps"
  mkdir -p "$dir/dumps"
  for name in pending projects coverage ledger providers benchmarks programme findings; do
    "$gongfu" dump "$name" --data "$dir/data" > "$dir/dumps/$name.dump"
  done
  rm -rf "$dir/data/readmodels" "$dir/data/log/index" "$dir/data/log/LOCK" "$dir/data/uploads"
  echo "$dir: $(ls "$dir"/data/log/segments | wc -l) segment(s), dumps in $dir/dumps"
done
