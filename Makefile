# One line per target; CI runs `make ci` (see .ci/run).
GO ?= go

.PHONY: build generate test lint check-generated tidy-check smoke ci fuzz bench clean

build:
	$(GO) build -o bin/ ./cmd/...

generate:
	$(GO) generate ./...

test:
	$(GO) test -race ./...

lint:
	$(GO) vet ./...
	@out="$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/))"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

check-generated: generate
	@out="$$(git status --porcelain -- gen cmd runtime/adapters_gen.go)"; if [ -n "$$out" ]; then echo "generated code is stale; run make generate and commit:"; echo "$$out"; git diff --stat; exit 1; fi
	$(GO) run ./cmd/jobgen check

tidy-check:
	$(GO) mod tidy -diff

smoke: build
	./bin/job1 && ./bin/job2 && ./bin/job1 --dry-run

ci: lint tidy-check check-generated test build smoke

clean:
	rm -rf bin out
