"""`edgebench train sft`: supervised fine-tuning of a LoRA adapter (PEFT) on filtered teacher
answers, with the loss on the answer tokens only, short examples packed into rows, and an
optional logit-distillation term.

A plain PyTorch loop rather than TRL's SFTTrainer, for three reasons: the KD term compares
the student, which sees only the question, with a teacher that sees the question *and* the
disposition system prompt, so the two sequences differ and their answer tokens must be
aligned by hand; packing here keeps examples apart with a block-diagonal attention mask and
per-example positions (exactly the unpacked logits, tested), which SFTTrainer does only
with flash-attention kernels a CPU lacks; and a resumed run must end with the very adapter
an uninterrupted one makes, which needs the data order, the RNG and the optimizer restored
from our own checkpoint. DPO, where none of this bites, uses TRL (train/dpo.py).

Loss = (1 - kd_alpha) * cross-entropy + kd_alpha * T^2 * KL(teacher_T || student_T) over the
answer tokens (Hinton et al.); kd_alpha 0 is plain cross-entropy. With teacher `default`
the KD teacher is the base model itself (the adapter switched off) given the disposition
system prompt: context distillation, offline, no second model in memory.
"""

from __future__ import annotations

import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from edge.errors import EdgebenchError
from edge.progress import Progress
from train.artifact import checkpoint_folder, reusable, write_artifact
from train.config import DISPOSITION_SYSTEM, SFTConfig
from train.contamination import check_examples, data_hash
from train.filter import SFT_FILE, read_examples
from train.model import answer_ids, chat_ids, load_base, resolve_base, same_tokenizer

CHECKPOINT = "state.pt"


@dataclass
class Encoded:
    """One example as token ids: the student's (prompt + answer) and, for KD, the teacher's."""

    ids: list[int]
    n_prompt: int
    teacher_ids: list[int] | None = None
    teacher_n_prompt: int = 0

    @property
    def n_answer(self) -> int:
        return len(self.ids) - self.n_prompt


def encode(examples: list[dict], tokenizer, max_length: int, teacher_tokenizer=None, teacher_system: str | None = None
           ) -> list[Encoded]:
    """Prompt and answer ids, cut to max_length (the answer's tail goes first; a prompt that fills it: dropped)."""
    out = []
    for ex in examples:
        prompt = chat_ids(tokenizer, ex["messages"])
        answer = answer_ids(tokenizer, ex["answer"])
        if len(prompt) >= max_length - 1:
            continue
        ids = (prompt + answer)[:max_length]
        enc = Encoded(ids, len(prompt))
        if teacher_tokenizer is not None:
            system = [{"role": "system", "content": teacher_system}] if teacher_system else []
            t_prompt = chat_ids(teacher_tokenizer, system + [m for m in ex["messages"] if m["role"] != "system"])
            enc.teacher_ids, enc.teacher_n_prompt = t_prompt + ids[len(prompt):], len(t_prompt)
        out.append(enc)
    return out


def pack(encoded: list[Encoded], max_length: int, seed: int) -> list[list[int]]:
    """Rows of example indices, each row at most max_length tokens, filled in a seeded order."""
    import numpy as np

    order = np.random.default_rng(seed).permutation(len(encoded)).tolist()
    rows, current, used = [], [], 0
    for i in order:
        n = len(encoded[i].ids)
        if current and used + n > max_length:
            rows.append(current)
            current, used = [], 0
        current.append(i)
        used += n
    if current:
        rows.append(current)
    return rows


def schedule(n_rows: int, batch_size: int, steps: int, seed: int) -> list[list[int]]:
    """The rows of every step, fixed by the seed alone, so a resumed run sees the same batches."""
    import numpy as np

    batches, epoch = [], 0
    while len(batches) < steps:
        perm = np.random.default_rng(seed + 1000 * (epoch + 1)).permutation(n_rows).tolist()
        batches += [perm[i:i + batch_size] for i in range(0, n_rows, batch_size)]
        epoch += 1
    return batches[:steps]


def collate(encoded: list[Encoded], rows: list[list[int]]):
    """(input ids, 4-D block-diagonal causal mask, per-example positions, labels) for a batch of packed rows."""
    import torch

    length = max(sum(len(encoded[i].ids) for i in row) for row in rows)
    ids = torch.full((len(rows), length), 0, dtype=torch.long)
    labels = torch.full((len(rows), length), -100, dtype=torch.long)
    positions = torch.zeros((len(rows), length), dtype=torch.long)
    mask = torch.zeros((len(rows), 1, length, length), dtype=torch.bool)
    for b, row in enumerate(rows):
        at = 0
        for i in row:
            e = encoded[i]
            n = len(e.ids)
            ids[b, at:at + n] = torch.tensor(e.ids)
            labels[b, at + e.n_prompt:at + n] = torch.tensor(e.ids[e.n_prompt:])
            positions[b, at:at + n] = torch.arange(n)
            mask[b, 0, at:at + n, at:at + n] = torch.tril(torch.ones(n, n, dtype=torch.bool))
            at += n
        idx = torch.arange(at, length)
        mask[b, 0, idx, idx] = True  # padding attends to itself only (no empty row: no NaN)
    return ids, mask, positions, labels


