# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(wildcard plugins/assessor-*)

.PHONY: demo test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(BIN)/pip install --quiet -e . $(addprefix -e ,$(PLUGINS))
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The main job (churn control), then every other template on its generated sample data.
demo: $(VENV)/.installed
	$(BIN)/assessor run schemes/auto-aftersales/churn-control.assess \
		--data schemes/auto-aftersales/sample-data --out out/churn-control
	$(BIN)/assessor run schemes/auto-aftersales/service-kpi.assess \
		--data schemes/auto-aftersales/sample-data-service-kpi --out out/service-kpi > /dev/null
	$(BIN)/assessor run schemes/auto-aftersales/sales-churn.assess \
		--data schemes/auto-aftersales/sample-data-sales-churn --out out/sales-churn > /dev/null
	$(BIN)/assessor run schemes/floor-heating/customer-relations.assess \
		--data schemes/floor-heating/sample-data --out out/floor-heating > /dev/null
	$(BIN)/assessor run schemes/electrical-equipment/crm-team.assess \
		--data schemes/electrical-equipment/sample-data --out out/electrical > /dev/null
	$(BIN)/assessor run schemes/balanced-scorecard/balanced-scorecard.assess \
		--data schemes/balanced-scorecard/sample-data --out out/balanced-scorecard > /dev/null
	@echo "results of every template are in out/"

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src plugins tests
	$(BIN)/ruff format --check src plugins tests
	$(BIN)/lint-imports

# The HTML report is checked in a real headless Chromium with a CJK font, from Debian.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei

$(VENV)/.browser: | $(BIN)/python
	command -v chromium > /dev/null 2>&1 || $(APT_INSTALL) || \
		($(SUDO) apt-get update -qq && $(APT_INSTALL))
	touch $@

# The conformance suite runs a real PostgreSQL server and Spark (Java 17), also from Debian.
APT_ENGINES := $(SUDO) apt-get install -y -qq --no-install-recommends postgresql \
	openjdk-17-jre-headless

$(VENV)/.engines: | $(BIN)/python
	(ls /usr/lib/postgresql/*/bin/initdb && command -v java) > /dev/null 2>&1 || \
		$(APT_ENGINES) || ($(SUDO) apt-get update -qq && $(APT_ENGINES))
	touch $@

# a missing engine fails the suite here instead of skipping its tests
test: lint $(VENV)/.browser $(VENV)/.engines
	ASSESSOR_REQUIRE_ENGINES=1 $(BIN)/python -m pytest -q --numprocesses auto --dist loadfile

clean:
	rm -rf $(VENV) out
