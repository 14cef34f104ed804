#!/usr/bin/env bash
# Validated ingest benchmark (release build; not part of CI), three ways side by side on the
# demo province's own events (written by `gongfu read --as-input`):
#   1. `gongfu append FILE` into a fresh log: the one intake — catalogue, jurisdiction,
#      idempotency, rules, versions — then group commit, durable;
#   2. a plain SQLite insert of the same lines (Python's sqlite3: one transaction, WAL,
#      synchronous=FULL, no validation);
#   3. the log engine alone (LogBenchmark, 64 appenders, no validation).
# Prints events/s, the ratios, CPU per event and peak RSS; --rounds R alternates them R times.
# Then the annual assessment's bulk path side by side: `gongfu import --assessments` of one
# October result per enterprise of the population (a GB18030 CSV, as Excel saves it) into a
# copy of the demo's log, against a plain SQLite insert of the same rows as events.
# Usage: tools/bench-ingest.sh [--enterprises N] [--rounds R] [--scratch DIR] [--import-only]
set -euo pipefail
cd "$(dirname "$0")/.."
enterprises=30000; rounds=3; scratch=.build-bench/ingest; import_only=no
while [ $# -gt 0 ]; do
  case "$1" in
    --enterprises) enterprises=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --scratch) scratch=$2; shift 2 ;;
    --import-only) import_only=yes; shift ;;
    *) echo "unknown option $1; use --enterprises N, --rounds R, --scratch DIR, --import-only" >&2; exit 2 ;;
  esac
done
swift build -c release --product gongfu >&2
[ "$import_only" = yes ] || swift build -c release --product LogBenchmark >&2
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
[ "$import_only" = yes ] && rounds_events=0 || rounds_events=$rounds
for round in $(seq 1 "$rounds_events"); do
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
if [ "$rounds_events" -gt 0 ]; then
echo
echo "gongfu bench-ingest: $events events ($((bytes / 1048576)) MiB NDJSON, $enterprises enterprises), $(nproc) cores"
echo "| gongfu append events/s | CPU/event | peak RSS | SQLite insert events/s | log engine (64 appenders) events/s | append ÷ engine | append ÷ SQLite |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
fi

# The annual assessment: one result per enterprise in the 2026 population.
csv=$scratch/assessments-$enterprises.csv
if [ ! -f "$csv" ]; then
  python3 - "$data/readmodels/coverage.sqlite" "$csv" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
rows = db.execute("SELECT uscc, stage FROM known_year WHERE year = 2026 ORDER BY uscc").fetchall()
with open(sys.argv[2], "w", encoding="gb18030", newline="") as out:
    out.write("统一社会信用代码,评估编号,评估日期,评估类型,评估等级,得分:数字化基础,得分:数字化应用\r\n")
    for index, (uscc, stage) in enumerate(rows):
        found = max(0, min(5, stage + (1 if index % 7 == 0 else -1 if index % 53 == 0 else 0)))
        out.write(f"{uscc},BENCH-2026-{index},2026/10/{10 + index % 20},年度,L{found},{20 + found * 15},{15 + found * 16}\r\n")
PY
fi
cat > "$scratch/sqlite_import.py" <<'PY'
import csv, json, sqlite3, sys, time
path, source = sys.argv[1], sys.argv[2]
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE event (seq INTEGER PRIMARY KEY, stream TEXT NOT NULL, type TEXT NOT NULL, occurred TEXT NOT NULL, key TEXT UNIQUE, line TEXT NOT NULL)")
db.execute("BEGIN")
with open(source, encoding="gb18030", newline="") as rows:
    reader = csv.reader(rows); next(reader)
    for uscc, assessment, date, kind, stage, basic, applied in reader:
        y, m, d = date.split("/"); occurred = f"{y}-{int(m):02}-{int(d):02}"
        data = {"assessment": assessment, "kind": "annual", "instrument": "评估平台导出", "stage": stage, "scores": {"数字化基础": int(basic), "数字化应用": int(applied)}}
        db.execute("INSERT INTO event (stream, type, occurred, key, line) VALUES (?, ?, ?, ?, ?)",
                   ("enterprise/" + uscc, "AssessmentRecorded", occurred, f"import/assessment/{uscc}/{assessment}", json.dumps(data, ensure_ascii=False)))
db.execute("COMMIT")
PY
imports=()
rows_in=$(($(wc -l < "$csv") - 1))
for round in $(seq 1 "$rounds"); do
  rm -rf "$scratch/import"; mkdir -p "$scratch/import"; cp -a "$data/log" "$data/keys" "$scratch/import/"
  rm -f "$scratch/import/log/LOCK"
  sync; sleep 1
  read -r wall user sys rss <<<"$(measure "$gongfu" import --data "$scratch/import" --assessments "$csv")"
  rm -f "$scratch/sqlite-import.db"*
  sync; sleep 1
  read -r swall suser ssys srss <<<"$(measure python3 "$scratch/sqlite_import.py" "$scratch/sqlite-import.db" "$csv")"
  imports+=("$(python3 - "$rows_in" "$wall" "$user" "$sys" "$rss" "$swall" <<'PY'
import sys
rows, wall, user, sys_, rss, swall = int(sys.argv[1]), *map(float, sys.argv[2:7])
print(f"| {wall:.2f} s | {rows / wall:,.0f} | {(user + sys_) / rows * 1e6:.1f} µs | {rss / 1024:.0f} MiB | {swall:.2f} s | {wall / swall:.2f} |")
PY
)")
done
echo
echo "gongfu import --assessments: $rows_in rows (GB18030 CSV) into the demo's log of $events events, $(nproc) cores"
echo "| import (validated, durable) | rows/s | CPU/row | peak RSS | SQLite insert of the rows | import ÷ SQLite time |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${imports[@]}"
