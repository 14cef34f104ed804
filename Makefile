# The two commands of the README. Both install what they need on a fresh Debian machine.
.PHONY: demo demo-log test deps bench bench-projections bench-server

deps:
	@tools/install-deps.sh

## The main job: the demo province end to end (30,000 enterprises, seed 2024) into data/demo,
## then the daemon and dashboard on 127.0.0.1:8080 until Ctrl-C (DEMO_FLAGS=--no-serve to stop).
DEMO_FLAGS ?=
demo: deps
	swift build --product gongfu
	rm -rf data/demo
	.build/debug/gongfu demo --data data/demo $(DEMO_FLAGS)

## A round trip through the event log alone with the real binary and the stock lz4 tool.
demo-log: deps
	swift build --product gongfu
	tools/demo-log.sh

## Every test, after checking the code is formatted (`swift format`, settings in .swift-format).
test: deps
	swift format lint --strict --recursive Package.swift Sources Tests
	swift build --build-tests
	swift test --skip-build

## Log benchmark against SQLite (release build; not part of CI).
bench: deps
	tools/bench-log.sh

## Projection rebuild/catch-up benchmark against a plain read of the log (release; not in CI).
bench-projections: deps
	tools/bench-projections.sh

## Daemon load test on loopback: wrk at 64 connections vs nginx serving the same JSON (release; not in CI).
bench-server: deps
	tools/bench-server.sh
