"""The layering of DESIGN.md, checked on the source: which package may import which, that
edge never imports torch or transformers at module level (only its torch backend does),
and that no modules import each other in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("edge", "convert", "train", "bench", "edgebench")
# package -> the packages of this repository it may import (DESIGN.md, "Which package may use which")
ALLOWED = {
    "edge": set(),
    "convert": {"edge"},
    "bench": {"edge"},
    "train": {"bench", "edge"},
    "edgebench": {"edge", "convert", "bench", "train"},
}
HEAVY = ("torch", "transformers", "peft", "trl")


def modules() -> dict[str, Path]:
    out = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            out[name] = path
    return out


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
            found += [(f"{node.module}.{a.name}", id(node) in top) for a in node.names]
    return found


def test_packages_import_only_what_design_allows():
    wrong = []
    for name, path in modules().items():
        package = name.split(".")[0]
        for target, _ in imports(path):
            other = target.split(".")[0]
            if other in PACKAGES and other != package and other not in ALLOWED[package]:
                wrong.append(f"{name} imports {target}")
    assert not wrong, wrong


def test_edge_keeps_heavy_runtimes_out_of_module_level():
    wrong = [f"{name} imports {target} at module level" for name, path in modules().items()
             if name.startswith("edge.") and name != "edge.torch_backend"
             for target, top in imports(path) if top and target.split(".")[0] in HEAVY]
    assert not wrong, wrong


def test_no_import_cycles_at_module_level():
    mods = modules()
    graph = {name: {t for t, top in imports(path) if top and t in mods and t != name} for name, path in mods.items()}
    seen, stack, cycles = set(), [], []

    def visit(node: str) -> None:
        if node in stack:
            cycles.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()

    for name in sorted(graph):
        visit(name)
    assert not cycles, cycles


def test_no_cycles_between_modules_even_through_lazy_imports():
    """A lazy import inside a function still ties two modules together; report and compare once did."""
    mods = modules()
    graph = {name: {t for t, _ in imports(path) if t in mods and t != name and not name.startswith(t + ".")}
             for name, path in mods.items()}
    pairs = [(a, b) for a in graph for b in graph[a] if a in graph.get(b, set()) and a < b]
    assert not pairs, pairs
