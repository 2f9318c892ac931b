# WMS Edge: QGIS Processing plugin + PyWPS server. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
STAMP       := $(VENV)/.installed
SERVER_VENV := .venv-server
PLUGIN_NAME := wmsedge
DEB_PACKAGES := qgis python3-qgis qgis-server python3-mapscript python3-gdal gdal-bin python3-scipy python3-owslib \
                python3-venv python3-pip qttools5-dev-tools xvfb xauth \
                redis-server postgresql
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export QT_QPA_PLATFORM := offscreen

.PHONY: help install test test-engine test-server test-plugin test-server-pip lint bench serve cleanup demo cluster-demo \
        package deploy screenshot translations clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

install: $(STAMP) ## Install Debian packages (if missing) and the Python venv (.venv)

$(STAMP): requirements/dev.txt requirements/constraints.txt pyproject.toml
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:" $$missing; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	[ -x $(PY) ] || /usr/bin/python3 -m venv --system-site-packages $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -c requirements/constraints.txt -r requirements/dev.txt
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

test: install ## Run every test: engine, server, distributed mode, plugin and desktop, then the server in a pip-only venv
	$(PY) -m pytest
	$(MAKE) --no-print-directory test-server-pip

test-engine: install ## Engine tests only (no QGIS needed)
	$(PY) -m pytest tests/engine

test-server: install ## WPS server tests only
	$(PY) -m pytest tests/server

test-plugin: install ## QGIS plugin tests only
	$(PY) -m pytest tests/plugin

test-server-pip: install ## Install the server with pip alone in a clean venv (no QGIS) and run its tests
	rm -rf $(SERVER_VENV) build
	/usr/bin/python3 -m venv $(SERVER_VENV)
	$(SERVER_VENV)/bin/python -m pip install -q --disable-pip-version-check ".[server,test]"
	cd tests && ../$(SERVER_VENV)/bin/python -m pytest -p no:qgis -W ignore::pytest.PytestConfigWarning \
	  --rootdir=.. -c ../pyproject.toml engine server

lint: install ## Run ruff
	$(PY) -m ruff check .

bench: install ## Run the benchmarks and write BENCHMARKS.md (not part of make test)
	$(PY) -m benchmarks

serve: install ## Run the WPS server with gunicorn on 127.0.0.1:5000 (/wps)
	$(VENV)/bin/gunicorn --bind 127.0.0.1:5000 --workers 2 wps_server.app:application

cleanup: install ## Delete finished jobs' outputs and job rows older than [cleanup] retention (AGE=2d to override)
	$(PY) -m wps_server cleanup $(if $(AGE),--older-than $(AGE))

demo: install ## Run the whole product offline on a demo WMS, outputs in demo-output/
	$(PY) -m demo

cluster-demo: install ## The distributed mode on loopback: PostgreSQL, Redis, 2 front ends, 2 workers, an area job checked against one node
	$(PY) -m demo.cluster

package: ## Build dist/$(PLUGIN_NAME).zip for QGIS "Install from ZIP"
	/usr/bin/python3 scripts/package_plugin.py --name $(PLUGIN_NAME) --output dist/$(PLUGIN_NAME).zip

deploy: package ## Install the plugin zip into the default QGIS profile
	/usr/bin/python3 scripts/package_plugin.py --name $(PLUGIN_NAME) --deploy

screenshot: install ## Pictures from the real QGIS desktop under Xvfb: docs/remote-toolbox.png, docs/desktop-dialog.png, docs/desktop-result.png
	xvfb-run -a $(PY) scripts/screenshot_toolbox.py
	$(PY) scripts/screenshot_desktop.py

translations: install ## Refresh i18n/*.ts from the code and compile the .qm files
	/usr/bin/python3 scripts/translations.py

clean: ## Remove venvs, caches, dist and demo output
	rm -rf $(VENV) $(SERVER_VENV) dist demo-output var .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
