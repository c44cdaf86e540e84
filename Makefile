# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make demo   - a scripted tour of the bot on the bundled press release (no tokens, no network)
#   make test   - lint, format check, type check and the whole test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo console test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/agendabot tour

console: $(BIN)/.installed
	$(BIN)/agendabot console

test: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

BENCHES := bench_parse bench_store bench_commands bench_memory bench_telegram bench_slack bench_digests bench_feeds bench_web

bench: $(BIN)/.installed
	for b in $(BENCHES); do echo "== $$b"; $(BIN)/python -m bench.$$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
