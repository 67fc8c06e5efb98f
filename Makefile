# Two commands for a new user: `make run` and `make test`. Every target builds .venv first if it is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# rasa 3.6 needs Python 3.10: take pyenv's 3.10, else python3.10 on PATH.
PY310 := $(shell p=$$(pyenv prefix 3.10 2>/dev/null) && [ -x "$$p/bin/python3.10" ] && echo "$$p/bin/python3.10" || command -v python3.10)
VENV := .venv
BIN := $(VENV)/bin
RASA := $(BIN)/rasa
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export WEB_PORT ?= 8080
export PYTHONPATH := $(CURDIR)
export TF_CPP_MIN_LOG_LEVEL := 2
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

SPACY_MODEL := var/spacy_en_blank/meta.json
# The browser tests (tests/web) drive Debian's Chromium; Playwright's own browser downloads are not used.
CHROMIUM := /usr/bin/chromium
# The replicated layout (scripts/replicated.py, tests/scaled/test_replicated.py) runs behind Debian's nginx.
NGINX := /usr/sbin/nginx
MODEL := models/assistant.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data/nlu data/rules data/kb/answers -name "*.yml" 2>/dev/null) \
	$(wildcard bot/rasa/nlu/*.py bot/rasa/*.py bot/text/*.py)

.PHONY: help install kb train run run-replicated test lint unit validate services browser conversations eval bench soak clean
help:
	@echo "make run    start the assistant (action server + Rasa server + clinic page with the chat widget)"
	@echo "make test   install, train if needed, and run every test"
	@echo "make run-replicated   nginx, 2 Rasa servers, 2 action servers on PostgreSQL and Redis (docs/deploy.md)"
	@echo "make train | eval | bench | soak | clean"
	@echo "make lint | unit | validate | services | browser | conversations   (the stages of make test)"

$(BIN)/.installed: requirements.txt requirements-nodeps.txt
	@if [ -z "$(PY310)" ]; then echo "error: Python 3.10 not found. Install it with 'pyenv install 3.10' or put python3.10 on PATH (rasa 3.6 does not run on 3.11)." >&2; exit 1; fi
	@[ -x $(BIN)/python ] || $(PY310) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check "pip==24.0"
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -r requirements-nodeps.txt
	@touch $@

install: $(BIN)/.installed

# A blank English spaCy pipeline built from code: nothing is downloaded.
$(SPACY_MODEL): $(BIN)/.installed bot/text/spacy_model.py
	$(BIN)/python -m bot.text.spacy_model var/spacy_en_blank

kb: $(BIN)/.installed
	$(BIN)/python -m bot kb load

# Retrained only when data, config or the NLU components changed.
$(MODEL): $(BIN)/.installed $(SPACY_MODEL) $(TRAINING_INPUTS)
	@mkdir -p var && echo "training the model (about 1-2 minutes; log: var/train.log)"
	$(RASA) train --fixed-model-name assistant --out models --force > var/train.log 2>&1 || { tail -30 var/train.log; exit 1; }
	@touch $@

train: $(MODEL)

run: $(MODEL) kb
	bash scripts/run.sh

# Debian's Chromium for the browser tests, installed when missing (as root; apt-get update if the first try fails).
$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests (tests/web)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium > /dev/null || { apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium > /dev/null; }

# Debian's nginx, installed when missing (the layout runs it with its own configuration and ports).
$(NGINX):
	@echo "installing Debian's nginx for the replicated layout"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx > /dev/null || { apt-get update -q > /dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx > /dev/null; }

run-replicated: $(MODEL) $(NGINX)
	$(BIN)/python scripts/replicated.py

# The CI ladder: each stage needs more than the one before, says what it needs, and stops the run when it fails.
# The stages select tests by the markers of pytest.ini; a test whose service is missing skips locally and fails
# in CI (CI=true). `make unit` alone needs neither a model nor a service.
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider tests
SERVICES := postgres or redis or nginx or browser
test: $(BIN)/.installed
	@$(MAKE) --no-print-directory lint unit validate
	@echo "== 4/8 train (the model; about 2 minutes when the data changed)" && $(MAKE) --no-print-directory train kb
	@echo "== 5/8 actions and end to end (the model, the Rasa and action servers)"
	CI=$${CI:-true} $(PYTEST) -m "(model or servers) and not ($(SERVICES))"
	@$(MAKE) --no-print-directory services browser conversations

lint: $(BIN)/.installed
	@echo "== 1/8 lint (ruff, ruff.toml)"
	$(BIN)/ruff check bot actions tests scripts bench eval

unit: $(BIN)/.installed $(SPACY_MODEL)
	@echo "== 2/8 unit (no model, no services)"
	$(PYTEST) -m "not (model or servers or $(SERVICES))"

validate: $(BIN)/.installed
	@echo "== 3/8 data validate (Rasa's checks of data/ and domain.yml)"
	@mkdir -p var && $(RASA) data validate --fail-on-warnings > var/validate.log 2>&1 || { tail -30 var/validate.log; exit 1; }

services: $(MODEL) kb $(NGINX)
	@echo "== 6/8 services (PostgreSQL, Redis, nginx)"
	CI=$${CI:-true} $(PYTEST) -m "($(SERVICES)) and not browser"

browser: $(MODEL) kb $(CHROMIUM)
	@echo "== 7/8 browser (Debian's Chromium)"
	CI=$${CI:-true} $(PYTEST) -m browser

conversations: $(MODEL)
	@echo "== 8/8 conversation tests (rasa test core)"
	$(RASA) test core --stories tests/conversations --model $(MODEL) --fail-on-prediction-errors --out var/results/core

# docs/evaluation.md + docs/triage.md: NLU cross-validation (about 3 minutes on 2 cores), conversation tests, triage suite.
eval: $(MODEL) kb
	@mkdir -p var/results/nlu && cp config.yml var/results/nlu/config.yml && echo "NLU cross-validation, 5 folds (log: var/results/nlu/cv.log)"
	$(RASA) test nlu --cross-validation --folds 5 --config var/results/nlu/config.yml --out var/results/nlu > var/results/nlu/cv.log 2>&1 || { tail -30 var/results/nlu/cv.log; exit 1; }
	$(RASA) test core --stories tests/conversations --model $(MODEL) --out var/results/conversations > var/results/conversations.log 2>&1 || { tail -30 var/results/conversations.log; exit 1; }
	$(BIN)/python -m eval.report

# docs/benchmarks.md: the assistant against Rasa's stock config under the same REST load (about 20 minutes; not in `make test`).
# BENCH_ARGS="--baseline-epochs 10" where the stock baseline does not train within the hour (see bench/run.py).
bench: $(BIN)/.installed $(SPACY_MODEL)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The "Soak" section of docs/benchmarks.md: 50 conversations for 2 minutes against the replicated layout, one Rasa
# server killed and started again in the middle (about 4 minutes; not in `make test`). Fails if a turn was lost.
soak: $(MODEL) $(NGINX)
	$(BIN)/python -m bench.soak

clean:
	rm -rf models var/results var/*.db var/spacy_en_blank
