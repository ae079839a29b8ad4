"""Flags that several commands share, each with one help text, and what they resolve to.

`Profile`, `Threads`, `Repack` and `Parallel` choose the device settings of every command that runs a
model (`settings_from_flags` resolves them through edge/profiles.py); `Judge`, `JudgeModel`,
`JudgeEndpoint` and `JudgeKeyEnv` choose the disposition judge (edgebench/judge_flags.py
opens it). `say` is the one way a command talks to the person watching.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from edge.errors import EdgebenchError

Profile = Annotated[Optional[str], typer.Option(
    help="Device profile from devices.toml (backends, threads, GPU layers, memory budget); default: the detected one.")]
Threads = Annotated[Optional[int], typer.Option(
    min=1, help="CPU threads; default: the profile's (0 there = one per physical core).")]
Repack = Annotated[Optional[str], typer.Option(
    help="llama.cpp weight repacking: auto (off only where llama.cpp's AMX path would crash), on, off "
         "(compare with llama-bench --repack 0|1); default: the profile's (auto).")]
Parallel = Annotated[Optional[int], typer.Option(
    min=1, help="Suite items generated together in one llama.cpp context (continuous batching); 1 = one at a time; "
                "backends without a batched path (mlx, onnx, torch) stay sequential; default: $EDGEBENCH_PARALLEL, "
                "else the profile's parallel.")]

Judge = Annotated[str, typer.Option(help="Disposition judge: lexical (rules, default) or llm (rubric, see --judge-model).")]
JudgeModel = Annotated[str, typer.Option(
    help="LLM judge: the endpoint's model name, or a GGUF path / 'default' to run locally.")]
JudgeEndpoint = Annotated[Optional[str], typer.Option(
    help="LLM judge: OpenAI-compatible base URL, e.g. http://127.0.0.1:8080/v1.")]
JudgeKeyEnv = Annotated[str, typer.Option(
    "--api-key-env", help="LLM judge: environment variable holding the API key (never stored).")]
JUDGE_KEY_ENV = "EDGEBENCH_JUDGE_API_KEY"


def check_repack(repack: str | None) -> None:
    from edge.repack import MODES

    if repack is not None and repack not in MODES:
        raise EdgebenchError(f"--repack must be one of {', '.join(MODES)} (got {repack!r})")


def settings_from_flags(profile: str | None, threads: int | None, repack: str | None = None,
                        parallel: int | None = None):
    """The runtime settings that --profile, --threads, --repack and --parallel name on this device."""
    from edge.profiles import device_settings

    check_repack(repack)
    return device_settings(profile, threads, repack, parallel=parallel).settings


def say(text) -> None:
    """A line (or a rich table) for the person watching, on stderr: stdout stays the command's result."""
    from rich.console import Console

    Console(stderr=True).print(text)
