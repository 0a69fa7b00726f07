# Build, run and test targets. `make help` lists them.

GO        ?= go
GOFMT     ?= $(shell $(GO) env GOROOT)/bin/gofmt
BUILD_DIR ?= build

# Every folder under cmd/, apps/ and bench/ with Go files is a binary named
# after the folder; new ones are picked up without editing this file.
BIN_PKGS = $(patsubst %/,./%,$(sort $(dir $(filter-out %_test.go,$(wildcard cmd/*/*.go apps/*/*.go bench/*/*.go)))))

# The platforms NSQ ships binaries for: `make cross` builds every binary for
# each into $(BUILD_DIR)/<os>_<arch>/ (static, CGO off, as the Docker image).
# One go build per platform, one platform at a time: go build already keeps
# every core busy, and parallel platforms would only compete for them.
CROSS_PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

# go test -race over the whole module.
GO_TEST_TIMEOUT ?= 10m

# go-nsq tests (space-separated names) allowed to fail in test-compat while
# nsqd lacks what they exercise; test-compat reports listed names that pass.
# What the suite needs from our daemons:
#   TLS (go-nsq's test certificates): TestConsumerTLS TestConsumerTLSDeflate
#       TestConsumerTLSSnappy TestConsumerTLSClientCert TestConsumerTLSClientCertViaSet
#   deflate: TestConsumerDeflate TestConsumerTLSDeflate
#   snappy:  TestConsumerSnappy TestConsumerTLSSnappy
#   plain nsqd on 4150/4151: TestConsumer TestProducer*
#   nsqlookupd, nsqd auth: none (TestConsumerLookupdAuthorization uses a fake
#       lookupd; TestConfig*, TestConsumerBackoff*, TestConsumerPause and
#       TestConsumerRequeueNoBackoff need no daemon)
# nsqd supports all of these, so nothing is expected to fail.
COMPAT_EXPECTED_FAIL ?=

# Each bench tool runs this long in bench-smoke, and in bench.
BENCH_SMOKE_DURATION ?= 3s
BENCH_DURATION       ?= 10s

# The steps of `make test`, in order; the first failure stops it.
TEST_STEPS = fmt-check vet staticcheck check-imports test-go test-reliability build cross test-compat test-ui bench-smoke

.PHONY: help build cross run test fmt-check vet staticcheck check-imports test-go \
	test-reliability test-compat test-ui screenshots bench-smoke bench clean

help:
	@echo "make build          build every binary under cmd/, apps/, bench/ into $(BUILD_DIR)/"
	@echo "make cross          build every binary for $(CROSS_PLATFORMS) into $(BUILD_DIR)/<os>_<arch>/"
	@echo "make run            build, then run nsqlookupd, nsqd and nsqadmin locally (Ctrl-C stops)"
	@echo "make test           $(TEST_STEPS)"
	@echo "make test-reliability  crash, disk-fault and hostile-input tests in reliability/, then fuzz smoke"
	@echo "make screenshots    build, run test-ui, copy its topic page screenshot to docs/"
	@echo "make test-compat    go-nsq's own test suite against $(BUILD_DIR)/nsqd"
	@echo "make bench          each bench/ tool for $(BENCH_DURATION) against a fresh nsqd"
	@echo "make clean          remove $(BUILD_DIR)/ and .run/"

build:
	@mkdir -p $(BUILD_DIR)
	@if [ -z "$(BIN_PKGS)" ]; then \
		echo "build: no binaries under cmd/, apps/ or bench/ yet"; \
	else \
		echo "$(GO) build -o $(BUILD_DIR)/ $(BIN_PKGS)"; \
		$(GO) build -o $(BUILD_DIR)/ $(BIN_PKGS); \
	fi

cross:
	@if [ -z "$(BIN_PKGS)" ]; then echo "cross: no binaries under cmd/, apps/ or bench/ yet"; exit 0; fi; \
	for p in $(CROSS_PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; out=$(BUILD_DIR)/$${os}_$${arch}/; \
		echo "GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $$out"; \
		mkdir -p $$out && GOOS=$$os GOARCH=$$arch CGO_ENABLED=0 \
			$(GO) build -trimpath -ldflags='-s -w' -o $$out $(BIN_PKGS) || exit 1; \
	done

run: build
	@BUILD_DIR=$(BUILD_DIR) scripts/run.sh

test:
	@for step in $(TEST_STEPS); do \
		echo "==> make $$step"; \
		$(MAKE) --no-print-directory $$step || { echo "make test: $$step failed"; exit 1; }; \
	done; \
	echo "make test: all steps passed: $(TEST_STEPS)"

fmt-check:
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path './$(BUILD_DIR)/*' \
		-not -path './.run/*' -not -path '*/node_modules/*' -not -path '*/testdata/*' \
		-print0 | xargs -0 -r $(GOFMT) -l); \
	if [ -n "$$files" ]; then \
		echo "fmt-check: not gofmt-ed (run gofmt -w):"; echo "$$files"; exit 1; \
	fi; \
	echo "fmt-check: ok"

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

check-imports:
	$(GO) run ./scripts/checkimports

# reliability/ runs in test-reliability.
# Then nsqd's daemon tests once more in durable mode (--mem-queue-size=0);
# the few that need a memory queue skip themselves there.
test-go:
	$(GO) test -race -count=1 -timeout $(GO_TEST_TIMEOUT) $$($(GO) list ./... | grep -v /reliability)
	$(GO) test -race -count=1 -timeout $(GO_TEST_TIMEOUT) ./nsqd/ -args -nsqd.durable

# Kills nsqd with SIGKILL, damages and fills its disk, then runs every fuzz
# target briefly. `go test ./reliability/ -run Crash -reliability.long` runs
# many more crash cycles.
test-reliability:
	$(GO) test -race -count=1 -timeout 5m ./reliability/...
	@if [ -x scripts/fuzz-smoke.sh ]; then scripts/fuzz-smoke.sh; \
	elif [ -f scripts/fuzz-smoke.sh ]; then sh scripts/fuzz-smoke.sh; fi

test-compat:
	@BUILD_DIR=$(BUILD_DIR) COMPAT_EXPECTED_FAIL="$(strip $(COMPAT_EXPECTED_FAIL))" scripts/test-compat.sh

# nsqadmin's browser tests (headless chromium via playwright-core); installs
# chromium and the pinned npm packages when missing.
test-ui:
	@BUILD_DIR=$(BUILD_DIR) scripts/test-ui.sh

# The browser tests save a screenshot of every page they visit under
# nsqadmin/testdata/screenshots/; the README shows the topic page's.
screenshots: build test-ui
	@mkdir -p docs
	cp nsqadmin/testdata/screenshots/topic.png docs/nsqadmin-topic.png

bench-smoke: build
	@BUILD_DIR=$(BUILD_DIR) TAG=bench-smoke scripts/bench.sh $(BENCH_SMOKE_DURATION)

bench: build
	@BUILD_DIR=$(BUILD_DIR) scripts/bench.sh $(BENCH_DURATION)

clean:
	rm -rf $(BUILD_DIR) .run coverage.out coverage.html *.coverprofile