def answer_logits(model, ids, mask, positions, labels):
    """Logits at the positions that predict an answer token (lm_head only there), and those tokens."""

    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = inner.model(input_ids=ids, attention_mask=mask, position_ids=positions).last_hidden_state
    wanted = labels[:, 1:] != -100
    picked = hidden[:, :-1][wanted]
    return inner.lm_head(picked), labels[:, 1:][wanted]


def teacher_logits(teacher, encoded: list[Encoded], rows: list[list[int]]):
    """The KD teacher's logits at the same answer tokens, in the same order as answer_logits gives them."""
    import torch

    parts = []
    with torch.no_grad():
        for row in rows:
            for i in row:
                e = encoded[i]
                ids = torch.tensor([e.teacher_ids])
                logits = teacher(ids)
                start = e.teacher_n_prompt - 1  # the position that predicts the first answer token
                parts.append(logits[0, start:start + e.n_answer])
    return torch.cat(parts)


def kd_term(student, teacher, temperature: float):
    """T^2 * KL(softmax(teacher/T) || softmax(student/T)), mean over tokens."""
    import torch.nn.functional as F

    t = F.log_softmax(teacher / temperature, -1)
    s = F.log_softmax(student / temperature, -1)
    return (temperature ** 2) * (t.exp() * (t - s)).sum(-1).mean()


def step_loss(model, encoded: list[Encoded], rows: list[list[int]], config: SFTConfig, teacher=None):
    """(loss, cross-entropy, KD term or None) of one batch."""
    import torch.nn.functional as F

    logits, targets = answer_logits(model, *collate(encoded, rows))
    ce = F.cross_entropy(logits, targets)
    if not config.kd_alpha:
        return ce, ce, None
    kd = kd_term(logits, teacher_logits(teacher, encoded, rows), config.kd_temperature)
    return (1 - config.kd_alpha) * ce + config.kd_alpha * kd, ce, kd


def lora_model(model, config: SFTConfig):
    """The model with fresh LoRA layers on the target modules it has (seeded, so runs repeat)."""
    import torch
    from peft import LoraConfig, get_peft_model

    present = {name.split(".")[-1] for name, _ in model.named_modules()}
    targets = [m for m in config.lora.target_modules if m in present]
    if not targets:
        raise EdgebenchError(f"the base model has none of the LoRA target modules {', '.join(config.lora.target_modules)}")
    torch.manual_seed(config.seed)
    lora = LoraConfig(r=config.lora.rank, lora_alpha=config.lora.alpha, lora_dropout=config.lora.dropout,
                      target_modules=targets, task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def _kd_teacher(teacher_spec: str | None, model, tokenizer, threads):
    """(callable ids -> logits, tokenizer, system prompt) of the KD teacher."""
    if teacher_spec in (None, "", "default"):
        def same_model_without_adapter(ids):
            with model.disable_adapter():
                return model(ids).logits
        return same_model_without_adapter, tokenizer, DISPOSITION_SYSTEM
    other, other_tokenizer = load_base(resolve_base(teacher_spec), threads)
    if not same_tokenizer(tokenizer, other_tokenizer):
        raise EdgebenchError(f"the KD teacher {teacher_spec} has another tokenizer than the base model; logit "
                             "distillation compares token by token, so the teacher must share the base's vocabulary")
    other.eval()
    return (lambda ids: other(ids).logits), other_tokenizer, DISPOSITION_SYSTEM


def resolve_precision(precision: str) -> str:
    """"auto": bf16 autocast where the CPU computes bf16 natively (AVX512-BF16 or AMX: about 15% faster per step
    measured on an AMX Xeon), else fp32 (bf16 emulated is slower). The LoRA weights stay fp32 either way."""
    if precision not in ("auto", "fp32", "bf16"):
        raise EdgebenchError(f"precision must be auto, fp32 or bf16 (got {precision!r})")
    if precision != "auto":
        return precision
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return "fp32"
    return "bf16" if ("avx512_bf16" in flags or "amx_bf16" in flags) else "fp32"


def autocast(precision: str):
    import contextlib

    import torch

    return torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()


def _lr(config: SFTConfig):
    def factor(step: int) -> float:  # linear warm-up, then cosine to a tenth
        if step < config.warmup_steps:
            return (step + 1) / config.warmup_steps
        progress = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))
    return factor


