# Two commands set up a fresh machine (Python 3.11, pip and make are all it needs):
#   make run    set up .venv/ from uv.lock, then run the pipeline on seeds/ into warehouse/
#   make test   set up .venv/, then run the whole test suite
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
# Byte-compile the dependencies once at install time: with PYTHONDONTWRITEBYTECODE set
# (common in containers) every process would otherwise compile Prefect anew (seconds per start).
export UV_COMPILE_BYTECODE := 1

.PHONY: setup run test browser bench clean

setup: .venv/.synced

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@# Compile the lexicon's Hyperscan databases once (1.5 s; cached under ~/.cache/ipmetrics).
	echo "2023年授权发明专利92.1万件。" | .venv/bin/ipmetrics extract - > /dev/null
	touch $@

run: setup
	.venv/bin/ipmetrics run

test: setup browser
	.venv/bin/python -m pytest

# Headless Chromium for the UI test (Debian's package; needs root or sudo).
# If it cannot be installed the UI test fails and says so.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	} || echo "make: could not install chromium; the browser test will fail"

# The benchmark: a synthetic corpus of BENCH_DOCS documents, full run, reruns, extract alone.
BENCH_DOCS ?= 10000
bench: setup
	.venv/bin/python -m bench.run --docs $(BENCH_DOCS)

clean:
	rm -rf .venv .tools .pytest_cache
