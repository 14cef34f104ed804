# The two commands of the README. Both install what they need on a fresh Debian machine.
.PHONY: demo test deps bench

deps:
	@tools/install-deps.sh

## The main job. Until the demo province lands, a round trip through the event log.
demo: deps
	swift build --product gongfu
	tools/demo-log.sh

## Every test.
test: deps
	swift build --build-tests
	swift test --skip-build

## Log benchmark against SQLite (release build; not part of CI).
bench: deps
	tools/bench-log.sh
