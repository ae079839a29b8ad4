"""The suite registry: a name (or a file) to a Suite (bench/suites/base.py).

Built-in suites are looked up by name; a path ending in a registered suffix is a file
suite, named after the file. Each module is imported only when asked for. Adding a suite
is one new module and one line here.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from edge.errors import EdgebenchError

SUITES = {
    "disposition": ("bench.suites.disposition", "DispositionSuite"),
    "humaneval": ("bench.suites.humaneval", "HumanEvalSuite"),
    "bank": ("bench.suites.bank", "BankSuite"),  # takes a selector: bank:feedback@easy (bench/suites/bank/selection.py)
}
FILE_SUITES = {  # suffix -> the suite class that reads such a file
    ".jsonl": ("bench.suites.user_file", "UserFileSuite"),
}


def get_suite(name: str):
    """An instance of the named suite, or of the file suite for a path such as mine.jsonl.
    A name may carry a selector after ':' or '@' (bank:feedback@easy) for a suite that takes one."""
    suffix = Path(name).suffix
    if suffix in FILE_SUITES:
        module, cls = FILE_SUITES[suffix]
        return getattr(importlib.import_module(module), cls)(name)
    base = re.split(r"[:@]", name, maxsplit=1)[0]
    if base not in SUITES:
        raise EdgebenchError(f"unknown suite '{name}'; choose {', '.join(SUITES)} or a file of your own prompts "
                             f"({', '.join('*' + s for s in FILE_SUITES)})")
    module, cls = SUITES[base]
    suite = getattr(importlib.import_module(module), cls)
    if base == name:
        return suite()
    if not getattr(suite, "selectable", False):
        raise EdgebenchError(f"suite '{base}' takes no selector (got '{name}'); write {base}")
    return suite(name)


def builtin_spec(name: str):
    """The spec of a built-in suite (for runs stored before specs were recorded), or None."""
    if name not in SUITES:
        return None
    module, cls = SUITES[name]
    return getattr(getattr(importlib.import_module(module), cls), "spec", None)  # the bank's spec depends on its selector
