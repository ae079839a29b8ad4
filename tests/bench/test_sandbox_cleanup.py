"""The judge removes a work folder the program wrote into, however it is shaped (issue 20): deeper
than shutil.rmtree's recursion, wider than one listing, with symlinks that point outside."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bench.sandbox import remove_tree


@pytest.fixture
def tmp_path():
    """A folder in memory where there is one (/dev/shm): a disk folder makes these trees slow to build."""
    base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    folder = Path(tempfile.mkdtemp(prefix="edgebench-cleanup-test-", dir=base))
    yield folder
    remove_tree(folder)


def _deep(root, depth: int) -> None:
    fd = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        with open(os.open("f", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as f:
            f.write("x")
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    os.close(fd)


def test_shutil_rmtree_fails_on_such_a_tree(tmp_path):
    """The failure this guards against (a RecursionError out of the judge before issue 20)."""
    (tmp_path / "work").mkdir()
    _deep(tmp_path / "work", 1100)
    with pytest.raises(RecursionError):
        shutil.rmtree(tmp_path / "work")
    remove_tree(tmp_path / "work")


def test_a_deep_wide_tree_with_links_goes_and_nothing_outside_does(tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious").write_text("keep")
    work = tmp_path / "work"
    work.mkdir()
    _deep(work, 1100)
    for i in range(200):
        (work / f"w{i}" / "x").mkdir(parents=True)
    os.symlink(victim, work / "link-to-folder")
    os.symlink(victim / "precious", work / "w0" / "link-to-file")
    remove_tree(work)
    assert not work.exists()
    assert (victim / "precious").read_text() == "keep"


def test_a_missing_folder_is_fine(tmp_path):
    remove_tree(tmp_path / "never-made")
