#!/usr/bin/env bash
# Soak test of the query daemon on loopback (release build; not part of CI): for M minutes,
# 64 wrk connections of mixed reads, appends, city event listings, the dashboard and the heavy
# routes (tools/load/soak.lua), beside 8 SSE clients that read and reconnect and 4 that
# connect and never read. Samples the daemon's RSS every 10 s, then checks the log (`verify`,
# `audit verify`) and prints statuses, latency and RSS over time.
# Usage: tools/soak.sh [--minutes M] [--enterprises N] [--scratch DIR]
# Needs wrk, curl and python3 (apt-get install wrk curl).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=30; enterprises=30000; scratch=.build-bench/soak; connections=64
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes=$2; shift 2 ;;
    --enterprises) enterprises=$2; shift 2 ;;
    --scratch) scratch=$2; shift 2 ;;
    *) echo "unknown option $1; use --minutes M, --enterprises N, --scratch DIR" >&2; exit 2 ;;
  esac
done
for tool in wrk curl python3; do
  command -v "$tool" >/dev/null || { echo "soak needs $tool (apt-get install wrk curl)" >&2; exit 1; }
done
swift build -c release --product gongfu >&2
gongfu=$PWD/.build/release/gongfu
mkdir -p "$scratch"; scratch=$(cd "$scratch" && pwd)
data=$scratch/data-$enterprises
if [ ! -d "$data/log" ]; then
  "$gongfu" demo --data "$data" --enterprises "$enterprises" --no-serve >&2
fi
rm -rf "$scratch/run"; cp -r "$data" "$scratch/run"
province=$("$gongfu" token add --data "$scratch/run" --role province --name soak-province | tail -1)
city=$("$gongfu" token add --data "$scratch/run" --role city:370200 --name soak-qingdao | tail -1)
auditor=$("$gongfu" token add --data "$scratch/run" --role auditor --name soak-auditor | tail -1)
port=18491
"$gongfu" serve --data "$scratch/run" --port $port --log-level warning 2>"$scratch/serve.log" &
server=$!
children=()
cleanup() { kill "${children[@]}" 2>/dev/null || true; kill $server 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
python3 tools/load/registrations.py 400000 KQ "$scratch/registrations.lua"
enterprise_list=$(curl -sf -H "Authorization: Bearer $province" "http://127.0.0.1:$port/v1/pending?status=all&limit=200" \
  | python3 -c 'import json,sys; print(",".join(r["uscc"] for r in json.load(sys.stdin)["rows"]))')

# RSS (KiB) every 10 s.
( while kill -0 $server 2>/dev/null; do echo "$(date +%s) $(ps -o rss= -p $server)"; sleep 10; done ) > "$scratch/rss.txt" &
children+=($!)
# SSE clients that read (reconnecting every minute from where they were) and ones that never read.
for index in $(seq 1 8); do
  token=$province; [ $((index % 2)) -eq 0 ] && token=$city
  ( while kill -0 $server 2>/dev/null; do
      curl -s -N --max-time 60 -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/stream?from=1" > /dev/null || true
    done ) &
  children+=($!)
done
for index in $(seq 1 4); do
  python3 - "$port" "$province" <<'PY' &
import socket, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.sendall(f"GET /v1/stream?from=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
time.sleep(10 ** 6)
PY
  children+=($!)
done

start=$(date +%s)
GONGFU_TOKEN=$province GONGFU_CITY_TOKEN=$city GONGFU_AUDITOR_TOKEN=$auditor GONGFU_ENTERPRISES=$enterprise_list \
GONGFU_BODIES=$scratch/registrations.lua wrk -t2 -c$connections -d${minutes}m --timeout 30s -s tools/load/soak.lua \
  "http://127.0.0.1:$port/" > "$scratch/wrk.txt"
health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health")
cleanup
wait $server 2>/dev/null || true
verify=$("$gongfu" verify --data "$scratch/run" 2>&1 | tail -1)
audit=$("$gongfu" audit verify --data "$scratch/run" 2>&1 | tail -1)

echo
echo "gongfu soak: $minutes min, $enterprises enterprises, $connections wrk connections + 8 reading SSE + 4 idle SSE, $(nproc) cores"
grep -E "^(statuses|socket errors|latency|Requests/sec)" "$scratch/wrk.txt"
echo "health at the end: $health"
echo "verify: $verify"
echo "audit verify: $audit"
echo "RSS (MiB) by minute:"
python3 - "$scratch/rss.txt" "$start" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if len(line.split()) == 2]
start = int(sys.argv[2])
by_minute = {}
for t, rss in rows:
    by_minute.setdefault((int(t) - start) // 60, int(rss))
for minute, rss in sorted(by_minute.items()):
    if minute >= 0:
        print(f"  {minute:3d} min  {rss / 1024:7.1f}")
values = [int(r) for _, r in rows]
third = values[len(values) // 3:]
if third:
    print(f"RSS from a third of the run to the end: {third[0] / 1024:.1f} -> {third[-1] / 1024:.1f} MiB (max {max(third) / 1024:.1f})")
PY
