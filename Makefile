# Two commands set up a fresh machine (Python 3.11, pip and make are all it needs):
#   make run         set up .venv/ from uv.lock, then run the pipeline on seeds/ into warehouse/
#   make test        set up .venv/, then run the whole test suite; installs chromium for the UI test
#                    first (`make browser`: the only step that needs root, for apt-get)
# and one for quick checks while working:
#   make test-fast   set up .venv/, then run the unit tests only (pytest -m "not slow": no Prefect, no
#                    subprocess pipeline run, no browser, no notebook, no benchmark; well under a minute)
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Byte-compile the dependencies once at install time: with PYTHONDONTWRITEBYTECODE set
# (common in containers) every process would otherwise compile Prefect anew (seconds per start).
export UV_COMPILE_BYTECODE := 1

.PHONY: setup run test test-fast browser bench clean

setup: .venv/.synced .build/mypyc/.attempted

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@# Compile the lexicon's Hyperscan databases once (1.5 s; cached under ~/.cache/ipmetrics).
	echo "2023年授权发明专利92.1万件。" | .venv/bin/ipmetrics extract - > /dev/null
	touch $@

# The clean and extract modules compiled with mypyc (tasks/common/compiled.py): about a quarter less CPU. Rebuilt
# when one of them changes (50 s); until then, and where nothing compiles, they run from their sources, slower.
COMPILED_SOURCES := $(shell find tasks/extract tasks/clean -name '*.py') $(addprefix tasks/common/,compiled.py dates.py prefilter.py values.py)
.build/mypyc/.attempted: .venv/.synced $(COMPILED_SOURCES)
	mkdir -p .build/mypyc
	.venv/bin/python -m tasks.common.compiled > .build/mypyc/build.log 2>&1 \
	  || echo "make setup: could not compile the clean and extract modules (see .build/mypyc/build.log); they run uncompiled"
	touch $@

run: setup
	.venv/bin/ipmetrics run

test: setup browser
	.venv/bin/python -m pytest

# The unit tests only: the tests marked `slow` (pyproject.toml) are left out. Without compiling first: they run the
# compiled modules when those match their sources, else the sources (a warning says so).
test-fast: .venv/.synced
	.venv/bin/python -m pytest -m "not slow"

# Headless Chromium for the UI test (tests/test_prefect_server.py), from Debian's `chromium` package.
# The only step of `make test` that needs root (sudo when not root): apt-get installs system packages.
# Everything else installs as your user, into .tools/ and .venv/. Nothing to do when chromium is installed.
# If it cannot be installed the UI test fails and says so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "make browser: installing Debian's chromium package for the UI test with apt-get;"; \
	  echo "  the only step of make test that needs root (sudo), because apt-get installs system packages"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	} || echo "make browser: could not install chromium (needs root: run 'sudo apt-get install chromium' once);" \
	  "the UI test will fail. 'make test-fast' needs no browser and no root."

# The benchmark: a synthetic corpus of BENCH_DOCS documents, full run, reruns, extract alone.
BENCH_DOCS ?= 10000
bench: setup
	.venv/bin/python -m bench.run --docs $(BENCH_DOCS)

clean:
	rm -rf .venv .tools .pytest_cache .build
