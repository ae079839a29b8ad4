"""What a bundle's plan and items must hold before a device runs them: shapes, types and bounds.

bench/bundle.py checks every file against its sha256; that proves a file arrived as it was written,
not that it was written by edgebench. A plan or an item edited by hand (and its hash updated with it)
must still be refused in one line, before a run folder exists, rather than fail half-way through a
run with a traceback or run something `edgebench run` itself would refuse (a negative limit, a NaN
temperature, an item with no chat). Every check here says which field or which line is wrong.
"""

from __future__ import annotations

import math
import typing
from types import UnionType

from edge.backend_specs import FORMAT_BACKEND
from edge.errors import EdgebenchError

# The plan.json keys bench/bundle.py writes; another key means another edgebench wrote it.
PLAN_KEYS = {"config", "artifacts", "reference", "judge", "suites", "settings", "origin"}
# Lower bounds of the plan's numbers, as `edgebench run`'s flags bound them (None is allowed where the field is
# optional). PlanConfig fields first, then SpeedConfig's.
PLAN_BOUNDS = {"limit": 1, "drift_windows": 1, "decide_chunk": 1, "sustain_s": 0, "temperature": 0.0, "seed": None}
SPEED_BOUNDS = {"prompt_sizes": 1, "gen_tokens": 1, "depths": 0, "repetitions": 1, "warmup": 0, "cooldown_s": 0.0,
                "load_repetitions": 1}
ARTIFACT_FIELDS = {"format": str, "quant": str, "size_bytes": int, "n_params": int, "name": str}
FOLDER_FORMATS = set(FORMAT_BACKEND) - {"gguf"}  # a GGUF is one file; every other format a folder (edge/artifacts.py)
ITEM_FIELDS = {"suite": str, "id": str, "split": str, "family": str, "messages": list, "source": dict}


def typed(cls, values: dict):
    """cls(**values), each value checked against its field's annotation first (a ValueError names it)."""
    hints = typing.get_type_hints(cls)
    for name, value in values.items():
        if name in hints and not fits(value, hints[name]):
            raise ValueError(f"{cls.__name__}.{name} = {value!r} is not a {hints[name]}")
    return cls(**values)


def fits(value, hint) -> bool:
    """Whether a JSON-decoded value fits a simple annotation: unions, tuple[X, ...], dict, plain classes."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, UnionType):
        return any(fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin is tuple:
        return isinstance(value, tuple) and all(fits(v, args[0]) for v in value)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint) if isinstance(hint, type) else True


def check_bounds(config) -> None:
    """The plan's numbers within what `edgebench run` accepts: counts positive, temperature finite and >= 0."""
    for name, least in PLAN_BOUNDS.items():
        _at_least(f"config.{name}", getattr(config, name), least)
    for suite, count in config.limits.items():
        _at_least(f"config.limits.{suite}", count, 1)
    for budget in config.budgets:
        _at_least("config.budgets", budget, 1)
    if config.speed is not None:
        for name, least in SPEED_BOUNDS.items():
            value = getattr(config.speed, name)
            for one in value if isinstance(value, tuple) else (value,):
                _at_least(f"config.speed.{name}", one, least)


def _at_least(name: str, value, least) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or (least is not None and value < least):
        bound = f" (at least {least})" if least is not None else ""
        raise ValueError(f"{name} = {value!r} is not a finite number{bound}")


def check_plan(plan) -> None:
    """plan.json's top level: known keys only, and each part of the shape bench/bundle.py reads."""
    if not isinstance(plan, dict):
        raise ValueError("the plan is not a JSON object")
    unknown = sorted(set(plan) - PLAN_KEYS)
    if unknown:
        raise EdgebenchError(f"the bundle's plan has parts this edgebench does not know ({', '.join(unknown)}): "
                             "install the edgebench that wrote it")
    if not isinstance(plan.get("artifacts"), list) or not plan["artifacts"]:
        raise ValueError("it names no artifacts")
    for n, entry in enumerate(plan["artifacts"], start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("artifact"), dict) \
                or not isinstance(entry.get("path"), str) or not isinstance(entry.get("identity"), str):
            raise ValueError(f"artifact {n} is not a path, an artifact record and an identity")
        for name, kind in ARTIFACT_FIELDS.items():
            if not fits(entry["artifact"].get(name), kind):
                raise ValueError(f"artifact {n}'s {name} is not a {kind.__name__}")
        if entry["artifact"]["format"] not in FORMAT_BACKEND:
            raise ValueError(f"artifact {n}'s format {entry['artifact']['format']!r} is none of {', '.join(FORMAT_BACKEND)}")
    if not isinstance(plan.get("suites"), dict):
        raise ValueError("its suites are not a JSON object")
    for name, entry in plan["suites"].items():
        if not isinstance(entry, dict) or not isinstance(entry.get("spec"), dict) or not fits(entry.get("items"), int) \
                or not fits(entry.get("file"), str | None):
            raise ValueError(f"suite {name} has no spec, item count and file")
    for part in ("judge", "origin"):
        if not isinstance(plan.get(part), dict):
            raise ValueError(f"its {part} is not a JSON object")
    if not isinstance(plan.get("settings") or {}, dict):
        raise ValueError("its settings are not a JSON object")
    parallel = (plan.get("settings") or {}).get("parallel")
    if parallel is not None:
        _at_least("settings.parallel", parallel, 1)
        if not fits(parallel, int):
            raise ValueError(f"settings.parallel = {parallel!r} is not a whole number")
    reference = plan.get("reference")
    if reference is not None and (not isinstance(reference, dict) or not isinstance(reference.get("artifact"), dict)):
        raise ValueError("its drift reference has no artifact record")


def check_artifact_kind(record: dict, path, where: str) -> None:
    """A folder format (MLX, ONNX, Hugging Face) names a folder, the others a file; a GGUF's header parses (a
    file listed under another name, or damaged before it was hashed, is named now rather than by a runtime)."""
    from edge.gguf_header import GGUFFormatError, read_header

    folder = record["format"] in FOLDER_FORMATS
    if folder != path.is_dir():
        raise EdgebenchError(f"the bundle's plan says {where} is a {record['format']} artifact, but it is "
                             f"{'a file' if path.is_file() else 'a folder'}; make the bundle again")
    if record["format"] == "gguf":
        try:
            read_header(path)
        except (GGUFFormatError, OSError) as exc:
            raise EdgebenchError(f"the bundle's artifact {where} is not a GGUF file ({exc}); make the bundle again") from None


def check_item_record(data, line: int) -> None:
    """One line of items.jsonl: the fields decode_item reads, of the right types, and a chat of role/content pairs."""
    if not isinstance(data, dict):
        raise ValueError(f"line {line} is not a JSON object")
    for name, kind in ITEM_FIELDS.items():
        if not isinstance(data.get(name), kind):
            raise ValueError(f"line {line} has no {name} ({kind.__name__})")
    if not fits(data.get("domain"), str | None):
        raise ValueError(f"line {line}'s domain is not text")
    chat = data["messages"]
    if not chat or not all(isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                           for m in chat):
        raise ValueError(f"line {line}'s messages are not a chat of role and content texts")
    source = data["source"]
    if "fields" not in source or "type" not in source or not fits(source["type"], str | None):
        raise ValueError(f"line {line}'s source has no type and fields")
