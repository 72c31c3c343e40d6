# ringside: the README's commands. Each target does all its own set-up on a
# fresh Debian 12 machine: it checks the build dependencies (installing them
# with apt-get when run as root), configures with CMake, builds and runs.
#
#   make run            build, then boot the bundled guest (guest/run-guest.sh)
#   make test           build, then run every test with ctest
#   make test-sanitize  the same under AddressSanitizer + UBSan, in build-asan/
#   make bench          Release build of the benchmarks, then run them
#   make deps           only check (and install) the build dependencies
#   make clean          remove the build directories this Makefile creates
#
# Variables: JOBS (parallel jobs, default 2), BENCH_ARGS (e.g. --quick),
# WERROR=ON|OFF (default ON when CI=true), BUILD/ASAN_BUILD/BENCH_BUILD (dirs).

# Debian packages the build and the tests need: the toolchain and libraries,
# then the peers the reference tests boot the test kernels under (QEMU; Bochs
# from a GRUB ISO: bochs, its BIOS images, grub-mkrescue with xorriso and
# mtools) and gdb for the gdb-stub tests. This is the one list.
DEPS := cmake gcc make pkg-config libcapstone-dev libelf-dev libsdl2-dev libcmocka-dev \
        libreadline-dev libjansson-dev qemu-system-x86 bochs bochsbios vgabios grub-pc-bin \
        grub-common xorriso mtools gdb

BUILD       ?= build
ASAN_BUILD  ?= build-asan
BENCH_BUILD ?= build-release
JOBS        ?= 2
BENCH_ARGS  ?=
ifeq ($(CI),true)
WERROR ?= ON
else
WERROR ?= OFF
endif

CMAKE_COMMON := -DRINGSIDE_WERROR=$(WERROR)
# The generated makefiles run under this one: spare the "Entering directory" lines.
MAKEFLAGS += --no-print-directory

.PHONY: all deps configure compile run test test-sanitize bench clean help

all: compile

help:
	@sed -n '5,13p' Makefile | sed 's/^# \{0,1\}//'

# dpkg-query answers without root and without the network. A package counts
# as present only when its status ends in "ok installed".
deps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
	    echo "make: no dpkg-query: not a Debian system; make sure these are installed: $(DEPS)"; \
	    exit 0; \
	fi; \
	missing=""; \
	for p in $(DEPS); do \
	    case "$$(dpkg-query -W -f='$${Status}' $$p 2>/dev/null)" in \
	        *" ok installed") ;; \
	        *) missing="$$missing $$p" ;; \
	    esac; \
	done; \
	if [ -z "$$missing" ]; then \
	    echo "make: build dependencies present"; \
	elif [ "$$(id -u)" = 0 ]; then \
	    echo "make: installing missing build dependencies:$$missing"; \
	    apt-get update && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing </dev/null || exit 1; \
	else \
	    echo "make: missing build dependencies:$$missing"; \
	    echo "make: install them with:"; \
	    echo "    sudo apt-get install -y$$missing"; \
	    exit 1; \
	fi

configure: deps
	cmake -S . -B $(BUILD) $(CMAKE_COMMON)

compile: configure
	cmake --build $(BUILD) -j $(JOBS)

# The bundled guest: the kernel with init and every program as Multiboot
# modules (docs/guest.md). Exits 0 when init's summary says all passed.
# RUN_ARGS passes ringside options, e.g. RUN_ARGS="--append pti=off".
RUN_ARGS ?=
run: compile
	guest/run-guest.sh $(BUILD) $(RUN_ARGS)

test: compile
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-sanitize: deps
	cmake -S . -B $(ASAN_BUILD) $(CMAKE_COMMON) -DRINGSIDE_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

bench: deps
	cmake -S . -B $(BENCH_BUILD) $(CMAKE_COMMON) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target ringside-bench
	$(BENCH_BUILD)/bench/ringside-bench $(BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD)
