# factorylog: `make run` (the main job on SampleLogs) and `make test` do all the set-up themselves.
.DEFAULT_GOAL := help
SHELL := /bin/bash
SWIFT ?= swift
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RELEASE_BIN := .build/release/factorylog
DEBUG_BIN := .build/debug/factorylog

FUZZ_BUILD := .build-fuzz
FUZZ_BIN := $(FUZZ_BUILD)/debug/FactorylogFuzz
FUZZ_TARGETS ?= scanner detect litellm kong bedrock otel claude_code codex envoy azure_apim azure_openai gemini_cli gemini_cli_telemetry metrics
FUZZ_SECONDS ?= 600
FUZZ_CI_SECONDS ?= 12
FUZZ_FLAGS := -Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld

.PHONY: help deps browser venv build run test parity bench bench-quick lint clean fuzz fuzz-build fuzz-ci

help: ## Show this help.
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-12s %s\n", $$1, $$2}'

deps: ## Install the system packages the build needs (zlib1g-dev, libzstd-dev) when missing.
	@missing=""; \
	[ -f /usr/include/zlib.h ] || missing="$$missing zlib1g-dev"; \
	[ -f /usr/include/zstd.h ] || missing="$$missing libzstd-dev"; \
	command -v zstd >/dev/null || missing="$$missing zstd"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

browser: ## Install Debian's chromium (headless, for the report.html tests) when missing.
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  echo "installing: chromium"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium; }

venv: $(VENV)/.ready ## Create the Python environment for the output checks (pyarrow, DuckDB, openpyxl).

$(VENV)/.ready: Tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r Tests/requirements.txt
	touch $@

build: deps ## Build the release binary.
	$(SWIFT) build -c release --product factorylog

run: build ## Run the main job on SampleLogs/, writing the summaries to out/.
	$(RELEASE_BIN) run SampleLogs --out out --state out-state.sqlite \
	  --placement SampleConfig/placement.csv --model-aliases SampleConfig/model-aliases.json --power-price 0.12 --pue 1.3
	@echo "summaries written to out/"

test: deps venv browser ## Build and run all tests (Swift unit tests, the acceptance and output checks, then make fuzz-ci).
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	FACTORYLOG_BIN=$(DEBUG_BIN) $(PY) -m pytest -q Tests/acceptance
	$(MAKE) --no-print-directory fuzz-ci

fuzz-build: deps ## Build the libFuzzer harness with address sanitizer (Fuzz/README.md).
	FACTORYLOG_FUZZ=1 $(SWIFT) build -c debug --scratch-path $(FUZZ_BUILD) --product FactorylogFuzz $(FUZZ_FLAGS)
	python3 Scripts/fuzz-seeds.py $(FUZZ_BUILD)/corpus

fuzz: fuzz-build ## Fuzz each target for FUZZ_SECONDS (default 600) s; FUZZ_TARGETS picks targets.
	@for t in $(FUZZ_TARGETS); do Scripts/fuzz-run.sh $(FUZZ_BIN) $$t $(FUZZ_SECONDS) $(FUZZ_BUILD) || exit 1; done

fuzz-ci: fuzz-build ## Fuzz each target for FUZZ_CI_SECONDS (default 12) s, as `make test` does.
	@for t in $(FUZZ_TARGETS); do Scripts/fuzz-run.sh $(FUZZ_BIN) $$t $(FUZZ_CI_SECONDS) $(FUZZ_BUILD) || exit 1; done

LITELLM_VERSION := $(shell python3 Scripts/update-prices.py --pinned-version)
PARITY_DIR := Tests/acceptance/parity

parity: deps venv ## Install the pinned litellm release, regenerate the parity requests and compare our costs with litellm.completion_cost.
	$(VENV)/bin/pip install -q --disable-pip-version-check "litellm==$(LITELLM_VERSION)"
	$(SWIFT) build --product factorylog
	LITELLM_LOCAL_MODEL_COST_MAP=True $(PY) Scripts/parity.py generate --out $(PARITY_DIR) \
	  --table "$$(LITELLM_LOCAL_MODEL_COST_MAP=True $(PY) -c 'import litellm, os; print(os.path.join(os.path.dirname(litellm.__file__), "model_prices_and_context_window_backup.json"))' 2>/dev/null)"
	LITELLM_LOCAL_MODEL_COST_MAP=True $(PY) Scripts/parity.py check --bin $(DEBUG_BIN) --dir $(PARITY_DIR) --write-subset \
	  --table "$$(LITELLM_LOCAL_MODEL_COST_MAP=True $(PY) -c 'import litellm, os; print(os.path.join(os.path.dirname(litellm.__file__), "model_prices_and_context_window_backup.json"))' 2>/dev/null)"

bench: deps venv ## Run the benchmarks: scanner and decompression throughput, then end to end against DuckDB.
	Benchmarks/bench.sh
	$(SWIFT) build -c release --product factorylog
	$(PY) Benchmarks/e2e.py
	$(PY) Benchmarks/manyfiles.py $(BENCH_ARGS)
	$(PY) Benchmarks/energy.py

bench-quick: deps venv ## Quick many-file and archive benchmark on small corpora (manyfiles.py --quick).
	$(SWIFT) build -c release --product factorylog
	$(PY) Benchmarks/manyfiles.py --quick

clean: ## Remove build products and outputs.
	rm -rf .build $(FUZZ_BUILD) out out-state.sqlite
