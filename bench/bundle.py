"""Bundles: a run plan and every file it needs, carried to another device and checked by hash.

`edgebench bundle --out DIR` writes one on the machine that converts (edgebench/bundle_job.py);
`edgebench run --bundle DIR` runs it on the device with only the edge install: no torch, no
converter, no suite data of its own. A bundle folder holds

    bundle.json        the manifest: format and version, the edgebench that wrote it, the sha256
                       and size of every other file (written last: a folder without it is no bundle)
    plan.json          the plan (bench/execute.py:PlanConfig, every field), the artifacts, the drift
                       reference, the judge settings, the suites' facts, where the plan came from
    items.jsonl        every item the plan runs: id, split, family, chat, and the suite's own record
                       of it (the gold and whatever its scorer reads)
    reference.npz      the compact drift reference (edge/drift.py), when the plan measures drift
    artifacts/NN-NAME/ each artifact: a GGUF with the manifest.json beside it when it has one (a converted
                       one's: its identity, and its results' keys, stay the same on every device), or
                       the artifact's folder (MLX, ONNX, Hugging Face)
    suites/NAME.jsonl  a user's suite file; judge/FILE.gguf a local LLM judge's model

`write_bundle` builds it in a temporary folder beside DIR and renames it into place, so a
failure leaves nothing half-written; `read_bundle` refuses a missing or foreign folder and
any file that does not match its hash, in one line naming the file. The plan is PlanConfig
as a whole, so a field added there travels with no change here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.bundle_checks import check_artifact_kind, check_bounds, check_item_record, check_plan, typed
from bench.execute import REFERENCE_FILE, PlanConfig, load_items
from bench.suites import FILE_SUITES, get_suite
from bench.suites.base import Item, SuiteSpec
from edge.artifacts import Artifact
from edge.errors import EdgebenchError
from edge.speed import SpeedConfig

BUNDLE_FILE = "bundle.json"
PLAN_FILE = "plan.json"
ITEMS_FILE = "items.jsonl"
FORMAT = "edgebench-bundle"
VERSION = 1
CHUNK = 1 << 20
# Item records (Item.source) that are not plain JSON: the dataclass, by a stable name, and where it lives.
SOURCE_TYPES = {"humaneval.Problem": ("bench.suites.humaneval", "Problem")}
# Runtime settings (edge/profiles.py:RuntimeSettings) that belong to the plan, not to the device: carried from the
# machine that bundles and applied over the device's profile. Threads, GPU layers and memory stay the device's.
# A plan setting kept in PlanConfig needs no entry: the plan travels whole.
PLAN_SETTINGS: tuple[str, ...] = ("parallel",)  # the count the bundle was made with; --parallel on the device wins


@dataclass(frozen=True)
class JudgeSettings:
    """The judge flags of `edgebench run`, as the plan carries them (the API key itself never travels)."""

    judge: str  # lexical or llm
    model: str  # the endpoint's model name, 'default', or a GGUF path (inside the bundle once written)
    endpoint: str | None
    api_key_env: str


@dataclass(frozen=True)
class BundledArtifact:
    path: str  # the file or folder a backend loads, relative to the bundle
    artifact: dict  # edge/artifacts.py:Artifact.to_dict() as it was identified when bundled
    identity: str  # artifact_identity(): the key of its results in every store


@dataclass(frozen=True)
class Bundle:
    """A bundle read back (and checked) by read_bundle."""

    folder: Path
    config: PlanConfig
    artifacts: tuple[BundledArtifact, ...]
    reference: dict | None  # {"artifact": Artifact.to_dict(), "path": in the bundle or None}; None: no drift
    judge: JudgeSettings
    suites: dict  # suite name -> {"spec": SuiteSpec as dict, "file": a user file in the bundle or None}
    origin: dict  # model, adapter, ladder, host and time the bundle was made from
    manifest: dict = field(repr=False, default_factory=dict)
    settings: dict = field(default_factory=dict)  # the PLAN_SETTINGS of the machine that bundled
    items: tuple[Item, ...] = field(default=(), repr=False)  # items.jsonl, read and checked by read_bundle

    def device_settings(self, settings):
        """This device's runtime settings with the plan's own (PLAN_SETTINGS) over them."""
        return dataclasses.replace(settings, **self.settings) if self.settings else settings

    @property
    def digest(self) -> str:
        """sha256 of bundle.json: it names every file's hash, so it names the whole bundle."""
        return hashlib.sha256((self.folder / BUNDLE_FILE).read_bytes()).hexdigest()

    def artifact_list(self) -> list[Artifact]:
        """The artifacts at their place in this folder, in ladder order (not identified again: the hashes hold)."""
        return [_artifact(a.artifact, self.folder / a.path) for a in self.artifacts]

    def reference_artifact(self) -> Artifact | None:
        """The drift reference as run_plan takes it: the bundled artifact when it is one of the ladder (so the
        report compares against it), else a record of it at reference.npz (its model stayed behind)."""
        if self.reference is None:
            return None
        inside = self.reference.get("path")
        return _artifact(self.reference["artifact"], self.folder / (inside or REFERENCE_FILE))

    def loaded(self) -> dict[str, tuple]:
        """suite name -> (suite, its items), as bench/execute.py:load_items gives them, from the bundle's items.
        The suite object scores; its version must be the bundle's, or the scores would not be comparable."""
        items: dict[str, list[Item]] = {name: [] for name in self.suites}
        for item in self.items or read_items(self.folder, self.suites):
            items[item.suite].append(item)
        loaded = {}
        for name, entry in self.suites.items():
            suite = get_suite(str(self.folder / entry["file"]) if entry.get("file") else name)
            wanted = entry["spec"].get("version")
            if suite.spec.version != wanted:
                raise EdgebenchError(f"the bundle's suite {name} is version {wanted!r}, this edgebench has "
                                     f"{suite.spec.version!r}: install edgebench {self.origin.get('edgebench', '')} here")
            _score_once(suite, items[name])
            loaded[name] = (suite, items[name])
        return loaded

    def plan_record(self) -> dict:
        """What the run folder stores as its plan: where it came from and the bundle that carried it."""
        return {**{k: self.origin.get(k) for k in ("model", "adapter", "ladder")}, "config": plan_dict(self.config),
                "bundle": {"path": str(self.folder), "sha256": self.digest, "created": self.origin.get("created")}}


