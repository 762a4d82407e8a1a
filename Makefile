# mstore: `make run` serves a store in ./var on the embedded default
# configuration; `make test` runs every test.

GO      ?= go
BIN     := bin/mstore
# Packages that share state between goroutines run under the race detector.
RACE_PKGS := ./store/... ./imap/... ./fs/... ./lmtp/... ./pop3/... ./web/...

.PHONY: all build run test test-unit test-race bench fmt vet clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/mstore

# Run by root, serve gives root up for the account "mstore" (server.user),
# which is made here the first time.
run: build
	tools/make-account.sh
	./$(BIN) serve

test: vet test-unit test-race

test-unit:
	$(GO) test -count=1 ./...

test-race:
	$(GO) test -count=1 -race $(RACE_PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./store/

fmt:
	gofmt -w $$(git ls-files '*.go')

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf bin
