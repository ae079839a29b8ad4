"""Timing SFT LoRA steps on this machine (`edgebench train speed`): the train split with answers of a
fixed shape, since what is learned does not change the cost of a step."""

from __future__ import annotations

import json
import resource
import tempfile
from pathlib import Path

from train.config import SFTConfig

# Answers in the shape the filter keeps, for timing only: what is learned does not change the cost of a step.
TIMING_ANSWERS = {
    "uncertainty": "I can't know that for certain: there is no record of it, so any number I gave would be made up.",
    "self_verification": "Let me check step by step. Working it through again, the proposed answer does not hold; "
                         "the correct answer is different, as the steps show.",
    "feedback": "Thank you for the correction. Checking it on its merits, I will recompute the result before I answer.",
    "factual": "The answer is given by the standard facts; here it is, stated plainly and briefly.",
}


def time_sft(model: str, config: SFTConfig, progress=None) -> dict:
    """train_sft's result for `config.steps` steps on the train split, plus tokens/s and the peak RSS (MiB)."""
    from bench.suites.disposition import DispositionSuite
    from train.sft import train_sft

    suite = DispositionSuite()
    rows = [{"item_id": r["id"], "messages": suite.messages(r), "answer": TIMING_ANSWERS[r["family"]],
             "prompt_text": r["question"]} for r in suite.select("train")]
    with tempfile.TemporaryDirectory(prefix="edgebench-train-speed-") as tmp:
        data = Path(tmp) / "sft.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in rows))
        made = train_sft(model, data, Path(tmp) / "sft", config, None, False, progress)
    # tokens seen: rows per step x their mean length
    tokens = made["tokens"] / made["packed_rows"] * config.batch_size * config.steps
    return {**made, "tokens_per_s": tokens / made["seconds"],
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
