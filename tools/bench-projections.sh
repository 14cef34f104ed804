#!/usr/bin/env bash
# Projection benchmark on a release build: full rebuild of all read models from a 1M+ event
# demo-province log vs a plain full read of the same log, peak memory, and catch-up latency.
# Usage: tools/bench-projections.sh [--enterprises N] [--scratch DIR] [--batches N]
# (190,000 enterprises ≈ 1.0M events; the log is generated once and reused from --scratch.)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ProjectionBenchmark >&2
exec .build/release/ProjectionBenchmark "$@"
