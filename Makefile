# Pitlane: `make run` brings the assistant up, `make test` runs the whole test suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VENV_RASA := .venv-rasa
PYTHON := $(VENV)/bin/python
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (one per core here; tests/conftest.py keeps the stack's
# tests on one worker)
TEST_WORKERS ?= 2

.PHONY: help run run-scaled test widget model db venvs locale i18n lint format bench bench-scale browser nginx clean eval-nlu bench-nlu soak

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

run: venvs locale model db widget ## Start Rasa, the action server and the web app (Ctrl-C stops them)
	@$(PYTHON) scripts/run.py

run-scaled: venvs locale model nginx ## 2 web + 2 Rasa replicas behind nginx on :8080, on PostgreSQL and Redis
	@$(PYTHON) scripts/run_scaled.py

test: venvs locale model widget browser nginx ## Run the whole test suite (unit, integration, Rasa stories, e2e, browser, scale)
	$(PYTHON) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=30 $(PYTEST_ARGS)

venvs: $(VENV)/.installed $(VENV_RASA)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt
	@py=$$(scripts/find-python310.sh) || exit 1; \
	if [ ! -x $(PYTHON) ]; then echo "==> Creating $(VENV) with $$py"; $$py -m venv $(VENV); fi
	@echo "==> Installing Pitlane's dependencies into $(VENV)..."
	$(PYTHON) -m pip install --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

$(VENV_RASA)/.installed: requirements-rasa.txt
	@py=$$(scripts/find-python310.sh) || exit 1; \
	if [ ! -x $(VENV_RASA)/bin/python ]; then echo "==> Creating $(VENV_RASA) with $$py"; $$py -m venv $(VENV_RASA); fi
	@echo "==> Installing rasa 3.6.21 into $(VENV_RASA) (about 2 minutes)..."
	$(VENV_RASA)/bin/python -m pip install --disable-pip-version-check -r requirements-rasa.txt
	@touch $@

# Browser libraries the web app serves (Leaflet for the widget's map), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (the widget's map needs it)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

# The widget package (widget/, docs/widget.md): the server's join minified by esbuild, versioned,
# with its integrity in widget/dist/manifest.json, and packed (npm pack) into var/widget/.
WIDGET_SOURCES := $(wildcard channels/static/*.js channels/static/*.css channels/static/shared/*.js channels/static/i18n/*.json) channels/script_bundle.py channels/widget_package.py scripts/build_widget.py widget/package.json widget/README.md
widget: widget/dist/manifest.json ## Build the widget package (minified, versioned, with SRI) and npm pack it

widget/dist/manifest.json: $(VENV)/.installed node_modules/.installed $(WIDGET_SOURCES)
	$(PYTHON) scripts/build_widget.py --pack var/widget

model: venvs locale ## Train the Rasa model if rasa_project/ changed since the last training
	@$(PYTHON) scripts/train_model.py

locale: venvs ## Compile the gettext catalogues (locale/*/LC_MESSAGES/pitlane.po -> .mo)
	@$(PYTHON) scripts/i18n.py compile

i18n: venvs ## Extract the catalogues' template, check fr and en have the same keys, compile
	$(PYTHON) scripts/i18n.py extract
	$(PYTHON) scripts/i18n.py check
	$(PYTHON) scripts/i18n.py compile

db: venvs ## Create the database, run the migrations, load the demo data when empty
	@$(PYTHON) -m core.manage init

browser: ## Make sure headless Chromium is there for the browser tests
	@scripts/ensure-chromium.sh

nginx: ## Make sure nginx is there for make run-scaled and the scale tests (apt-get as root)
	@scripts/ensure-nginx.sh

lint: venvs ## ruff: lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venvs ## ruff: fix what can be fixed and format
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: venvs model db nginx ## Benchmarks: the hub vs Rasa (one of each), then the scaled one
	$(PYTHON) bench/hub_store.py
	$(PYTHON) bench/hub_overhead.py
	$(PYTHON) bench/chat_load.py
	$(PYTHON) bench/scale_load.py

bench-scale: venvs model nginx ## Scaled stack vs one bare Rasa, CPU per process, 1,000 SSE clients
	$(PYTHON) bench/scale_load.py

# SOAK_ARGS="--conversations 10 --minutes 1 --warmup 0.5" for a quick try
SOAK_ARGS ?=
soak: venvs locale model ## Soak (not a test; ~8 min): 50 conversations for 5 min, errors, latency and memory per process
	$(PYTHON) bench/soak.py $(SOAK_ARGS)

eval-nlu: venvs model ## Held-out NLU evaluation (rasa_project/holdout/), fails under issue 11's targets
	$(VENV_RASA)/bin/python scripts/eval_nlu.py --min-accuracy 0.92 --min-entity-f1 0.95 --min-recall 0.80

bench-nlu: venvs model ## NLU budgets: training time, parse latency, Rasa server memory
	$(VENV_RASA)/bin/python bench/nlu_budget.py

clean: ## Remove the virtual environments, the model, var/ and the built widget
	rm -rf $(VENV) $(VENV_RASA) rasa_project/models var widget/dist widget/build
