# dangbo — the README's commands. Run as root on Debian bookworm; `make deps` installs what
# is missing from deploy/apt-packages-{build,runtime,test}.txt (the images install only the
# build list in their build stage and the runtime list in the images).
#
#   make run    install, build, start records + analytics on loopback with the seed data
#   make test   install, build, run every test (ctest), then a short run of each fuzz target
#   make fuzz   long fuzz runs: FUZZ_SECONDS per target (default 600), corpus in build-fuzz/corpus
#   make bench  the benchmark at national scale (BENCH_MEMBERS, default 5.5 M);
#               make bench-quick: 10k members, short runs (< 3 minutes). Results in BENCH_OUT.
#   make image-test  build both images with podman and run them as the manifests do

SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
DATA_DIR ?= $(CURDIR)/.data
RECORDS_PORT ?= 50051
ANALYTICS_PORT ?= 50052
CTEST_ARGS ?=
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 15

# ccache: paths relative to the checkout, so another clone (CI's) reuses the cache, and one
# locale (ccache hashes LANG and LC_*), so the image build (Dockerfile: the same settings) finds
# what this build compiled.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export LANG := C.UTF-8
unexport LC_ALL LC_CTYPE LC_MESSAGES

APT_LISTS := deploy/apt-packages-build.txt deploy/apt-packages-runtime.txt \
	deploy/apt-packages-test.txt
PACKAGES := $(shell sed -e 's/\#.*//' $(APT_LISTS) | xargs)

.PHONY: all deps configure build test run clean format help fuzz-build fuzz-smoke fuzz \
	bench-deps bench-build bench bench-quick image-deps image-test

all: build

help:
	@echo "make run    - install deps, build, start both services on loopback with seed data"
	@echo "make test   - install deps, build, run all tests"
	@echo "make build  - build only;  make deps - install missing Debian packages"
	@echo "make fuzz   - long libFuzzer runs (FUZZ_SECONDS per target; fuzz-smoke: short ones)"
	@echo "make bench  - benchmark vs a bare gRPC server, etcd and PostgreSQL (bench-quick: < 3 minutes)"
	@echo "make image-test - build the images with podman, run them as the manifests do (CI runs it)"

# Installs only what is missing; apt-get update first when something is.
deps:
	@missing=$$(for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root (or sudo) to install packages" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else \
	  echo "all packages from $(APT_LISTS) are installed"; \
	fi

$(BUILD_DIR)/CMakeCache.txt: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DDANGBO_WERROR=ON

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j $(JOBS) $(CTEST_ARGS)
	$(MAKE) fuzz-smoke

# libFuzzer targets (tests/fuzz/README.md): their own clang build directory, ASan + UBSan.
$(FUZZ_BUILD_DIR)/CMakeCache.txt: CMakeLists.txt
	cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_CXX_COMPILER=clang++ -DDANGBO_FUZZ=ON \
	  -DDANGBO_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo

fuzz-build: deps $(FUZZ_BUILD_DIR)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzzers

# A bounded run of each target from its seeds (a fresh corpus each time); "N passed, M failed".
fuzz-smoke: fuzz-build
	tests/fuzz/run.sh --fresh $(FUZZ_BUILD_DIR) $(FUZZ_SMOKE_SECONDS) $(FUZZ_BUILD_DIR)/smoke-corpus

# Long runs; the corpus grows in $(FUZZ_BUILD_DIR)/corpus across runs.
fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_BUILD_DIR)/corpus

run: build
	BUILD_DIR=$(BUILD_DIR) DATA_DIR=$(DATA_DIR) RECORDS_PORT=$(RECORDS_PORT) \
	  ANALYTICS_PORT=$(ANALYTICS_PORT) ./deploy/run-local.sh

format:
	find common services tests -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)

# Benchmarks (tests/bench/harness/README.md): our servers (their bench-only builds, with the
# random-target interceptor) vs the bare reference server, etcd and PostgreSQL 15; clients
# (h2load, pgbench) on CPU 1, servers on CPU 0. BENCH_MEMBERS, BENCH_SMALL_MEMBERS,
# BENCH_CELLS, BENCH_ORGANIZATIONS, BENCH_DURATION, BENCH_SVC_DURATION, BENCH_RUNS,
# BENCH_WARMUP override; BENCH_PROFILE=1 adds a perf profile of each throughput case (needs
# linux-perf).
BENCH_OUT ?= $(BUILD_DIR)/bench
BENCH_TARGETS := bench_records_server bench_analytics_server bench_tool bench_bare_server \
	bench_dataset
BENCH_PACKAGES := $(shell sed -e 's/\#.*//' deploy/apt-packages-bench.txt | xargs)
export BENCH_MEMBERS BENCH_SMALL_MEMBERS BENCH_CELLS BENCH_ORGANIZATIONS BENCH_DURATION \
	BENCH_SVC_DURATION BENCH_RUNS BENCH_WARMUP BENCH_LOG_LEVEL BENCH_PROFILE \
	BENCH_RECORDS_CACHE_MB BENCH_ANALYTICS_CACHE_MB

# The benchmark's optional peers (deploy/apt-packages-bench.txt: PostgreSQL 15), installed
# when missing. When they cannot be installed the benchmark still runs and reports them
# skipped, quoting apt from $(BUILD_DIR)/bench-deps.log.
bench-deps:
	@mkdir -p $(BUILD_DIR); rm -f $(BUILD_DIR)/bench-deps.log; \
	missing=$$(for p in $(BENCH_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -z "$$missing" ]; then \
	  echo "all packages from deploy/apt-packages-bench.txt are installed"; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "not root: cannot install $$missing" | tee $(BUILD_DIR)/bench-deps.log; \
	else \
	  echo "installing:" $$missing; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  (apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing) \
	    > $(BUILD_DIR)/bench-deps.log 2>&1 \
	    && rm -f $(BUILD_DIR)/bench-deps.log \
	    || { echo "could not install $$missing (the bench reports them skipped):"; \
	         tail -n 3 $(BUILD_DIR)/bench-deps.log; }; \
	fi

bench-build: configure bench-deps
	cmake --build $(BUILD_DIR) -j $(JOBS) --target $(BENCH_TARGETS)

bench: bench-build
	python3 tests/bench/harness/run_bench.py --full --build_dir $(BUILD_DIR) --out_dir $(BENCH_OUT)

bench-quick: bench-build
	python3 tests/bench/harness/run_bench.py --quick --build_dir $(BUILD_DIR) \
	  --out_dir $(BENCH_OUT)-quick

# The images (tests/image/README.md): podman builds both from deploy/docker/Dockerfile on a
# local Debian base and runs them as the manifests do; the host build provides the clients
# (seed tools, reflection_call). Its packages (deploy/apt-packages-image.txt) are installed
# when missing. Not yet in `.ci/run`.
IMAGE_PACKAGES := $(shell sed -e 's/\#.*//' deploy/apt-packages-image.txt | xargs)

image-deps:
	@missing=$$(for p in $(IMAGE_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  if [ "$$(id -u)" != 0 ]; then echo "run as root to install packages" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	fi

image-test: image-deps build
	tests/image/image_test.sh $(BUILD_DIR)
