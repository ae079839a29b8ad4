"""Benchmark suites: small classes with items, the prompt as messages, and evaluate().

Looked up by name through SUITES; each module is imported only when asked for.
"""

from __future__ import annotations

import importlib

from edge.errors import EdgebenchError

SUITES = {
    "disposition": ("bench.suites.disposition", "DispositionSuite"),
    "humaneval": ("bench.suites.humaneval", "HumanEvalSuite"),
}


def get_suite(name: str):
    """An instance of the named suite."""
    if name not in SUITES:
        raise EdgebenchError(f"unknown suite '{name}'; available: {', '.join(SUITES)}")
    module, cls = SUITES[name]
    return getattr(importlib.import_module(module), cls)()
