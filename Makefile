# dangbo — the README's commands. Run as root on Debian bookworm; `make deps` installs what
# is missing from deploy/apt-packages.txt.
#
#   make run    install, build, start records + analytics on loopback with the seed data
#   make test   install, build, run every test (ctest)

SHELL := /bin/bash
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
DATA_DIR ?= $(CURDIR)/.data
RECORDS_PORT ?= 50051
ANALYTICS_PORT ?= 50052
CTEST_ARGS ?=

PACKAGES := $(shell sed -e 's/\#.*//' deploy/apt-packages.txt | xargs)

.PHONY: all deps configure build test run clean format help

all: build

help:
	@echo "make run    - install deps, build, start both services on loopback with seed data"
	@echo "make test   - install deps, build, run all tests"
	@echo "make build  - build only;  make deps - install missing Debian packages"

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
	  echo "all packages from deploy/apt-packages.txt are installed"; \
	fi

$(BUILD_DIR)/CMakeCache.txt: CMakeLists.txt
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DDANGBO_WERROR=ON

configure: deps $(BUILD_DIR)/CMakeCache.txt

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 -j $(JOBS) $(CTEST_ARGS)

run: build
	BUILD_DIR=$(BUILD_DIR) DATA_DIR=$(DATA_DIR) RECORDS_PORT=$(RECORDS_PORT) \
	  ANALYTICS_PORT=$(ANALYTICS_PORT) ./deploy/run-local.sh

format:
	find common services tests -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
