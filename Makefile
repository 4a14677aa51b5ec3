# Two entry points: `make demo` and `make test`. Both set up .venv on first use.
VENV   ?= .venv
PY     := $(VENV)/bin/python
DATA   ?= ../shared/data/btc-usd-daily.csv
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	# Exact pin: this machine holds the CPU wheel; a looser spec pulls a multi-GB CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(STAMP)
	$(VENV)/bin/seqcast demo --data $(DATA)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src

test: lint
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/train_speed.py --data $(DATA)

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
