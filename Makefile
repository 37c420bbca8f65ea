# One line per target; CI runs `make ci` (see .ci/run).
GO ?= go
# How long `make fuzz` fuzzes each target.
FUZZTIME ?= 30s

.PHONY: build generate test lint check-generated tidy-check smoke ci fuzz bench bench-overhead graphs clean temporal-cli test-temporal test-temporal-scale bench-temporal readme-temporal

build:
	$(GO) build -o bin/ ./cmd/...

generate:
	$(GO) generate ./...

test:
	$(GO) test -race ./...

lint:
	$(GO) vet ./...
	@out="$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/))"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# jobgen diff fails on an invalid config, a cycle or stale generated code,
# and prints what go generate would change; then every go:generate output
# must be committed as it is.
check-generated:
	$(GO) run ./cmd/jobgen diff
	$(GO) generate ./...
	@out="$$(git status --porcelain -- gen cmd ':!cmd/jobgen')"; if [ -n "$$out" ]; then echo "generated code is stale; run make generate and commit:"; echo "$$out"; git diff --stat; exit 1; fi

tidy-check:
	$(GO) mod tidy -diff

smoke: build
	./bin/job1 && ./bin/job2 && ./bin/job1 --dry-run
	./bin/job1 --no-progress --log-level warn --report out/job1/run.json --trace out/job1/trace.json
	rm -rf out/smoke-state && ./bin/job1 --no-progress --region east --state out/smoke-state && ./bin/job1 --no-progress --region east --state out/smoke-state --resume | grep -q '4 restored'

ci: lint tidy-check check-generated test build smoke test-temporal readme-temporal

# The Temporal CLI, whose dev server the tests against a real Temporal
# start on loopback: built from the Go module proxy once (about 6 minutes on
# 2 cores) and cached by version outside the clone; prints its path.
temporal-cli:
	@.ci/temporal-cli

# The tests of runtime/temporaljob against a real Temporal server (skipped
# by make test, which has no server): job binaries on several workers, a
# killed worker, failures, Ctrl-C, replayed histories, 300 tasks with
# continue-as-new.
test-temporal:
	TEMPORAL_CLI="$$(.ci/temporal-cli)" $(GO) test -race -count=1 -timeout=20m ./runtime/temporaljob

# A 20,000-task job on Temporal: 1 min 55 s on 2 cores (docs/performance.md).
test-temporal-scale:
	TEMPORAL_CLI="$$(.ci/temporal-cli)" TASKORCH_TEMPORAL_SCALE=20000 $(GO) test -count=1 -timeout=60m -run='^TestScaleOnTemporal$$' -v ./runtime/temporaljob

# The cost per task of a run on Temporal (docs/performance.md), about 5
# minutes.
bench-temporal:
	TEMPORAL_CLI="$$(.ci/temporal-cli)" $(GO) test -run='^$$' -bench='^BenchmarkTemporal$$' -benchtime=1x -timeout=60m ./runtime/temporaljob

# Runs the README's "When one machine is not enough" word for word in a
# fresh clone of the committed tree.
readme-temporal:
	.ci/readme-temporal

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(FUZZTIME) ./generator/internal/config
	$(GO) test -run='^$$' -fuzz='^FuzzNames$$' -fuzztime=$(FUZZTIME) ./generator

# The performance benchmarks (docs/performance.md): bench-overhead, then
# makespans on heavy-tailed tasks, then jobgen generate + go build of
# synthetic jobs of JOBGEN_SCALE tasks (1000,10000,100000 by default;
# 100000 alone takes about 5 minutes, mostly compiling the synthetic task
# code, and 8GB).
bench: bench-overhead
	$(GO) test -run='^$$' -bench='^BenchmarkMakespan$$' -benchtime=1x -timeout=30m ./runtime
	$(GO) test -run='^$$' -bench='^BenchmarkScale$$' -benchtime=1x -timeout=60m ./cmd/jobgen

# The runtime's cost per task beside hand-written Go, through generated
# code as a user builds it: prints the ratio table of docs/performance.md
# (levels and eager against hand-written runners, wide, layered, chain and
# fan-in/fan-out DAGs of OVERHEAD_SIZES no-op tasks, 10000,100000 by
# default, W = 2 and 8), allocations per task, the cost of Job() and the
# peak heap of a chain of large values. The first run compiles 440,000
# task types (about 20 minutes on 2 cores, 4GB at a time); they are kept
# in ~/.cache/taskorchestrator, so that later runs take 2-3 minutes.
bench-overhead:
	$(GO) test -run='^$$' -bench='^BenchmarkOverhead$$' -benchtime=1x -timeout=120m ./cmd/jobgen

# Redraw the job graphs in README.md and docs/graphs/ (the SVGs need
# Graphviz: apt-get install graphviz).
graphs:
	$(GO) test ./cmd/jobgen -run '^TestDocs$$' -update

clean:
	rm -rf bin out
