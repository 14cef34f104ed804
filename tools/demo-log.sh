#!/usr/bin/env bash
# The main job until the demo province lands (a later issue): a round trip through the event
# log with the real binary and the stock lz4 tool. DATA=dir overrides the data directory.
set -euo pipefail
cd "$(dirname "$0")/.."
gongfu=.build/debug/gongfu
data=${DATA:-data/demo-log}
rm -rf "$data"
step() { printf '\n== %s\n' "$*"; }

step "init $data"
$gongfu init --data "$data" --origin gongfu.demo/shandong-log
step "append tools/demo/events.ndjson (one atomic, durable batch); assigned seqs:"
$gongfu append --data "$data" tools/demo/events.ndjson | tr '\n' ' '; echo
step "append it again: the whole file is rejected (the enterprises are already registered)"
if $gongfu append --data "$data" tools/demo/events.ndjson; then echo "unexpected success" >&2; exit 1; fi
step "40 more batches: diagnosis visits and trainings, one durable append each"
provider=$(sed -n 2p tools/demo/events.ndjson | sed 's/.*"stream":"provider\/\([^"]*\)".*/\1/')
mapfile -t enterprises < <(grep '"EnterpriseRegistered"' tools/demo/events.ndjson | sed 's/.*"stream":"enterprise\/\([^"]*\)".*/\1/')
for round in $(seq 1 40); do
  for enterprise in "${enterprises[@]}"; do
    printf '{"stream":"enterprise/%s","type":"DiagnosisVisited","occurred":"2024-07-%02d","data":{"provider":"%s","commissioner":"张伟","findings":"第%s次回访：数据采集点位不足"},"key":"visit-%s-%s"}\n' \
      "$enterprise" $((round % 28 + 1)) "$provider" "$round" "$enterprise" "$round"
    printf '{"stream":"enterprise/%s","type":"TrainingAttended","occurred":"2024-08-%02d","data":{"session":"工赋山东大讲堂第%s期"}}\n' \
      "$enterprise" $((round % 28 + 1)) "$round"
  done | $gongfu append --data "$data" - > /dev/null
done
stream="enterprise/${enterprises[1]}"
step "read --stream $stream --to 20"
$gongfu read --data "$data" --stream "$stream" --to 20 | cut -c1-150
step "cat segments | lz4 -dc  vs  gongfu read"
if cmp -s <(cat "$data"/log/segments/*.lz4 | lz4 -dc) <($gongfu read --data "$data"); then
  echo "identical: $($gongfu read --data "$data" | wc -l) events, $(du -cb "$data"/log/segments/*.lz4 | tail -1 | cut -f1) bytes on disk for $($gongfu read --data "$data" | wc -c) bytes of NDJSON"
else
  echo "lz4 -dc and gongfu read differ" >&2; exit 1
fi
step "checkpoint"
$gongfu checkpoint --data "$data"
step "prove inclusion --seq 7"
$gongfu prove inclusion --data "$data" --seq 7
step "prove consistency --from 15 --to 200"
$gongfu prove consistency --data "$data" --from 15 --to 200
step "verify"
$gongfu verify --data "$data"
echo
echo "Round trip done. The data directory is $data (ordinary files: try lz4 -dc on a segment)."
