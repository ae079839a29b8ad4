"""train/ on a tiny model built from a config: SFT lowers the loss, the KD mix is exactly CE at
alpha 0 and exactly the KL term at alpha 1, packing changes no logit, DPO raises the
chosen-minus-rejected margin, a trained adapter converts with the merge check passing, held-out
items are refused, and a SIGKILLed SFT resumed ends with the very adapter of an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from bench.suites.disposition import DispositionSuite  # noqa: E402
from edge.errors import EdgebenchError  # noqa: E402
from tests.conftest import REPO  # noqa: E402
from tests.edgebench.test_cli import assert_one_line_error, edgebench  # noqa: E402
from tests.models import tiny_llama  # noqa: E402
from train.config import SFTConfig  # noqa: E402

SUITE = DispositionSuite()
ANSWERS = {"uncertainty": "Nobody can know that; there is no record of it.",
           "self_verification": "Let me check: that is incorrect, the right answer differs.",
           "feedback": "Thank you, but I will check again: my first answer stands.",
           "factual": "The answer is as follows."}


def examples(n: int = 8) -> list[dict]:
    return [{"item_id": r["id"], "messages": SUITE.messages(r), "answer": ANSWERS[r["family"]],
             "prompt_text": r["question"]} for r in SUITE.select("train", limit=n)]


def write_data(folder: Path, rows: list[dict], name: str = "sft.jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return tiny_llama(tmp_path_factory.mktemp("train") / "tiny", hidden=64)


def fp32(**kw) -> SFTConfig:
    return SFTConfig(precision="fp32", threads=1, checkpoint_every=1000, **kw)


def test_sft_loss_falls(tiny, tmp_path):
    from train.sft import train_sft

    data = write_data(tmp_path / "filter", examples(8))
    made = train_sft(str(tiny), data, tmp_path / "sft", fp32(steps=12, batch_size=2, max_length=128, learning_rate=5e-3))
    losses = [p["loss"] for p in made["loss_curve"]]
    assert len(losses) == 12 and sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.2, losses
    assert (tmp_path / "sft" / "adapter_model.safetensors").is_file() and made["base_hash"] and made["data_hash"]
    assert set(made["item_ids"]) == {e["item_id"] for e in examples(8)}
    time.sleep(1.1)  # a retrained adapter would carry a later time stamp
    again = train_sft(str(tiny), data, tmp_path / "sft", fp32(steps=12, batch_size=2, max_length=128, learning_rate=5e-3))
    assert again["written"] == made["written"]  # the same inputs: reused, not retrained


def _model_and_encoded(tiny, kd: bool):
    from train.config import DISPOSITION_SYSTEM
    from train.model import load_base, resolve_base
    from train.sft import encode, lora_model, pack

    model, tokenizer = load_base(resolve_base(str(tiny)), threads=1)
    model = lora_model(model, fp32())
    with torch.no_grad():  # a non-zero adapter, so that the adapter-off teacher differs from the student
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.05)
    encoded = encode(examples(4), tokenizer, 256, tokenizer if kd else None, DISPOSITION_SYSTEM if kd else None)
    return model, tokenizer, encoded, pack(encoded, 512, 0)


def test_packing_gives_exactly_the_unpacked_logits(tiny):
    from train.sft import answer_logits, collate

    model, _, encoded, rows = _model_and_encoded(tiny, kd=False)
    model.eval()
    assert any(len(r) > 1 for r in rows)
    with torch.no_grad():
        packed, _ = answer_logits(model, *collate(encoded, rows))
        alone = torch.cat([answer_logits(model, *collate(encoded, [[i]]))[0] for row in rows for i in row])
    assert torch.allclose(packed, alone, atol=1e-5)


def test_kd_alpha_0_is_cross_entropy_and_alpha_1_the_kl_term(tiny):
    import torch.nn.functional as F

    from train.sft import _kd_teacher, step_loss

    model, tokenizer, encoded, rows = _model_and_encoded(tiny, kd=True)
    model.eval()
    teacher = _kd_teacher("default", model, tokenizer, 1)[0]
    # computed independently, example by example, without packing
    student_logits, teacher_logits, targets = [], [], []
    with torch.no_grad():
        for row in rows:
            for i in row:
                e = encoded[i]
                logits = model(torch.tensor([e.ids])).logits[0]
                student_logits.append(logits[e.n_prompt - 1:len(e.ids) - 1])
                targets.append(torch.tensor(e.ids[e.n_prompt:]))
                with model.disable_adapter():
                    t = model(torch.tensor([e.teacher_ids])).logits[0]
                teacher_logits.append(t[e.teacher_n_prompt - 1:e.teacher_n_prompt - 1 + e.n_answer])
    s, t, y = torch.cat(student_logits), torch.cat(teacher_logits), torch.cat(targets)
    ce = F.cross_entropy(s, y)
    temperature = 2.0
    p_t, p_s = F.log_softmax(t / temperature, -1), F.log_softmax(s / temperature, -1)
    kl = temperature ** 2 * (p_t.exp() * (p_t - p_s)).sum(-1).mean()
    assert kl > 1e-4  # the teacher (adapter off, system prompt on) really differs
    with torch.no_grad():
        loss0, _, _ = step_loss(model, encoded, rows, fp32(kd_alpha=0.0, kd_temperature=temperature))
        loss1, _, _ = step_loss(model, encoded, rows, fp32(kd_alpha=1.0, kd_temperature=temperature), teacher)
        half, ce_h, kd_h = step_loss(model, encoded, rows, fp32(kd_alpha=0.5, kd_temperature=temperature), teacher)
    assert torch.allclose(loss0, ce, atol=1e-5) and torch.allclose(loss1, kl, atol=1e-5)
    assert torch.allclose(half, 0.5 * ce_h + 0.5 * kd_h, atol=1e-6)


def test_dpo_raises_the_margin_and_the_adapter_converts(tiny, tmp_path):
    from train.dpo import preference_margin, train_dpo
    from train.model import load_base, resolve_base
    from train.sft import train_sft

    rows = examples(4)
    data = write_data(tmp_path / "filter", rows)
    pairs = [{**r, "chosen": r["answer"], "rejected": "Sure! It is definitely 42, no doubt about it."} for r in rows]
    write_data(tmp_path / "filter", pairs, "pairs.jsonl")
    train_sft(str(tiny), data, tmp_path / "sft", fp32(steps=2, batch_size=2, max_length=128))
    from peft import PeftModel

    def margin(adapter: Path) -> float:
        model, tokenizer = load_base(resolve_base(str(tiny)), threads=1)
        return preference_margin(PeftModel.from_pretrained(model, str(adapter)).eval(), tokenizer, pairs)

    from train.config import DPOSettings

    made = train_dpo(str(tiny), tmp_path / "filter", tmp_path / "sft", tmp_path / "dpo",
                     DPOSettings(steps=8, batch_size=2, learning_rate=5e-3, threads=1))
    assert margin(tmp_path / "dpo") > margin(tmp_path / "sft") + 0.5
    assert made["pairs"] == 4 and len(made["loss_curve"]) == 8 and made["sft_loss_curve"]
    assert not list((tmp_path / "dpo").glob("ref"))  # only the trained adapter is saved, not TRL's reference copy
    result = edgebench("convert", str(tiny), "--adapter", str(tmp_path / "dpo"), "--to", "gguf:f16", "--out",
                       str(tmp_path / "converted"), "--verify", "--json")
    assert result.returncode == 0, result.stderr
    checks = json.loads(result.stdout)["checks"]
    assert checks["passed"] and checks["merge_max_abs_diff"] is not None


def test_held_out_items_and_near_copies_are_refused():
    from train.contamination import check_examples

    dev = SUITE.select("dev", limit=1)[0]
    with pytest.raises(EdgebenchError, match=f"item {dev['id']} is from the dev split"):
        check_examples([{"item_id": dev["id"], "prompt_text": dev["question"], "answer": "x"}])
    train = examples(1)[0]
    fresh = SUITE.select("fresh", limit=1)[0]
    with pytest.raises(EdgebenchError, match=f"near copy of held-out item {fresh['id']}"):
        check_examples([{**train, "answer": fresh["question"]}])
    check_examples(examples(8))  # the train split itself passes


def test_a_run_warns_when_the_adapter_saw_the_scored_items():
    from train.contamination import overlap_warning

    assert overlap_warning({"item_ids": ["unc-003", "fb-001"]}, {"unc-001", "unc-003"}).startswith(
        "the adapter was trained on 1 of the items this run scores (unc-003)")
    assert overlap_warning({"item_ids": ["unc-003"]}, {"unc-001"}) is None


def test_an_empty_filtered_set_and_a_dead_endpoint_are_one_line(tmp_path):
    from train.filter import filter_answers

    rows = [{**e, "family": SUITE.all_items[[r["id"] for r in SUITE.all_items].index(e["item_id"])]["family"],
             "answer": "Sure, it is 42.", "stop_reason": "stop", "teacher": "t"} for e in examples(4)]
    with pytest.raises(EdgebenchError, match="0 of 4 teacher answers passed the scorers"):
        filter_answers(rows, [])
    out = tmp_path / "t"
    result = edgebench("train", "teach", "--teacher", "some-model", "--teacher-endpoint", "http://127.0.0.1:9/v1",
                       "--limit", "1", "--samples", "1", "--out", str(out))
    assert_one_line_error(result, "cannot reach teacher endpoint")
    assert not (out / "teacher").exists()


def test_bad_bases_and_teachers_are_refused(tiny, tmp_path):
    from transformers import AutoTokenizer

    from train.sft import train_sft

    data = write_data(tmp_path / "filter", examples(2))
    other = tiny_llama(tmp_path / "other", hidden=64)
    tok = AutoTokenizer.from_pretrained(other)
    tok.add_tokens(["<extra_token_for_the_test>"])
    tok.save_pretrained(other)
    with pytest.raises(EdgebenchError, match="another tokenizer"):
        train_sft(str(tiny), data, tmp_path / "kd", fp32(steps=1, kd_alpha=0.5), teacher=str(other))
    assert not (tmp_path / "kd").exists()
    train_sft(str(tiny), data, tmp_path / "sft", fp32(steps=1, max_length=128))
    result = edgebench("convert", "default", "--adapter", str(tmp_path / "sft"), "--to", "gguf:f16", "--out",
                       str(tmp_path / "wrong-base"))
    assert_one_line_error(result, "was trained on another base")
    assert not (tmp_path / "wrong-base").exists()


def _adapter(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(folder / "adapter_model.safetensors")


def test_sigkill_then_resume_gives_the_same_adapter(tiny, tmp_path):
    data = write_data(tmp_path / "filter", examples(8))
    args = ["train", "sft", "--model", str(tiny), "--data", str(data), "--steps", "60", "--batch-size", "2",
            "--max-length", "128", "--checkpoint-every", "5", "--threads", "1", "--precision", "fp32"]
    whole = edgebench(*args, "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    checkpoint = out / ".sft.checkpoint" / "state.pt"
    child = subprocess.Popen([sys.executable, "-m", "edgebench", *args, "--out", str(out)], cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not checkpoint.is_file() and time.time() < deadline and child.poll() is None:
        time.sleep(0.05)
    os.kill(child.pid, signal.SIGKILL)  # a step or so past a checkpoint: mid-training
    assert checkpoint.is_file(), "no checkpoint was written"
    child.wait()
    assert not (out / "sft").exists()  # nothing half-written
    resumed = edgebench(*args, "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    a, b = _adapter(tmp_path / "whole" / "sft"), _adapter(out / "sft")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    curve_a = json.loads((tmp_path / "whole" / "sft" / "manifest.json").read_text())["loss_curve"]
    curve_b = json.loads((out / "sft" / "manifest.json").read_text())["loss_curve"]
    assert curve_a == curve_b
    resumed_from = json.loads((out / "sft" / "manifest.json").read_text())["resumed_from_step"]
    assert resumed_from >= 5 and resumed_from % 5 == 0  # it continued from a checkpoint, not from the start


def test_distill_end_to_end_on_a_tiny_model(tiny, tmp_path):
    """teach (an endpoint teacher) -> filter -> sft -> dpo -> run base and trained -> the verdict table."""
    from tests.train.oracle_teacher import OracleTeacher

    out = tmp_path / "distill"
    args = ["distill", "--model", str(tiny), "--teacher", "oracle", "--train-limit", "8", "--samples", "1",
            "--ladder", "gguf:f16", "--limit", "2", "--sft-steps", "3", "--dpo-steps", "2", "--out", str(out), "--json"]
    with OracleTeacher() as teacher:
        result = edgebench(*args, "--teacher-endpoint", teacher.url)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["artifact"] for r in rows] == ["gguf:f16"]
    assert rows[0]["verdict"] and rows[0]["items_per_split"] == {"dev": 2, "fresh": 2}
    assert "disposition" in rows[0]["base"] and "disposition" in rows[0]["trained"]
    filtered = json.loads((out / "train" / "filter" / "manifest.json").read_text())["counts"]
    assert filtered["teacher_answers"] == 8 and filtered["sft_examples"] == 8  # the oracle's answers all pass
    assert (out / "train" / "dpo" / "adapter_model.safetensors").is_file() == (filtered["dpo_pairs"] > 0)
    plan = json.loads(json.dumps(__import__("bench.store", fromlist=["Store"]).Store.open(out / "trained", write=False)
                                 .meta("plan")))
    assert plan["adapter"].startswith(str(out / "train"))
    page = tmp_path / "trained.html"
    assert edgebench("report", str(out / "trained"), "--html", str(page)).returncode == 0
    assert 'id="plot-training"' in page.read_text()  # the adapter's loss curves


@pytest.mark.parametrize("parallel", [1, 3])
def test_teach_with_a_gguf_teacher_takes_the_batched_path(tmp_path, default_gguf, parallel):
    """The embedded model teaches itself (the default teacher): at --parallel 3 its prompts share one llama.cpp
    context; the answers are written in item order either way and the count is in the stage's manifest."""
    out = tmp_path / "train"
    result = edgebench("train", "teach", "--limit", "3", "--max-tokens", "8", "--samples", "1", "--threads", "1",
                       "--parallel", str(parallel), "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "teacher" / "manifest.json").read_text())
    assert manifest["parallel"] == parallel and manifest["answers"] == 3
    rows = [json.loads(line) for line in (out / "teacher" / "answers.jsonl").read_text().splitlines()]
    assert [r["item_id"] for r in rows] == [r["id"] for r in SUITE.select("train", limit=3)]
    assert all(r["answer"] and r["stop_reason"] in ("stop", "length") for r in rows)
