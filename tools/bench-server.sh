#!/usr/bin/env bash
# Load benchmark of the query daemon on loopback (release build), side by side with nginx
# serving the same coverage JSON as a static file (the ceiling for a read):
#   1. GET /v1/coverage?by=city&year=2025 at 64 connections (wrk), gongfu vs nginx;
#   2. mixed: 9 reads of coverage to 1 POST /v1/events (a new enterprise each) at 64 connections.
# Reports requests/s, p50/p99 latency, errors, and the daemon's RSS sampled every second.
# Usage: tools/bench-server.sh [--enterprises N] [--seconds S] [--scratch DIR]
# Needs wrk and nginx (apt-get install wrk nginx-light); not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
enterprises=30000; seconds=20; scratch=.build-bench/server; connections=64
while [ $# -gt 0 ]; do
  case "$1" in
    --enterprises) enterprises=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --scratch) scratch=$2; shift 2 ;;
    *) echo "unknown option $1; use --enterprises N, --seconds S, --scratch DIR" >&2; exit 2 ;;
  esac
done
for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "bench-server needs $tool (apt-get install wrk nginx-light curl)" >&2; exit 1; }
done
swift build -c release --product gongfu >&2
gongfu=$PWD/.build/release/gongfu
mkdir -p "$scratch"; scratch=$(cd "$scratch" && pwd)
data=$scratch/data-$enterprises
if [ ! -d "$data/log" ]; then
  "$gongfu" demo --data "$data" --enterprises "$enterprises" --no-serve >&2
fi
# Each run appends: start from a copy of the generated province.
rm -rf "$scratch/run"; cp -r "$data" "$scratch/run"
token=$("$gongfu" token add --data "$scratch/run" --role province --name bench | tail -1)
port=18481; nginx_port=18482
"$gongfu" serve --data "$scratch/run" --port $port --log-level warning 2>"$scratch/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true; [ -f "$scratch/nginx/nginx.pid" ] && kill $(cat "$scratch/nginx/nginx.pid") 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
path="/v1/coverage?by=city&year=2025"
mkdir -p "$scratch/nginx/root/v1"
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" > "$scratch/nginx/root/v1/coverage"
cat > "$scratch/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $scratch/nginx/nginx.pid;
error_log $scratch/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  default_type application/json;
  server { listen 127.0.0.1:$nginx_port; root $scratch/nginx/root; location / { try_files \$uri =404; } }
}
CONF
nginx -c "$scratch/nginx/nginx.conf"
python3 tools/load/registrations.py 60000 LD "$scratch/registrations.lua"

rss_samples() { while kill -0 $server 2>/dev/null; do ps -o rss= -p $server; sleep 1; done; }
summarise() { # label, wrk output file
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$2")
  p50=$(awk '$1=="50%" {print $2}' "$2"); p99=$(awk '$1=="99%" {print $2}' "$2")
  errors=$(awk '/non-2xx or errors/ {print $4}' "$2")
  printf '| %-34s | %10s | %8s | %8s | %6s |\n' "$1" "$rps" "$p50" "$p99" "${errors:-0}"
}
rss_samples > "$scratch/rss.txt" &
echo "warm-up…" >&2
GONGFU_TOKEN=$token wrk -t2 -c$connections -d3s -s tools/load/read.lua "http://127.0.0.1:$port$path" >/dev/null
GONGFU_TOKEN=$token wrk -t2 -c$connections -d${seconds}s --latency -s tools/load/read.lua "http://127.0.0.1:$port$path" > "$scratch/read.txt"
wrk -t2 -c$connections -d${seconds}s --latency -s tools/load/read.lua "http://127.0.0.1:$nginx_port/v1/coverage" > "$scratch/nginx.txt"
size_before=$(curl -sf "http://127.0.0.1:$port/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["log"]["size"])')
GONGFU_TOKEN=$token GONGFU_BODIES=$scratch/registrations.lua wrk -t2 -c$connections -d${seconds}s --latency -s tools/load/mixed.lua "http://127.0.0.1:$port/" > "$scratch/mixed.txt"
size_after=$(curl -sf "http://127.0.0.1:$port/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["log"]["size"])')

echo
echo "gongfu bench-server: $enterprises enterprises, $connections connections, ${seconds} s per run, $(nproc) cores"
echo "| run                                | requests/s |      p50 |      p99 | errors |"
echo "|------------------------------------|------------|----------|----------|--------|"
summarise "gongfu GET coverage (by city)" "$scratch/read.txt"
summarise "nginx static copy of the same JSON" "$scratch/nginx.txt"
summarise "gongfu mixed 90% read / 10% append" "$scratch/mixed.txt"
read_rps=$(awk '/Requests\/sec/ {print $2}' "$scratch/read.txt"); nginx_rps=$(awk '/Requests\/sec/ {print $2}' "$scratch/nginx.txt")
python3 -c "print(f'coverage / nginx requests/s: {$read_rps / $nginx_rps:.2f}x (target >= 0.50)')"
echo "appended during the mixed run: $((size_after - size_before)) events (each acknowledged after fdatasync)"
python3 - "$scratch/rss.txt" <<'PY'
import sys
values = [int(line) for line in open(sys.argv[1]) if line.strip().isdigit()]
if values:
    print(f"daemon RSS (MB) over the runs: first {values[0]/1024:.0f}, min {min(values)/1024:.0f}, max {max(values)/1024:.0f}, last {values[-1]/1024:.0f} ({len(values)} samples)")
PY
