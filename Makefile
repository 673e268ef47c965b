# opsim: the two commands.
#   make run    install what is missing, build, run the default scenario, print its summary,
#               then serve the web page (build/wasm/web) on http://127.0.0.1:8080/ until Ctrl-C
#   make test   install what is missing, build native and WebAssembly, run every test (ctest),
#               then the sanitizer build's tests (make sanitize)
# Other targets: make build, make wasm, make bench [BASE=DIR], make clean, and
#   make sanitize   clang build under AddressSanitizer + UndefinedBehaviorSanitizer
#                   (build/sanitize): the unit suite, every scenario file, a short fuzz run
#   make fuzz       the two libFuzzer targets for FUZZ_SECONDS each (default 600), corpus
#                   kept in build/fuzz-corpus/, inputs that fail in build/fuzz-corpus/*/crashes/
SHELL := /bin/bash
.DEFAULT_GOAL := run

NATIVE_DIR := build/native
WASM_DIR := build/wasm
SANITIZE_DIR := build/sanitize
FUZZ_CORPUS_DIR := build/fuzz-corpus
FUZZ_SECONDS ?= 600
# 0 lets libFuzzer pick a seed, so that successive long runs explore differently.
FUZZ_SEED ?= 0
PORT ?= 8080
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Emscripten's JS optimiser needs Debian's node modules (TOOLCHAIN.md, trap 1).
export NODE_PATH := /usr/share/nodejs

.PHONY: run test setup build wasm bench clean sanitize fuzz

setup:
	@echo "== setup: checking and installing dependencies"
	@bash scripts/setup.sh

build: setup
	@echo "== build: native ($(NATIVE_DIR))"
	@cmake --preset native -DOPSIM_BUILD_TESTS=ON -DOPSIM_BUILD_BENCH=ON -DOPSIM_WASM_BUILD_DIR=$(CURDIR)/$(WASM_DIR) >/dev/null
	@cmake --build --preset native -j $(JOBS)

wasm: setup
	@echo "== build: WebAssembly ($(WASM_DIR))"
	@emcmake cmake --preset wasm -DOPSIM_BUILD_TESTS=ON -DOPSIM_BUILD_BENCH=ON >/dev/null
	@cmake --build --preset wasm -j $(JOBS)

run: build wasm
	@echo "== run: opsim run default"
	@$(NATIVE_DIR)/native/opsim run default --out out/default
	@echo "== serve: the web page on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	@python3 -m http.server $(PORT) --bind 127.0.0.1 --directory $(WASM_DIR)/web

# The sanitizer build and its tests (tests/sanitize, fuzz/): the unit suite, every scenario
# file run by the runner, and fuzz.* (a minute of each fuzzer). Shared by sanitize and test.
define run_sanitize
	@echo "== sanitize: clang build under ASan + UBSan ($(SANITIZE_DIR)), then its tests"
	@cmake --preset sanitize >/dev/null
	@cmake --build --preset sanitize -j $(JOBS)
	@ctest --test-dir $(SANITIZE_DIR) --output-on-failure -j $(JOBS)
endef

test: build wasm
	@echo "== test: native suite, then the WebAssembly suite, then the sanitizer build"
	@ctest --test-dir $(NATIVE_DIR) --output-on-failure -j $(JOBS)
	@ctest --test-dir $(WASM_DIR) --output-on-failure -j $(JOBS)
	$(run_sanitize)

sanitize: setup
	$(run_sanitize)

# Longer fuzzing than the sanitize tests: FUZZ_SECONDS per target, the corpus kept and grown
# in $(FUZZ_CORPUS_DIR)/<target>/corpus across runs. Both targets run even if the first fails.
fuzz: setup
	@echo "== fuzz: fuzz_loader and fuzz_simulation, $(FUZZ_SECONDS)s each, corpus in $(FUZZ_CORPUS_DIR)"
	@cmake --preset sanitize >/dev/null
	@cmake --build --preset sanitize -j $(JOBS) --target fuzz_loader fuzz_simulation
	@status=0; \
	for t in loader simulation; do \
	  bash fuzz/run_fuzz.sh --seed $(FUZZ_SEED) $(SANITIZE_DIR)/fuzz/fuzz_$$t $(FUZZ_SECONDS) \
	    $(FUZZ_CORPUS_DIR)/$$t $(CURDIR) || status=1; \
	done; exit $$status

# BASE=DIR (a previous build's tree, such as a worktree of an earlier commit built with
# make build wasm) measures that build against this one in the same run.
bench: build wasm
	@bash bench/run.sh $(NATIVE_DIR) $(WASM_DIR) $(if $(BASE),$(BASE)/$(NATIVE_DIR) $(BASE)/$(WASM_DIR))

clean:
	rm -rf build out
