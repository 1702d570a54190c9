# Two entry points: `make run` (the bot, or the console when no DISCORD_TOKEN is set)
# and `make test` (lint + the whole test suite). Both bootstrap .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint check clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,pictures,discord]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/factbot start

check: $(STAMP)
	$(BIN)/factbot check

lint: $(STAMP)
	$(BIN)/ruff check bot tests
	$(BIN)/ruff format --check bot tests

# The site's browser tests run in Debian's headless chromium: installed here when missing
# (as root, or with sudo); without it they skip with a reason, except in CI where they fail.
browser:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null; then \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; \
	fi

test: $(STAMP) lint browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .factbot-cache
