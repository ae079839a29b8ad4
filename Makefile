# `make run`: set up .venv and run the main job. `make test`: set up .venv and run the tests (the fast tier);
# `make test-slow`: the end-to-end tier (tests/conftest.py says which); `make test-all`: both.
# The venv is built once and reused (llama-cpp-python compiles from source, ~6 min on 2 cores);
# it is rebuilt only when pyproject.toml changes.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-stamp
LLAMA_CPP := llama-cpp-python==0.3.36

.PHONY: run test test-slow test-all clean

$(STAMP): pyproject.toml
	@# bubblewrap is the sandbox for model-written code; without it scoring falls back to rlimits only.
	command -v bwrap >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
		apt-get install -y -q bubblewrap || (apt-get update -q && apt-get install -y -q bubblewrap) || true
	test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	@# LLAVA_BUILD=OFF: llama-cpp-python's multimodal library (mtmd: clip, vision and audio) is never
	@# loaded by edgebench; not compiling it shortens the source build. A user's own CMAKE_ARGS
	@# (Metal, CUDA) come after ours and win.
	@# llama.cpp is compiled for this host's CPU (-march=native). pip's cache would hand a wheel built on
	@# another host (other CPU features: AVX-512, AMX, ARM) or with other CMAKE_ARGS to this venv, so
	@# llama-cpp-python alone is built with the cache off; the pin must match pyproject.toml (a test checks).
	CMAKE_ARGS="-DLLAVA_BUILD=OFF $$CMAKE_ARGS" $(VENV)/bin/pip install --disable-pip-version-check --no-cache-dir $(LLAMA_CPP)
	$(VENV)/bin/pip install --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/edgebench run

test: $(STAMP)
	@# --durations: the slowest tests of every run, to keep the tier within its 10 minutes
	$(VENV)/bin/python -m pytest -q -m "not slow" --durations=15

test-slow: $(STAMP)
	@# chromium renders the HTML report in one slow test (headless); only the tests need it, and without it that test is skipped.
	command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null || \
		apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium) || true
	$(VENV)/bin/python -m pytest -q -m slow

test-all: test test-slow

clean:
	rm -rf $(VENV) runs
