#!/usr/bin/env bash
# The enterprise search page (GET /enterprises?q=…) against its ≤ 50 ms target, and the SQL it
# runs side by side with an FTS5 trigram index over the same names (SQLite's substring index
# for Chinese):
#   1. the page for the province (no region): 2-character and 4-character name fragments, a
#      USCC fragment, a filter-only page and a deep page — 40 requests each, p50 and p95;
#   2. the same queries in the sqlite3 shell on a copy of the pending read model: LIKE (what
#      the page runs) vs a trigram FTS5 table, 20 runs each.
# Usage: tools/bench-search.sh [--enterprises N] [--debug] [--scratch DIR]; not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
enterprises=30000; configuration=release; scratch=.build-bench/search
while [ $# -gt 0 ]; do
  case "$1" in
    --enterprises) enterprises=$2; shift 2 ;;
    --debug) configuration=debug; shift ;;
    --scratch) scratch=$2; shift 2 ;;
    *) echo "unknown option $1; use --enterprises N, --debug, --scratch DIR" >&2; exit 2 ;;
  esac
done
for tool in curl sqlite3 python3; do command -v "$tool" >/dev/null || { echo "bench-search needs $tool" >&2; exit 1; }; done
swift build -c "$configuration" --product gongfu >&2
gongfu=$PWD/.build/$configuration/gongfu
mkdir -p "$scratch"; scratch=$(cd "$scratch" && pwd)
data=$scratch/data-$enterprises
[ -d "$data/log" ] || "$gongfu" demo --data "$data" --enterprises "$enterprises" --no-serve >&2
token=$("$gongfu" token add --data "$data" --role province --name bench-search | tail -1)
port=18491
"$gongfu" serve --data "$data" --port $port --log-level warning 2>"$scratch/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
pending=$data/readmodels/pending.sqlite
name=$(sqlite3 "$pending" "SELECT name FROM enterprise ORDER BY uscc LIMIT 1 OFFSET 777")
uscc=$(sqlite3 "$pending" "SELECT uscc FROM enterprise ORDER BY uscc LIMIT 1 OFFSET 4242")
two=${name:2:2}; four=${name:1:4}; code=${uscc:8:6}
echo "# $enterprises enterprises ($configuration build), $(nproc) cores; fragments: '$two', '$four', '$code'"
echo "## the page (GET /enterprises), 40 requests each"
python3 - "$port" "$token" "$two" "$four" "$code" <<'PY'
import sys, time, urllib.parse, urllib.request
port, token, two, four, code = sys.argv[1:6]
cases = [("2-char name fragment", {"q": two}), ("4-char name fragment", {"q": four}), ("USCC fragment", {"q": code}),
         ("stage L0, no contact", {"stage": "0", "nocontact": "1"}), ("page 20 of all", {"offset": "950"})]
for label, query in cases:
    url = f"http://127.0.0.1:{port}/enterprises?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(url, headers={"Cookie": f"gongfu_token={token}"})
    times = []
    for _ in range(40):
        start = time.perf_counter()
        urllib.request.urlopen(request).read()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"{label:24s} p50 {times[19]:6.1f} ms  p95 {times[37]:6.1f} ms")
PY
echo "## the SQL: LIKE (the page's) vs FTS5 trigram, 20 runs each (ms per query)"
copy=$scratch/pending-copy.sqlite
cp "$pending" "$copy"
sqlite3 "$copy" "DROP TABLE IF EXISTS name_index; CREATE VIRTUAL TABLE name_index USING fts5(uscc UNINDEXED, name, tokenize='trigram'); INSERT INTO name_index SELECT uscc, name FROM enterprise;"
python3 - "$copy" "$two" "$four" <<'PY'
import sqlite3, sys, time
path, two, four = sys.argv[1:4]
db = sqlite3.connect(path)
def timed(sql, args):
    best = []
    for _ in range(20):
        start = time.perf_counter(); db.execute(sql, args).fetchall(); best.append((time.perf_counter() - start) * 1000)
    best.sort(); return best[10]
for label, fragment in [("2-char", two), ("4-char", four)]:
    like = timed("SELECT count(*) FROM enterprise WHERE name LIKE ?", (f"%{fragment}%",))
    # Trigram needs 3 characters: a 2-character fragment falls back to scanning the index's text.
    fts = timed("SELECT count(*) FROM name_index WHERE name_index MATCH ?", (f'"{fragment}"',)) if len(fragment) >= 3 else \
          timed("SELECT count(*) FROM name_index WHERE name LIKE ?", (f"%{fragment}%",))
    print(f"{label} fragment: LIKE {like:6.2f} ms   FTS5 trigram {fts:6.2f} ms")
PY
