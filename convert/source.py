"""Turn what the user has (a Hugging Face folder, a GGUF file, or `default`, plus an optional
PEFT adapter) into one prepared Hugging Face folder in fp32 safetensors that every exporter
reads. The adapter is checked against the base before anything is merged.
"""

from __future__ import annotations


import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from edge.hashing import hash_path, hash_text
from edge.errors import EdgebenchError

PREPARED = "prepared.json"  # written last into a prepared folder


@dataclass(frozen=True)
class Source:
    spec: str
    kind: str  # "hf" or "gguf"
    path: Path
    hash: str


@dataclass(frozen=True)
class Prepared:
    folder: Path  # a Hugging Face model folder in fp32 safetensors, tokenizer included
    source: Source
    adapter_hash: str | None
    merge_max_abs_diff: float | None  # merged vs base-plus-adapter logits, fp32
    temper: dict | None = None  # the head-tempering edit applied after the merge (convert/temper.py), as_dict()

    @property
    def temper_hash(self) -> str | None:
        return self.temper["hash"] if self.temper else None


def resolve_source(spec: str, allow_pickle: bool = False) -> Source:
    if spec == "default":
        from edge.gguf_inspect import default_model_path

        path = default_model_path()
        return Source(spec, "gguf", path, hash_path(path))
    path = Path(spec).expanduser()
    if not path.exists():
        raise EdgebenchError(f"source {path} does not exist; give a Hugging Face folder, a .gguf file or 'default'")
    if path.is_file():
        from edge.gguf_inspect import inspect_gguf

        inspect_gguf(path)  # a clear error for a corrupt or truncated file
        return Source(spec, "gguf", path, hash_path(path))
    if not (path / "config.json").is_file():
        raise EdgebenchError(f"{path} has no config.json; is it a Hugging Face model folder?")
    _check_weights(path, allow_pickle)
    return Source(spec, "hf", path, hash_path(path))


def _check_weights(folder: Path, allow_pickle: bool) -> None:
    if list(folder.glob("*.safetensors")):
        return
    if list(folder.glob("*.bin")) or list(folder.glob("*.pt")):
        if allow_pickle:
            return
        raise EdgebenchError(f"{folder} has only pickled weights (.bin), which can run code when loaded; "
                             "convert them to safetensors, or pass --allow-pickle if you trust the source")
    raise EdgebenchError(f"{folder} has no weights (*.safetensors)")


def adapter_hash(adapter: Path | None, allow_pickle: bool = False) -> str | None:
    if adapter is None:
        return None
    if not (adapter / "adapter_config.json").is_file():
        raise EdgebenchError(f"{adapter} has no adapter_config.json; is it a PEFT adapter folder?")
    if not (adapter / "adapter_model.safetensors").is_file():
        if (adapter / "adapter_model.bin").is_file() and not allow_pickle:
            raise EdgebenchError(f"{adapter} has only a pickled adapter (.bin); convert it to safetensors, "
                                 "or pass --allow-pickle if you trust it")
        if not (adapter / "adapter_model.bin").is_file():
            raise EdgebenchError(f"{adapter} has no adapter_model.safetensors")
    return hash_path(adapter)


def load_model(source: Source):
    """(model in fp32, tokenizer) from the source, through transformers (edge/torch_backend.py)."""
    from edge.torch_backend import load_hf

    return load_hf(source.path, gguf=source.kind == "gguf")


