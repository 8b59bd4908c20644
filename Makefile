# The producer's verbs. `make` builds every script; `make test` proves it all works.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
INSTALLED      := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed
ESSAYCAST := $(BIN)/essaycast
ARGS ?=

.DEFAULT_GOAL := all
.PHONY: all build add update test test-fast lint docs check serve publish report bench bench-extract clean test-deps fuzz soak

all: build

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

build: $(INSTALLED)
	$(ESSAYCAST) build $(ARGS)
	@$(BIN)/python -m pipeline.delivery.validatebooks

add: $(INSTALLED)
	$(ESSAYCAST) add $(FILE) $(URL) $(ARGS)

# For cron: fetch the [[follow]] feeds in feed/show.toml, import what is new, build, publish.
update: $(INSTALLED)
	$(ESSAYCAST) update $(ARGS)
	@$(BIN)/python -m pipeline.delivery.validatebooks

check: $(INSTALLED)
	$(ESSAYCAST) check
	$(BIN)/python -m pipeline.delivery.validatebooks

report: $(INSTALLED)
	$(ESSAYCAST) report $(ARGS)

serve: $(INSTALLED)
	$(ESSAYCAST) serve $(ARGS)

# Upload the built site to [publish] target in feed/show.toml, then read it back over HTTP.
publish: $(INSTALLED)
	$(ESSAYCAST) publish $(ARGS)
	$(if $(findstring --dry-run,$(ARGS)),,$(ESSAYCAST) check --remote)

# Test tools: Python packages from PyPI, plus Debian's chromium (browser tests) and
# ffmpeg (for ffprobe, an independent reader of the MP3s) when they are missing; for the
# talking books, a JRE (EPUBCheck) and Node with Ace by DAISY, installed into tools/node
# (ignored by git) and run against Debian's chromium, so Puppeteer downloads no browser.
ACE := tools/node/node_modules/.bin/ace-cli
$(TEST_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

test-deps: $(TEST_INSTALLED)
	@scripts_needed=""; \
	command -v chromium >/dev/null || scripts_needed="$$scripts_needed chromium"; \
	command -v ffprobe  >/dev/null || scripts_needed="$$scripts_needed ffmpeg"; \
	command -v java     >/dev/null || scripts_needed="$$scripts_needed default-jre-headless"; \
	command -v npm      >/dev/null || scripts_needed="$$scripts_needed nodejs npm"; \
	if [ -n "$$scripts_needed" ]; then \
	  echo "installing Debian packages:$$scripts_needed"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$scripts_needed >/dev/null; \
	fi
	@test -x $(ACE) || { echo "installing Ace by DAISY into tools/node"; \
	  mkdir -p tools/node && PUPPETEER_SKIP_DOWNLOAD=true npm install --prefix tools/node \
	    --no-audit --no-fund --silent @daisy/ace-cli; }

# Style, types, and the architecture: import-linter's contracts in pyproject.toml.
lint: $(TEST_INSTALLED)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# The manual (docs/) as a site in site/; --strict turns a broken link or anchor into a failure.
docs: $(TEST_INSTALLED)
	$(BIN)/mkdocs build --strict --quiet --site-dir site

test: test-deps lint docs
	$(BIN)/pytest $(ARGS)

# The quick loop: the fake voice only, no browser; the real voice and Chromium are `make test`'s.
# Two workers, a test file each at a time (a file's shared build is made once).
test-fast: test-deps lint docs
	$(BIN)/pytest -m "not slow and not browser" -n 2 --dist loadfile $(ARGS)

# The text path fuzzed with forty times the examples `make test` runs (tests/test_fuzz.py).
fuzz: $(TEST_INSTALLED)
	ESSAYCAST_FUZZ=1 $(BIN)/pytest tests/test_fuzz.py -p no:cacheprovider $(ARGS)

# 50 builds with edits, SIGKILLs, SIGTERMs and a damaged cache entry, ending byte-identical
# to a clean build (tests/test_soak.py; `make test` runs 3 of them).
soak: $(TEST_INSTALLED)
	ESSAYCAST_SOAK=50 $(BIN)/pytest tests/test_soak.py -p no:cacheprovider -s $(ARGS)

bench: $(INSTALLED) $(TEST_INSTALLED)
	$(BIN)/python bench/run.py $(ARGS)

# Article extraction against public ground truth, read from outside the repository:
# ARGS="--aeb DIR --readability DIR" (see docs/extraction.md).
bench-extract: $(INSTALLED) $(TEST_INSTALLED)
	$(BIN)/python bench/extraction.py $(ARGS)

# The ingest corpus (tests/data/corpus/): how much of each essay is read, and nothing else.
.PHONY: corpus
corpus: $(INSTALLED) $(TEST_INSTALLED)
	$(BIN)/python tests/corpus.py

clean:
	rm -rf episodes/*/ feed/*.epub feed/.book.json feed/feed.xml feed/index.html feed/artwork.jpg feed/essaycast.css feed/essaycast.js feed/report.html .cache
