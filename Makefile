# opsim: the two commands.
#   make run    install what is missing, build, run the default scenario, print its summary,
#               then serve the web page (build/wasm/web) on http://127.0.0.1:8080/ until Ctrl-C
#   make test   install what is missing, build native and WebAssembly, run every test (ctest)
# Other targets: make build, make wasm, make bench, make clean.
SHELL := /bin/bash
.DEFAULT_GOAL := run

NATIVE_DIR := build/native
WASM_DIR := build/wasm
PORT ?= 8080
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# Emscripten's JS optimiser needs Debian's node modules (TOOLCHAIN.md, trap 1).
export NODE_PATH := /usr/share/nodejs

.PHONY: run test setup build wasm bench clean

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

test: build wasm
	@echo "== test: native suite, then the WebAssembly suite"
	@ctest --test-dir $(NATIVE_DIR) --output-on-failure -j $(JOBS)
	@ctest --test-dir $(WASM_DIR) --output-on-failure -j $(JOBS)

bench: build wasm
	@bash bench/run.sh $(NATIVE_DIR) $(WASM_DIR)

clean:
	rm -rf build out