def check_adapter_base(adapter: Path, source: Source) -> None:
    """An adapter whose manifest (edgebench train writes one) names another base is refused before any work."""
    try:
        manifest = json.loads((adapter / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # an adapter from elsewhere: the module and shape check (check_adapter) still applies
    base_hash = manifest.get("base_hash") if isinstance(manifest, dict) else None
    if base_hash and base_hash != source.hash:
        raise EdgebenchError(f"adapter {adapter} was trained on another base ({manifest.get('base')}), not {source.spec}; "
                             "give that base as the source")


def check_adapter(model, adapter: Path) -> None:
    """Refuse an adapter made for another base: unknown target modules or mismatched shapes."""
    from safetensors import safe_open

    config = json.loads((adapter / "adapter_config.json").read_text())
    if config.get("peft_type", "LORA") != "LORA":
        raise EdgebenchError(f"{adapter} is a {config.get('peft_type')} adapter; only LoRA adapters can be merged")
    modules = dict(model.named_modules())
    weights = adapter / "adapter_model.safetensors"
    if not weights.is_file():
        return  # a trusted pickled adapter: PEFT's own loading checks shapes
    with safe_open(str(weights), "pt") as f:
        for key in f.keys():
            if ".lora_A." not in key and ".lora_B." not in key:
                continue
            name = key.split(".lora_")[0].removeprefix("base_model.model.")
            module = modules.get(name)
            if module is None or not hasattr(module, "in_features"):
                raise EdgebenchError(f"adapter {adapter} targets '{name}', which this base model "
                                     f"({model.config.model_type}) does not have; it was made for another base")
            shape = tuple(f.get_slice(key).get_shape())
            expected = module.in_features if ".lora_A." in key else module.out_features
            got = shape[1] if ".lora_A." in key else shape[0]
            if got != expected:
                raise EdgebenchError(f"adapter {adapter} expects '{name}' with {got} features but this base has "
                                     f"{expected}; it was made for another base")


def merge_adapter(model, adapter: Path, probe_ids: list[int]) -> tuple[object, float]:
    """merge_and_unload, and the largest logit difference it caused on `probe_ids` (fp32)."""
    import torch
    from peft import PeftModel

    check_adapter(model, adapter)
    try:
        peft_model = PeftModel.from_pretrained(model, str(adapter))
    except (ValueError, RuntimeError, KeyError) as exc:
        raise EdgebenchError(f"cannot apply adapter {adapter}: {' '.join(str(exc).split())[:300]}") from None
    ids = torch.tensor([probe_ids])
    with torch.no_grad():
        unmerged = peft_model(ids).logits
        merged_model = peft_model.merge_and_unload()
        merged = merged_model(ids).logits
    return merged_model, float((merged - unmerged).abs().max())


def prepare(source: Source, adapter: Path | None, work: Path, probe_ids_fn, allow_pickle: bool = False,
            temper=None) -> Prepared:
    """The fp32 Hugging Face folder for (source, adapter, head-tempering edit), reused when already prepared."""
    a_hash = adapter_hash(adapter, allow_pickle)
    edit = temper.as_dict() if temper is not None else None
    # an unedited model keeps the folder name it always had; an edit adds its hash
    folder = work / hash_text(source.hash, a_hash or "", *([temper.hash] if temper is not None else []))[:16]
    marker = folder / PREPARED
    if marker.is_file():
        data = json.loads(marker.read_text())
        return Prepared(folder, source, a_hash, data.get("merge_max_abs_diff"), edit)
    if folder.exists():
        shutil.rmtree(folder)  # an interrupted preparation
    unedited = work / hash_text(source.hash, a_hash or "")[:16]
    if temper is not None and (unedited / PREPARED).is_file():
        # a sweep edits one merged model several times: start from it rather than dequantize and merge again
        from edge.torch_backend import load_hf

        model, tokenizer = load_hf(unedited)
        diff = json.loads((unedited / PREPARED).read_text()).get("merge_max_abs_diff")
    else:
        model, tokenizer = load_model(source)
        diff = None
        if adapter is not None:
            model, diff = merge_adapter(model, adapter, probe_ids_fn(tokenizer))
    if temper is not None:
        from convert.temper import apply

        apply(model, temper)  # on the merged weights, so the adapter's heads are the ones scaled
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    model.save_pretrained(staging, safe_serialization=True)
    tokenizer.save_pretrained(staging)
    staging.rename(folder)
    marker.write_text(json.dumps({"source": source.spec, "source_hash": source.hash, "adapter_hash": a_hash,
                                  "merge_max_abs_diff": diff, "temper": edit}))
    return Prepared(folder, source, a_hash, diff, edit)
