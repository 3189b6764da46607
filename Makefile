# The two quick-start commands are `make run` and `make test` (README.md).
SHELL := /bin/bash
GO ?= go
STATICCHECK_VERSION ?= v0.7.0
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
PORT ?= 3000

.PHONY: run test tools test-go test-monitoring build lint bench load cover clean

## run: the API on :$(PORT) in sandbox mode (fake upstreams, in-process cache, printed admin token)
run:
	SANDBOX=true PORT=$(PORT) LOG_FORMAT=$${LOG_FORMAT:-console} $(GO) run ./cmd/api

## test: every test (Go with -race, alert rules with promtool, manifests); installs Redis/promtool if missing and root
test: tools test-go test-monitoring

tools:
	@scripts/ensure-tools.sh

test-go:
	$(GO) test -race -count=1 ./...

test-monitoring:
	@if [ -x scripts/check-monitoring.sh ]; then scripts/check-monitoring.sh; fi

## build: a static binary in bin/api
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/api ./cmd/api

## lint: gofmt, go vet, staticcheck (pinned)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## bench: the benchmarks, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## load: wrk against the Express + opossum original, a bare proxy and the service (bench/README.md)
load:
	bash bench/run.sh

## cover: coverage report in coverage.html
cover:
	$(GO) test -race -count=1 -coverprofile=coverage.out ./...
	$(GO) tool cover -html=coverage.out -o coverage.html
	$(GO) tool cover -func=coverage.out | tail -n 1

clean:
	rm -rf bin coverage.out coverage.html
