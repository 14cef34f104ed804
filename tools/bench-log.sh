#!/usr/bin/env bash
# Log append/read benchmark on a release build, with SQLite (WAL, synchronous=FULL) side by side.
# Usage: tools/bench-log.sh [--events N] [--appenders 1,8,64] [--batch B] [--rounds R] [--scratch DIR] [--no-sqlite] [--lz4-level L] [--canonical-json]
# Prints Markdown tables (copy them into the README with the command line you used); --rounds 3
# alternates log and SQLite three times and gives medians (the machine is shared and noisy).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product LogBenchmark >&2
exec .build/release/LogBenchmark "$@"