def _score_once(suite, items: list[Item]) -> None:
    """Score a made-up answer to every item whose record is plain JSON, so that a record its scorer cannot read
    (a gold removed by hand) is named now, before the run, not as a traceback half-way through it. Records of
    a type (HumanEval's problems) were checked by their constructor; their scoring runs programs."""
    plain = [item for item in items if not dataclasses.is_dataclass(item.source)]
    try:
        suite.evaluate([(item, "I am not sure; I think it is 42, but I may be wrong.") for item in plain])
    except Exception as exc:  # noqa: BLE001 - whatever a scorer raises on a damaged record is reported as such
        for item in plain:  # name the first item whose record fails alone
            try:
                suite.evaluate([(item, "I am not sure; I think it is 42.")])
            except Exception:  # noqa: BLE001
                raise EdgebenchError(f"the bundle's item {item.id} ({item.suite}) cannot be scored ({exc.__class__.__name__}: "
                                     f"{str(exc)[:120]}); make the bundle again") from None
        raise EdgebenchError(f"the bundle's items of suite {suite.spec.name} cannot be scored "
                             f"({exc.__class__.__name__}: {str(exc)[:120]}); make the bundle again") from None


# ---- the plan as JSON ----

def plan_dict(config: PlanConfig) -> dict:
    return json.loads(json.dumps(dataclasses.asdict(config)))


