"""The results store on its own: idempotent rows, schema version, one writer, a full disk."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from bench.store import DB_NAME, SCHEMA_VERSION, Store, params_hash
from edge.errors import EdgebenchError


def _rows(item_id: str, budgets=(16, 32), text: str = "answer") -> list[dict]:
    params = {"temperature": 0.0, "max_tokens": max(budgets)}
    return [{"artifact_hash": "a1", "backend": "llamacpp", "suite": "disposition", "item_id": item_id, "split": "dev",
             "family": "unc", "budget": b, "seed": 0, "params_hash": params_hash(params), "params": params,
             "text": text, "token_ids": [1, 2, 3], "n_tokens": 3, "stop_reason": "stop", "prompt_tokens": 10,
             "timings": {"token_s": [0.01] * 3}, "judge": "lexical", "scores": {"uncertainty": 1.0}} for b in budgets]


def test_rows_are_written_once_and_read_back(tmp_path):
    with Store.open(tmp_path / "run", write=True) as store:
        store.add_item(_rows("unc-1"))
        store.add_item(_rows("unc-1", text="a second try is ignored"))
        p_hash = _rows("unc-1")[0]["params_hash"]
        assert store.has_item("a1", "llamacpp", "unc-1", (16, 32), 0, p_hash)
        assert not store.has_item("a1", "llamacpp", "unc-1", (16, 32, 64), 0, p_hash)
        assert not store.has_item("a1", "llamacpp", "unc-2", (16, 32), 0, p_hash)
        store.add_measurement("a1", "llamacpp", "speed", {"tests": []})
    with Store.open(tmp_path / "run", write=False) as store:
        rows = store.samples("a1")
        assert [(r["item_id"], r["budget"], r["text"]) for r in rows] == [("unc-1", 16, "answer"), ("unc-1", 32, "answer")]
        assert rows[0]["token_ids"] == [1, 2, 3] and rows[0]["scores"] == {"uncertainty": 1.0}
        assert store.measurement("a1", "llamacpp", "speed") == {"tests": []}
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_existing_run_needs_resume(tmp_path):
    Store.open(tmp_path, write=True).close()
    with pytest.raises(EdgebenchError, match="--resume"):
        Store.open(tmp_path, write=True)
    Store.open(tmp_path, write=True, resume=True).close()


def test_other_schema_version_is_refused_and_says_which(tmp_path):
    db = sqlite3.connect(tmp_path / DB_NAME)
    db.execute("CREATE TABLE samples (x)")
    db.execute("PRAGMA user_version = 0")
    db.commit()
    db.close()
    for write in (False, True):
        with pytest.raises(EdgebenchError, match=f"schema v0; this edgebench reads v{SCHEMA_VERSION} only and does not migrate"):
            Store.open(tmp_path, write=write, resume=True)


def test_a_second_writer_is_refused_even_from_another_process(tmp_path):
    with Store.open(tmp_path, write=True):
        with pytest.raises(EdgebenchError, match="another edgebench run is writing"):
            Store.open(tmp_path, write=True, resume=True)
        code = ("import sys; from bench.store import Store\n"
                "try:\n    Store.open(sys.argv[1], write=True, resume=True)\n"
                "except Exception as e:\n    print(e); sys.exit(3)\n")
        other = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
        assert other.returncode == 3 and "another edgebench run" in other.stdout
        with Store.open(tmp_path, write=False) as reader:  # reports can read while a run writes
            assert reader.samples() == []
    Store.open(tmp_path, write=True, resume=True).close()  # the lock goes with its holder


def test_full_disk_is_one_clear_error_and_the_database_still_opens(tmp_path):
    with Store.open(tmp_path, write=True) as store:
        store.add_item(_rows("unc-1"))
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # the database may not grow: SQLITE_FULL
        with pytest.raises(EdgebenchError, match="disk is full.*--resume"):
            store.add_item(_rows("unc-2", text="x" * 200_000))
    with Store.open(tmp_path, write=False) as store:
        assert {r["item_id"] for r in store.samples()} == {"unc-1"}  # the failed item left nothing half-written
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_not_a_run_folder(tmp_path):
    with pytest.raises(EdgebenchError, match="not a run folder"):
        Store.open(tmp_path, write=False)
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(EdgebenchError, match="not a readable results database"):
        Store.open(tmp_path, write=False)