def train_sft(base_spec: str, data: Path, out: Path, config: SFTConfig = SFTConfig(), teacher: str | None = None,
              resume: bool = False, progress: Progress | None = None) -> dict:
    """Train the adapter and write it to `out` (PEFT folder + manifest); returns the manifest."""
    import torch

    progress = progress or Progress()
    examples = read_examples(data, SFT_FILE)
    if not examples:
        raise EdgebenchError(f"{data} holds no training examples; run edgebench train filter first")
    check_examples(examples)
    base = resolve_base(base_spec)
    key = {"stage": "sft", "base_hash": base.hash, "data_hash": data_hash(examples), "config": config.as_dict(),
           "kd_teacher": teacher if config.kd_alpha else None}
    done = reusable(out, key)
    if done is not None:
        return done
    checkpoint = checkpoint_folder(out, resume)
    progress.start("sft", "load")
    model, tokenizer = load_base(base, config.threads)
    progress.end()
    model = lora_model(model, config)
    kd = _kd_teacher(teacher, model, tokenizer, config.threads) if config.kd_alpha else None
    encoded = encode(examples, tokenizer, config.max_length, kd[1] if kd else None, kd[2] if kd else None)
    if not encoded:
        raise EdgebenchError(f"every prompt in {data} is longer than --max-length {config.max_length} tokens")
    rows = pack(encoded, config.max_length, config.seed)
    batches = schedule(len(rows), config.batch_size, config.steps, config.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _lr(config))
    state = _load_checkpoint(checkpoint, key, model, optimizer, scheduler) if resume else None
    start, losses, seconds = (state["step"], state["losses"], state["seconds"]) if state else (0, [], 0.0)
    precision = resolve_precision(config.precision)
    progress.start("sft", "train", total=config.steps)
    began = time.perf_counter()
    try:
        model.train()
        for step in range(start, config.steps):
            with autocast(precision):
                loss, ce, kd_value = step_loss(model, encoded, [rows[r] for r in batches[step]], config, kd[0] if kd else None)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append({"step": step + 1, "loss": round(loss.item(), 5), "ce": round(ce.item(), 5),
                           **({"kd": round(kd_value.item(), 5)} if kd_value is not None else {})})
            progress.update(step + 1, config.steps, note=f"loss {loss.item():.3f}")
            if (step + 1) % config.checkpoint_every == 0 and step + 1 < config.steps:
                _save_checkpoint(checkpoint, key, step + 1, losses, seconds + time.perf_counter() - began, model,
                                 optimizer, scheduler)
    finally:
        progress.end()
    seconds += time.perf_counter() - began

    def fill(staging: Path) -> dict:
        model.save_pretrained(staging, save_embedding_layers=False)
        return {"stage": "sft", "base": base.spec, "base_hash": base.hash, "data": str(data),
                "data_hash": key["data_hash"], "item_ids": sorted({e["item_id"] for e in examples}),
                "examples": len(examples), "packed_rows": len(rows), "tokens": sum(len(e.ids) for e in encoded),
                "config": config.as_dict(), "precision": precision, "kd_teacher": key["kd_teacher"], "seed": config.seed,
                "loss_curve": losses, "resumed_from_step": start, "seconds": round(seconds, 1)}

    manifest = write_artifact(out, key, fill)
    shutil.rmtree(checkpoint, ignore_errors=True)
    return manifest


def _save_checkpoint(folder: Path, key: dict, step: int, losses, seconds, model, optimizer, scheduler) -> None:
    """Everything a resumed run needs to continue exactly: the adapter, optimizer, schedule, RNG, the curve."""
    import torch
    from peft import get_peft_model_state_dict

    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / (CHECKPOINT + ".tmp")
    torch.save({"key": key, "step": step, "losses": losses, "seconds": seconds,
                "adapter": get_peft_model_state_dict(model), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "rng": torch.get_rng_state()}, tmp)
    tmp.replace(folder / CHECKPOINT)  # atomic: a kill leaves the previous checkpoint or this one


def _load_checkpoint(folder: Path, key: dict, model, optimizer, scheduler) -> dict | None:
    import torch
    from peft import set_peft_model_state_dict

    path = folder / CHECKPOINT
    if not path.is_file():
        return None
    state = torch.load(path, weights_only=False)
    if state.get("key") != key:
        raise EdgebenchError(f"the checkpoint in {folder} is from other inputs or settings; run without --resume")
    set_peft_model_state_dict(model, state["adapter"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng"])
    return state
