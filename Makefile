# The producer's verbs. `make` builds every script; `make test` proves it all works.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED      := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed
ESSAYCAST := $(BIN)/essaycast
ARGS ?=

.DEFAULT_GOAL := all
.PHONY: all build test lint check serve bench clean test-deps report

all: build

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

build: $(INSTALLED)
	$(ESSAYCAST) build $(ARGS)

check: $(INSTALLED)
	$(ESSAYCAST) check

report: $(INSTALLED)
	$(ESSAYCAST) report $(ARGS)

serve: $(INSTALLED)
	$(ESSAYCAST) serve $(ARGS)

# Test tools: Python packages from PyPI, plus Debian's chromium (browser tests) and
# ffmpeg (for ffprobe, an independent reader of the MP3s) when they are missing.
$(TEST_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

test-deps: $(TEST_INSTALLED)
	@scripts_needed=""; \
	command -v chromium >/dev/null || scripts_needed="$$scripts_needed chromium"; \
	command -v ffprobe  >/dev/null || scripts_needed="$$scripts_needed ffmpeg"; \
	if [ -n "$$scripts_needed" ]; then \
	  echo "installing Debian packages:$$scripts_needed"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$scripts_needed >/dev/null; \
	fi

lint: $(TEST_INSTALLED)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests
	$(BIN)/mypy

test: test-deps lint
	$(BIN)/pytest $(ARGS)

bench: $(INSTALLED) $(TEST_INSTALLED)
	$(BIN)/python bench/run.py $(ARGS)

clean:
	rm -rf episodes/*/ feed/feed.xml feed/index.html feed/artwork.jpg feed/essaycast.css feed/essaycast.js feed/report.html .cache
