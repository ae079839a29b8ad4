"""`edgebench train dpo`: TRL's DPOTrainer on the filter stage's pairs, continuing the SFT adapter.

The policy is the base with the SFT adapter made trainable; TRL copies that adapter as a
frozen "ref" adapter, so the reference is the SFT model itself (the usual SFT-then-DPO
recipe) and no second model is loaded. What is saved is the one adapter, on the base, so
`convert --adapter` merges it like any other. Checkpoints are TRL's (every
`checkpoint_every` steps); `--resume` continues from the last one.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from edge.errors import EdgebenchError
from edge.progress import Progress
from train.artifact import checkpoint_folder, read_manifest, reusable, write_artifact
from train.config import DPOSettings
from train.contamination import check_examples, data_hash
from train.filter import PAIRS_FILE, read_examples
from train.model import answer_ids, chat_ids, load_base, resolve_base

CHECKPOINT_EVERY = 10


def _progress_callback(progress: Progress, total: int):
    from transformers import TrainerCallback

    class Report(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if logs and "loss" in logs:
                margin = logs.get("rewards/margins")
                note = f"loss {logs['loss']:.3f}" + (f" margin {margin:+.3f}" if margin is not None else "")
                progress.update(state.global_step, total, note=note)

    return Report()


def train_dpo(base_spec: str, pairs_path: Path, sft_adapter: Path, out: Path, config: DPOSettings = DPOSettings(),
              resume: bool = False, progress: Progress | None = None) -> dict:
    """Train, write the adapter to `out` (PEFT folder + manifest), return the manifest."""
    from datasets import Dataset
    from peft import PeftModel
    from transformers import PrinterCallback
    from trl import DPOConfig, DPOTrainer

    import datasets

    datasets.disable_progress_bars()  # ours says what is happening
    progress = progress or Progress()
    pairs = read_examples(pairs_path, PAIRS_FILE)
    if not pairs:
        raise EdgebenchError(f"{pairs_path} holds no DPO pairs (the student failed no item the teacher passed); "
                             "skip DPO or use more --samples")
    check_examples(pairs + [{**p, "answer": p["rejected"]} for p in pairs])
    sft_manifest = read_manifest(sft_adapter)
    if sft_manifest is None or not (Path(sft_adapter) / "adapter_config.json").is_file():
        raise EdgebenchError(f"{sft_adapter} is not an adapter made by edgebench train sft (no manifest.json)")
    base = resolve_base(base_spec)
    if sft_manifest.get("base_hash") != base.hash:
        raise EdgebenchError(f"the SFT adapter {sft_adapter} was trained on another base model "
                             f"({sft_manifest.get('base')}); give that base with --model")
    key = {"stage": "dpo", "base_hash": base.hash, "data_hash": data_hash(pairs),
           "sft_adapter": sft_manifest.get("key"), "config": config.as_dict()}
    done = reusable(out, key)
    if done is not None:
        return done
    checkpoints = checkpoint_folder(out, resume)
    model, tokenizer = load_base(base, config.threads)
    model = PeftModel.from_pretrained(model, str(sft_adapter), is_trainable=True)
    dataset = Dataset.from_list([{"prompt": p["messages"], "chosen": [{"role": "assistant", "content": p["chosen"]}],
                                  "rejected": [{"role": "assistant", "content": p["rejected"]}]} for p in pairs])
    args = DPOConfig(output_dir=str(checkpoints), max_steps=config.steps, per_device_train_batch_size=config.batch_size,
                     learning_rate=config.learning_rate, beta=config.beta, max_length=config.max_length,
                     logging_steps=1, save_strategy="steps", save_steps=CHECKPOINT_EVERY, save_total_limit=1,
                     report_to=[], seed=config.seed, data_seed=config.seed, use_cpu=True, dataloader_num_workers=0,
                     disable_tqdm=True, lr_scheduler_type="constant_with_warmup", warmup_steps=2)
    trainer = DPOTrainer(model=model, args=args, train_dataset=dataset, processing_class=tokenizer,
                         callbacks=[_progress_callback(progress, config.steps)])
    trainer.remove_callback(PrinterCallback)  # our progress bar says it; no dicts printed to stdout
    last = _last_checkpoint(checkpoints) if resume else None
    progress.start("dpo", "train", total=config.steps)
    began = time.perf_counter()
    try:
        trainer.train(resume_from_checkpoint=str(last) if last else None)
    finally:
        progress.end()
    seconds = time.perf_counter() - began
    curve = [{"step": e["step"], "loss": round(e["loss"], 5),
              **({"margin": round(e["rewards/margins"], 5)} if "rewards/margins" in e else {})}
             for e in trainer.state.log_history if "loss" in e]

    def fill(staging: Path) -> dict:
        trainer.model.save_pretrained(staging, selected_adapters=["default"], save_embedding_layers=False)
        return {"stage": "dpo", "base": base.spec, "base_hash": base.hash, "data": str(pairs_path),
                "data_hash": key["data_hash"], "item_ids": sorted(set(sft_manifest.get("item_ids", [])) |
                                                                  {p["item_id"] for p in pairs}),
                "sft_adapter": str(sft_adapter), "pairs": len(pairs), "config": config.as_dict(), "seed": config.seed,
                "loss_curve": curve, "sft_loss_curve": sft_manifest.get("loss_curve", []), "seconds": round(seconds, 1)}

    manifest = write_artifact(out, key, fill)
    shutil.rmtree(checkpoints, ignore_errors=True)
    return manifest


def _last_checkpoint(folder: Path) -> Path | None:
    found = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[-1])) if folder.is_dir() else []
    return found[-1] if found else None


def preference_margin(model, tokenizer, pairs: list[dict]) -> float:
    """Mean over pairs of log p(chosen) - log p(rejected) under the model: what DPO pushes up."""
    import torch
    import torch.nn.functional as F

    def logp(messages, answer) -> float:
        prompt, ans = chat_ids(tokenizer, messages), answer_ids(tokenizer, answer)
        ids = torch.tensor([prompt + ans])
        with torch.no_grad():
            logits = model(ids).logits[0, len(prompt) - 1:-1]
        return float(F.log_softmax(logits.float(), -1).gather(1, torch.tensor(ans)[:, None]).sum())

    return sum(logp(p["messages"], p["chosen"]) - logp(p["messages"], p["rejected"]) for p in pairs) / len(pairs)
