# Two entry points: `make demo` and `make test`. Both set up .venv on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
DATA   ?=
STAMP  := $(VENV)/.installed-stamp

CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test test-fast lint bench clean browser

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	# Exact pin: this machine holds the CPU wheel; a looser spec pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/seqcast demo $(if $(DATA),--data $(DATA))

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/lint-imports

# The report tests open report.html in Debian's Chromium (Playwright downloads no browser here).
browser:
	@test -x $(CHROMIUM) || apt-get install -y -q chromium >/dev/null \
		|| (apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null) \
		|| (echo "Chromium is needed by the report tests: apt-get install chromium (as root)"; exit 1)

test: lint browser
	$(PY) -m pytest

# The inner loop (under 2 minutes): everything but the real-file, browser, Ray and process tests.
test-fast: lint
	$(PY) -m pytest -q -m "not slow and not browser and not ray and not process"

bench: $(STAMP)
	$(PY) bench/train_speed.py --data $(or $(DATA),../shared/data/btc-usd-daily.csv)

clean:
	rm -rf $(VENV) runs test-artifacts .pytest_cache .mypy_cache .ruff_cache
