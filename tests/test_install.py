"""The install steps the README promises: the Makefile's own llama-cpp-python pin matches pyproject.toml."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_makefile_builds_the_llama_cpp_python_that_pyproject_pins():
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["edge"]
    pinned = next(p for p in pins if p.startswith("llama-cpp-python"))
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^LLAMA_CPP := {re.escape(pinned)}$", makefile, re.M), pinned
    # built with pip's wheel cache off, so a wheel compiled on another host is never reused
    assert "--no-cache-dir $(LLAMA_CPP)" in makefile
