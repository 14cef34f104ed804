#!/usr/bin/env bash
# Validated ingest benchmark (release build; not part of CI), three ways side by side on the
# demo province's own events (written by `gongfu read --as-input`):
#   1. `gongfu append FILE` into a fresh log: the one intake — catalogue, jurisdiction,
#      idempotency, rules, versions — then group commit, durable;
#   2. a plain SQLite insert of the same lines (Python's sqlite3: one transaction, WAL,
#      synchronous=FULL, no validation);
#   3. the log engine alone (LogBenchmark, 64 appenders, no validation).
# Prints events/s, the ratios, CPU per event and peak RSS; --rounds R alternates them R times.
# Usage: tools/bench-ingest.sh [--enterprises N] [--rounds R] [--scratch DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
enterprises=30000; rounds=3; scratch=.build-bench/ingest
while [ $# -gt 0 ]; do
  case "$1" in
    --enterprises) enterprises=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --scratch) scratch=$2; shift 2 ;;
    *) echo "unknown option $1; use --enterprises N, --rounds R, --scratch DIR" >&2; exit 2 ;;
  esac
done
swift build -c release --product gongfu >&2
swift build -c release --product LogBenchmark >&2
gongfu=$PWD/.build/release/gongfu
mkdir -p "$scratch"; scratch=$(cd "$scratch" && pwd)
data=$scratch/demo-$enterprises
if [ ! -d "$data/log" ]; then "$gongfu" demo --data "$data" --enterprises "$enterprises" --no-serve >&2; fi
input=$scratch/input-$enterprises.ndjson
[ -f "$input" ] || "$gongfu" read --data "$data" --as-input > "$input"
events=$(wc -l < "$input")
bytes=$(stat -c %s "$input")

cat > "$scratch/sqlite_insert.py" <<'PY'
import json, sqlite3, sys, time, resource
path, source = sys.argv[1], sys.argv[2]
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, occurred TEXT NOT NULL, line TEXT NOT NULL)")
start = time.monotonic()
db.execute("BEGIN")
with open(source, encoding="utf-8") as lines:
    for line in lines:
        event = json.loads(line)
        db.execute("INSERT INTO event (stream, type, occurred, line) VALUES (?, ?, ?, ?)", (event["stream"], event["type"], event["occurred"], line))
db.execute("COMMIT")
db.close()
print(time.monotonic() - start)
PY

measure() { # label, command…: prints "wall user sys maxrss_kb"
  local out; out=$(/usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1); echo "$out"
}
rows=()
for round in $(seq 1 "$rounds"); do
  sync; sleep 1
  rm -rf "$scratch/append"; "$gongfu" init --data "$scratch/append" >/dev/null
  read -r wall user sys rss <<<"$(measure "$gongfu" append --data "$scratch/append" "$input")"
  sync; sleep 1
  rm -f "$scratch/sqlite.db"*
  read -r swall suser ssys srss <<<"$(measure python3 "$scratch/sqlite_insert.py" "$scratch/sqlite.db" "$input")"
  sync; sleep 1
  engine=$(.build/release/LogBenchmark --events "$events" --appenders 64 --no-sqlite --scratch "$scratch/engine" \
    | awk -F'|' '/^\| 64 \|/ {gsub(/ /, "", $4); print $4; exit}')
  rows+=("$(python3 - "$events" "$wall" "$user" "$sys" "$rss" "$swall" "$engine" <<'PY'
import sys
events, wall, user, sys_, rss, swall, engine = int(sys.argv[1]), *map(float, sys.argv[2:7]), float(sys.argv[7].split("(")[0])
rate, sqlite = events / wall, events / swall
print(f"| {rate:,.0f} | {(user + sys_) / events * 1e6:.1f} µs | {rss / 1024:.0f} MiB | {sqlite:,.0f} | {engine:,.0f} | {rate / engine:.2f} | {rate / sqlite:.2f} |")
PY
)")
done
echo
echo "gongfu bench-ingest: $events events ($((bytes / 1048576)) MiB NDJSON, $enterprises enterprises), $(nproc) cores"
echo "| gongfu append events/s | CPU/event | peak RSS | SQLite insert events/s | log engine (64 appenders) events/s | append ÷ engine | append ÷ SQLite |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