def plan_from_dict(data: dict) -> PlanConfig:
    """PlanConfig from plan_dict(); a field this edgebench does not know is refused (it would change the plan),
    and so is a value of the wrong type (a plan edited by hand: budgets 7 instead of [7])."""
    known = {f.name for f in dataclasses.fields(PlanConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise EdgebenchError(f"the bundle's plan has settings this edgebench does not know ({', '.join(unknown)}): "
                             "install the edgebench that wrote it")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
    if isinstance(values.get("speed"), dict):
        values["speed"] = typed(SpeedConfig, {k: tuple(v) if isinstance(v, list) else v for k, v in values["speed"].items()})
    return typed(PlanConfig, values)


# ---- items ----

def encode_item(item: Item) -> dict:
    source = item.source
    if dataclasses.is_dataclass(source):
        names = {v: k for k, v in SOURCE_TYPES.items()}
        key = names.get((type(source).__module__, type(source).__name__))
        if key is None:
            raise EdgebenchError(f"suite {item.suite}'s items ({type(source).__name__}) cannot be bundled yet")
        source = {"type": key, "fields": dataclasses.asdict(source)}
    else:
        source = {"type": None, "fields": source}
    return {"suite": item.suite, "id": item.id, "split": item.split, "family": item.family, "domain": item.domain,
            "messages": item.messages, "source": source}


def decode_item(data: dict) -> Item:
    import importlib

    source = data["source"]["fields"]
    kind = data["source"]["type"]
    if kind is not None:
        if kind not in SOURCE_TYPES:
            raise EdgebenchError(f"the bundle's item {data['id']} has a record type this edgebench does not know ({kind})")
        module, name = SOURCE_TYPES[kind]
        source = getattr(importlib.import_module(module), name)(**source)
    return Item(data["id"], data["family"], data["messages"], data["split"], data["suite"], data["domain"], source)


# ---- writing ----

def write_bundle(dest: Path, artifacts: list[Artifact], reference: Artifact | None, config: PlanConfig,
                 judge: JudgeSettings, settings, origin: dict, progress=None) -> Bundle:
    """Write the bundle of a plan at `dest` (which must not exist): artifacts copied, the drift reference built
    here with `settings` (this machine's), items and suite files, the plan, the manifest last; all in a
    temporary folder renamed into place at the end."""
    dest = Path(dest)
    if dest.exists():
        raise EdgebenchError(f"{dest} exists; give a new folder to --out")
    loaded = load_items(config)  # unknown suites and splits are refused before any copying
    tmp = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        bundled = [_copy_artifact(a, tmp, n) for n, a in enumerate(artifacts, start=1)]
        ref = None
        if config.drift and reference is not None:
            inside = next((b.path for a, b in zip(artifacts, bundled) if a.path == reference.path), None)
            # a reference outside the ladder stays behind: its record keeps where it was, for the reader
            ref = {"artifact": {**reference.to_dict(), **({"path": inside} if inside else {})}, "path": inside}
            _build_reference(reference, settings, tmp / REFERENCE_FILE, config.drift_windows, progress)
        suites = _write_items(loaded, tmp)
        judge = _bundle_judge(judge, tmp)
        plan = {"config": plan_dict(config), "artifacts": [dataclasses.asdict(b) for b in bundled], "reference": ref,
                "judge": dataclasses.asdict(judge), "suites": suites,
                "settings": {name: getattr(settings, name) for name in PLAN_SETTINGS} if settings is not None else {},
                "origin": {**origin, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "edgebench": _version()}}
        (tmp / PLAN_FILE).write_text(json.dumps(plan, indent=2), encoding="utf-8")
        files = {str(p.relative_to(tmp)): {"sha256": file_sha256(p), "size": p.stat().st_size}
                 for p in sorted(tmp.rglob("*")) if p.is_file()}
        manifest = {"format": FORMAT, "version": VERSION, "edgebench": _version(), "files": files}
        (tmp / BUNDLE_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return read_bundle(dest, verify=False)


def _copy_artifact(artifact: Artifact, tmp: Path, n: int) -> BundledArtifact:
    """A file with the manifest.json beside it (a converted GGUF's: it keeps the artifact's identity, so its
    results have the same key on every device), or the artifact's folder whole (MLX, ONNX, Hugging Face)."""
    from edge.artifacts import artifact_identity

    slot = tmp / "artifacts" / f"{n:02d}-{artifact.label.replace(':', '-')}"
    if artifact.path.is_dir():
        inside = slot / artifact.path.name
        shutil.copytree(artifact.path, inside, symlinks=False)
    else:
        slot.mkdir(parents=True)
        inside = slot / artifact.path.name
        shutil.copy2(artifact.path, inside)
        manifest = artifact.path.parent / "manifest.json"
        if manifest.is_file():
            shutil.copy2(manifest, slot / manifest.name)
    where = str(inside.relative_to(tmp))
    return BundledArtifact(where, {**artifact.to_dict(), "path": where}, artifact_identity(artifact))


def _build_reference(reference: Artifact, settings, path: Path, windows: int | None, progress) -> None:
    """The compact reference of the windows the plan scores (all, for drift_windows None), built here."""
    from edge.drift import build_reference_isolated

    if progress is not None:
        progress.start(reference.label, "drift reference")
    try:
        build_reference_isolated(reference, settings, path, reference.backend,
                                 (lambda done, total: progress.update(done, total)) if progress else None,
                                 reference.label, windows)
    finally:
        if progress is not None:
            progress.end()


def _write_items(loaded: dict[str, tuple], tmp: Path) -> dict:
    """items.jsonl, and the suite files a user gave; returns each suite's entry of the plan."""
    suites = {}
    lines = []
    for name, (suite, items) in loaded.items():
        entry = {"spec": suite.spec.as_dict(), "file": None, "items": len(items)}
        path = getattr(suite, "path", None)
        if path is not None and Path(path).suffix in FILE_SUITES:
            (tmp / "suites").mkdir(exist_ok=True)
            entry["file"] = f"suites/{Path(path).name}"
            shutil.copy2(path, tmp / entry["file"])
        suites[name] = entry
        lines += [json.dumps(encode_item(item), ensure_ascii=False) for item in items]
    (tmp / ITEMS_FILE).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return suites


def _bundle_judge(judge: JudgeSettings, tmp: Path) -> JudgeSettings:
    """A local judge model given as a file travels in the bundle; 'default' is the edge install's own model."""
    if judge.judge != "llm" or judge.endpoint or judge.model == "default":
        return judge
    model = Path(judge.model).expanduser()
    if not model.is_file():
        raise EdgebenchError(f"judge model {model} not found; give a .gguf file, 'default', or --judge-endpoint")
    (tmp / "judge").mkdir()
    shutil.copy2(model, tmp / "judge" / model.name)
    return dataclasses.replace(judge, model=f"judge/{model.name}")


# ---- reading ----

def read_bundle(path: Path, verify: bool = True) -> Bundle:
    """The bundle at `path`, every file checked against its sha256 first (verify=False: trusted, just written).
    Every path the plan names (artifacts, reference, suite files, judge model) must be a file the manifest
    lists, or a folder holding only such files: nothing unverified runs."""
    folder = Path(path)
    if not folder.is_dir():
        raise EdgebenchError(f"bundle folder {folder} does not exist" if not folder.exists()
                             else f"{folder} is a file, not a bundle folder; give the folder edgebench bundle wrote")
    manifest = _manifest(folder)
    if verify:
        verify_files(folder, manifest)
    try:
        plan = json.loads((folder / PLAN_FILE).read_text(encoding="utf-8"))
        check_plan(plan)
        config = plan_from_dict(plan["config"])
        check_bounds(config)
        if len(config.suites) != len(plan["suites"]):
            raise ValueError(f"config.suites names {len(config.suites)} suite(s), the plan's suites {len(plan['suites'])}")
        named = [n for n in config.suites if Path(n).suffix not in FILE_SUITES and n not in plan["suites"]]
        if named:  # the plan's record would name suites other than the ones run
            raise ValueError(f"config.suites names {', '.join(named)}, which the plan's suites do not hold")
        judge = JudgeSettings(**plan["judge"])
        if judge.judge == "llm" and judge.model.startswith("judge/"):
            _listed(folder, manifest, judge.model, "the judge model")
            judge = dataclasses.replace(judge, model=str(folder / judge.model))
        artifacts = tuple(BundledArtifact(**a) for a in plan["artifacts"])
        for a in artifacts:
            _listed(folder, manifest, a.path, f"artifact {a.artifact['name']}")
            check_artifact_kind(a.artifact, folder / a.path, a.path)
        reference = plan["reference"]
        if reference is not None and config.drift:
            _listed(folder, manifest, REFERENCE_FILE, "the drift reference")
            if reference.get("path"):
                _listed(folder, manifest, reference["path"], "the drift reference's artifact")
        for name, entry in plan["suites"].items():
            if entry.get("file"):
                _listed(folder, manifest, entry["file"], f"suite {name}")
    except EdgebenchError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise EdgebenchError(f"{folder / PLAN_FILE} is not a bundle plan ({exc.__class__.__name__}: {str(exc)[:160]}); "
                             "make the bundle again") from None
    items = read_items(folder, plan["suites"])
    if reference is not None and config.drift:
        from edge.drift import Reference

        Reference.load(folder / REFERENCE_FILE)  # arrays and their meta, checked before a run folder exists
    return Bundle(folder, config, artifacts, reference, judge, plan["suites"], plan["origin"], manifest,
                  plan.get("settings") or {}, tuple(items))


def read_items(folder: Path, suites: dict) -> list[Item]:
    """items.jsonl decoded, each line checked: its fields, a suite of the plan, an id not seen before in that
    suite, and as many items per suite as the plan says; a bad line is named."""
    path = folder / ITEMS_FILE
    items, seen, line = [], set(), 0
    try:
        for line, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not text.strip():
                continue
            data = json.loads(text)
            check_item_record(data, line)
            if data["suite"] not in suites:
                raise ValueError(f"line {line} is an item of suite {data['suite']!r}, which the plan does not run")
            if (data["suite"], data["id"]) in seen:
                raise ValueError(f"line {line} repeats item {data['id']} of suite {data['suite']}")
            seen.add((data["suite"], data["id"]))
            items.append(decode_item(data))
    except EdgebenchError:
        raise
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        where = f"line {line}: " if line and not str(exc).startswith("line") else ""
        raise EdgebenchError(f"{path} is not the bundle's items ({where}{exc.__class__.__name__}: {str(exc)[:160]}); "
                             "make the bundle again") from None
    for name, entry in suites.items():
        count = sum(item.suite == name for item in items)
        if count != entry["items"]:
            raise EdgebenchError(f"{path} holds {count} item(s) of suite {name}, the plan {entry['items']}; "
                                 "make the bundle again")
    return items


def _listed(folder: Path, manifest: dict, inside: str, what: str) -> None:
    """`inside` (a path the plan names) is a file the manifest lists, or a folder of listed files only."""
    files = manifest["files"]
    if not isinstance(inside, str) or inside.startswith("/") or ".." in Path(inside).parts:
        raise EdgebenchError(f"{folder / PLAN_FILE} names {what} outside the bundle ({inside!r}); make the bundle again")
    if inside in files:
        return
    prefix = inside.rstrip("/") + "/"
    if not (folder / inside).is_dir() or not any(name.startswith(prefix) for name in files):
        raise EdgebenchError(f"{folder / PLAN_FILE} names {what} at {inside}, which {BUNDLE_FILE} does not list; "
                             "make the bundle again")


def _manifest(folder: Path) -> dict:
    path = folder / BUNDLE_FILE
    if not path.is_file():
        raise EdgebenchError(f"{folder} is not an edgebench bundle (no {BUNDLE_FILE}); make one with: edgebench bundle --out DIR")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise EdgebenchError(f"{path} cannot be read ({exc.__class__.__name__}); copy the bundle again") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise EdgebenchError(f"{path} is not an edgebench bundle manifest; copy the bundle again")
    if type(manifest.get("version")) is not int or manifest["version"] != VERSION:
        raise EdgebenchError(f"{folder} is a bundle of format {manifest.get('version')!r} (this edgebench reads {VERSION}); "
                             f"install edgebench {manifest.get('edgebench', '')} to run it")
    for name, entry in manifest["files"].items():
        if not name or "\0" in name or len(name) > 1024 or any(len(part) > 255 for part in name.split("/")):
            raise EdgebenchError(f"{path} names a file no bundle holds ({name[:60]!r}); copy the bundle again")
        if not (isinstance(entry, dict) and isinstance(entry.get("sha256"), str) and type(entry.get("size")) is int
                and entry["size"] >= 0):
            raise EdgebenchError(f"{path}: the entry of {name} has no sha256 and size; copy the bundle again")
    if PLAN_FILE not in manifest["files"] or ITEMS_FILE not in manifest["files"]:
        raise EdgebenchError(f"{path} lists no {PLAN_FILE} or {ITEMS_FILE}; make the bundle again")
    return manifest


# Folders of a bundle whose every file must be listed: a file added there would be loaded (an ONNX or MLX
# artifact is a folder the runtime reads whole) without being checked.
CHECKED_TREES = ("artifacts", "suites", "judge")


def verify_files(folder: Path, manifest: dict) -> None:
    """Every file the manifest names, present and matching its sha256, and no other file in the bundle's own
    folders (CHECKED_TREES); the first that does not is named."""
    root = folder.resolve()
    for name, entry in manifest["files"].items():
        path = (folder / name).resolve()
        if root not in path.parents:
            raise EdgebenchError(f"{folder / BUNDLE_FILE} names a file outside the bundle ({name}); refused")
        if (folder / name).is_symlink():
            raise EdgebenchError(f"bundle {folder}: {name} is a link, not a file (a bundle holds its own files); "
                                 "copy the bundle again with links resolved (rsync -L, cp -L)")
        if not path.is_file():
            raise EdgebenchError(f"bundle {folder}: {name} is missing" + (" (or not a regular file)" if path.exists() else "")
                                 + "; copy the bundle again")
        try:
            matches = path.stat().st_size == entry["size"] and file_sha256(path) == entry["sha256"]
        except OSError as exc:
            raise EdgebenchError(f"bundle {folder}: {name} cannot be read ({exc.strerror}); "
                                 "check its permissions or copy the bundle again") from None
        if not matches:
            raise EdgebenchError(f"bundle {folder}: {name} does not match its sha256 in {BUNDLE_FILE} "
                                 "(changed or partly copied); copy the bundle again")
    for tree in CHECKED_TREES:
        for path in sorted((folder / tree).rglob("*")):
            name = str(path.relative_to(folder))
            if (path.is_file() or path.is_symlink()) and name not in manifest["files"]:
                raise EdgebenchError(f"bundle {folder}: {name} is not listed in {BUNDLE_FILE} (added after the "
                                     "bundle was made); remove it or copy the bundle again")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _artifact(record: dict, path: Path) -> Artifact:
    return Artifact(path=path, format=record["format"], quant=record["quant"], size_bytes=record["size_bytes"],
                    n_params=record["n_params"], name=record["name"])


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("edgebench")
    except PackageNotFoundError:
        return "unknown"
