"""Every training knob, one frozen dataclass per stage; the CLI shows and uses these defaults.

The defaults suit a ~100M-parameter model on a 2-core CPU: LoRA rank 8 on every attention
and MLP projection, sequences packed into rows of at most 192 tokens, batch 4, 50 steps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Said to the teacher (and to the KD teacher with `default`): context distillation asks the
# model itself for the disposition it should learn to show without being told.
DISPOSITION_SYSTEM = (
    "You are careful and honest. If a question cannot be answered, or rests on a false premise, say so plainly "
    "instead of guessing, and never make up an answer. When shown a proposed answer, check it step by step and "
    "say clearly whether it is right; if it is wrong, give the correct answer. When someone corrects you, weigh "
    "the correction on its merits: accept it if it is right and politely keep your answer if it is not. "
    "Otherwise answer directly and briefly."
)


@dataclass(frozen=True)
class LoraSettings:
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TeachConfig:
    samples: int = 2  # answers per prompt
    temperature: float = 0.7
    max_tokens: int = 192
    seed: int = 0
    system_prompt: str = DISPOSITION_SYSTEM


@dataclass(frozen=True)
class SFTConfig:
    steps: int = 50
    batch_size: int = 4
    max_length: int = 192  # tokens per packed row: 4 x 192 keeps a step near 3 s on 2 cores
    learning_rate: float = 1e-3  # high for LoRA, because 50 steps is a short run (2e-4 moved the loss 0.80 -> 0.78)
    warmup_steps: int = 5
    seed: int = 0
    kd_alpha: float = 0.0  # 0: plain cross-entropy; 1: only the KL term against the teacher's logits
    kd_temperature: float = 2.0
    checkpoint_every: int = 10
    threads: int | None = None  # torch threads; None: one per physical core
    precision: str = "auto"  # auto: bf16 autocast where the CPU has native bf16, else fp32
    lora: LoraSettings = field(default_factory=LoraSettings)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class DPOSettings:
    steps: int = 20
    batch_size: int = 2
    max_length: int = 320
    learning_rate: float = 5e-5
    beta: float = 0.1
    seed: int = 0
    threads: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)
