"""The device install, built once for every test of this folder (tests/edge_install/test_edge_only.py says why)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

IGNORED = shutil.ignore_patterns(".venv*", ".git", "runs", "build", "*.egg-info", "__pycache__", ".pytest_cache")


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """The package as pip installs it from an sdist: a folder that replaces the checkout on sys.path."""
    work = tmp_path_factory.mktemp("edge-install")
    source = work / "src"
    shutil.copytree(REPO, source, ignore=IGNORED, symlinks=True)
    sdist = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
                            "print(b.build_sdist(sys.argv[1]))", str(work)], cwd=source, capture_output=True, text=True)
    assert sdist.returncode == 0, sdist.stderr
    target = work / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                          "--disable-pip-version-check", "--target", str(target), str(work / sdist.stdout.strip().splitlines()[-1])],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    assert (target / "edge" / "data" / "devices.toml").is_file()
    return target
