"""The one table of export formats and quant levels, and parsing of `--to gguf:q4_k_m,mlx:4bit,...`."""

from __future__ import annotations

from dataclasses import dataclass

from edge.errors import EdgebenchError


@dataclass(frozen=True)
class Target:
    format: str  # gguf, mlx or onnx
    quant: str  # the name after the colon
    nominal_bits: float  # before group scales and fallbacks; the manifest records the measured figure
    tool_arg: str  # what the converter is told: llama ftype name, mlx bits or recipe, onnx precision

    @property
    def name(self) -> str:
        return f"{self.format}:{self.quant}"


TARGETS = {t.name: t for t in (
    # GGUF: F16 from llama.cpp's converter; the rest from llama.cpp's quantizer, starting at F16.
    Target("gguf", "f16", 16, "F16"),
    Target("gguf", "q8_0", 8.5, "Q8_0"),
    Target("gguf", "q6_k", 6.56, "Q6_K"),
    Target("gguf", "q5_k_m", 5.5, "Q5_K_M"),
    Target("gguf", "q4_k_m", 4.5, "Q4_K_M"),
    Target("gguf", "q3_k_m", 3.4, "Q3_K_M"),
    Target("gguf", "q2_k", 2.6, "Q2_K"),
    # MLX: mlx-lm's converter; group size from --group-size; mixed_* are mlx-lm's recipes.
    Target("mlx", "bf16", 16, "bf16"),
    Target("mlx", "8bit", 8, "8"),
    Target("mlx", "4bit", 4, "4"),
    Target("mlx", "mixed_2_6", 3.5, "mixed_2_6"),
    Target("mlx", "mixed_3_4", 3.5, "mixed_3_4"),
    Target("mlx", "mixed_3_6", 4, "mixed_3_6"),
    Target("mlx", "mixed_4_6", 4.5, "mixed_4_6"),
    # ONNX: onnxruntime-genai's model builder; *_cuda builds for the CUDA execution provider.
    Target("onnx", "fp32", 32, "fp32"),
    Target("onnx", "int8", 8, "int8"),
    Target("onnx", "int4", 4, "int4"),
    Target("onnx", "fp16_cuda", 16, "fp16"),
    Target("onnx", "int4_cuda", 4, "int4"),
)}


def parse_targets(text: str) -> list[Target]:
    """'gguf:q4_k_m,mlx:4bit' -> targets, in the order given, without repeats."""
    chosen: list[Target] = []
    for raw in (t.strip().lower() for t in text.split(",")):
        if not raw:
            continue
        if raw not in TARGETS:
            raise EdgebenchError(f"unknown target '{raw}'; valid targets: {', '.join(TARGETS)}")
        if TARGETS[raw] not in chosen:
            chosen.append(TARGETS[raw])
    if not chosen:
        raise EdgebenchError(f"--to names no target; valid targets: {', '.join(TARGETS)}")
    return chosen
