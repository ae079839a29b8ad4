"""`edgebench train teach`: answers to the disposition suite's train split from a teacher, and
the student's own answers (the rejected side of DPO pairs).

A teacher is an OpenAI-compatible endpoint (the LLM judge's HTTP client; the key is read from
an environment variable and never stored), a GGUF through llama.cpp, a Hugging Face folder
through torch, or `default`: the embedded model itself given the disposition system prompt
(context distillation: no bigger model, offline). Local models generate in a child process
(bench/generate.py), so a runtime crash is one clear error; a GGUF teacher generates the
settings' parallel count of prompts at a time in one llama.cpp context, the batched path of
`edgebench run` (the answers are written in item order all the same, and the count is kept in
the stage's manifest). Several samples per prompt, each with its own seed; every answer is
stored with the teacher's identity and its stop reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from bench.suites.base import Item
from bench.suites.disposition import DispositionSuite
from edge.errors import EdgebenchError
from edge.progress import Progress
from train.artifact import read_jsonl, reusable, write_artifact, write_jsonl
from train.config import TeachConfig
from train.contamination import TRAIN_SPLIT

ANSWERS = "answers.jsonl"


@dataclass(frozen=True)
class Teacher:
    kind: str  # default | gguf | hf | endpoint
    identity: str  # recorded with every answer
    path: str | None = None
    endpoint: str | None = None
    model: str | None = None
    api_key_env: str | None = None


def resolve_teacher(spec: str, endpoint: str | None = None, api_key_env: str = "EDGEBENCH_TEACHER_API_KEY") -> Teacher:
    """'default', a .gguf, a Hugging Face folder, or (with endpoint) the endpoint's model name."""
    from edge.gguf_inspect import resolve_model
    from edge.hashing import hash_path

    if endpoint:
        return Teacher("endpoint", f"{spec}@{endpoint.rstrip('/')}", endpoint=endpoint, model=spec, api_key_env=api_key_env)
    path = resolve_model(spec) if spec in ("", "default") else Path(spec).expanduser()
    if not path.exists():
        raise EdgebenchError(f"teacher {spec} not found; give 'default', a .gguf file, a Hugging Face folder, "
                             "or a model name with --teacher-endpoint")
    if path.is_file() and path.suffix == ".gguf":
        kind = "default" if spec in ("", "default") else "gguf"
    elif (path / "config.json").is_file():
        kind = "hf"
    else:
        raise EdgebenchError(f"teacher {path} is neither a .gguf file nor a Hugging Face folder (no config.json)")
    return Teacher(kind, f"{kind}:{path.name}:{hash_path(path)[:12]}", path=str(path))


def train_items(limit: int | None = None) -> list[Item]:
    """The train split only: what every training stage may see."""
    return DispositionSuite().items(TRAIN_SPLIT, limit)


def generate_answers(teacher: Teacher, items: list[Item], config: TeachConfig, system_prompt: str | None, settings,
                     progress: Progress, label: str) -> list[dict]:
    """config.samples answers per item; rows carry item id, sample, messages (without the system prompt), answer,
    stop reason and the teacher's identity."""
    rows: list[dict] = []
    total = len(items) * config.samples
    progress.start(label, "generate", total=total)
    try:
        for sample in range(config.samples):
            seed = config.seed + sample
            if teacher.kind == "endpoint":
                rows += _from_endpoint(teacher, items, config, system_prompt, seed, sample, progress, len(rows), total)
            else:
                rows += _from_local(teacher, items, config, system_prompt, seed, sample, settings, progress, len(rows), total)
    finally:
        progress.end()
    return rows


def _row(item: Item, sample: int, answer: str, stop: str, teacher: Teacher) -> dict:
    return {"item_id": item.id, "family": item.family, "sample": sample, "messages": item.messages,
            "prompt_text": item.source.get("question", ""), "answer": answer, "stop_reason": stop,
            "teacher": teacher.identity}


def _local_backend(teacher: Teacher) -> str:
    return "torch" if teacher.kind == "hf" else "llamacpp"


def teacher_parallel(teacher: Teacher, settings) -> int:
    """Prompts generated together: the settings' count where the teacher's backend batches; an endpoint's one at a time."""
    from edge.backend_specs import batches

    if teacher.kind == "endpoint" or not batches(_local_backend(teacher)):
        return 1
    return getattr(settings, "parallel", 1)


def _from_local(teacher, items, config, system_prompt, seed, sample, settings, progress, done, total) -> list[dict]:
    from bench.generate import generate_isolated
    from edge.backend import Sampling

    backend = _local_backend(teacher)
    rows = []

    def keep(result, generation) -> None:
        view = result.views[0]
        rows.append(_row(result.item, sample, view.text, view.stop_reason, teacher))
        progress.update(done + len(rows), total, generation.timings.generation_tps)

    sampling = Sampling(max_tokens=config.max_tokens, temperature=config.temperature, seed=seed)
    generate_isolated(backend, Path(teacher.path), settings, items, sampling, (config.max_tokens,), system_prompt, keep)
    order = {item.id: n for n, item in enumerate(items)}  # batched answers arrive as they end
    return sorted(rows, key=lambda row: order[row["item_id"]])


def _from_endpoint(teacher, items, config, system_prompt, seed, sample, progress, done, total) -> list[dict]:
    from bench.judges.clients import OpenAIClient

    client = OpenAIClient(teacher.endpoint, teacher.model, teacher.api_key_env, role="teacher")
    rows = []
    for item in items:
        system = [{"role": "system", "content": system_prompt}] if system_prompt else []
        answer, stop = client.complete(system + item.messages, config.max_tokens, config.temperature, seed)
        rows.append(_row(item, sample, answer, stop, teacher))
        progress.update(done + len(rows), total)
    return rows


def teach(teacher: Teacher, out: Path, config: TeachConfig, settings, limit: int | None = None,
          progress: Progress | None = None, role: str = "teacher") -> dict:
    """Answers of the teacher (with config.system_prompt) or, for role "student", of the model as it is
    (no system prompt, greedy, one sample), written to out/answers.jsonl; reused when made from the same inputs."""
    progress = progress or Progress()
    if role == "student":
        config = TeachConfig(samples=1, temperature=0.0, max_tokens=config.max_tokens, seed=config.seed, system_prompt="")
    items = train_items(limit)
    key = {"stage": role, "teacher": teacher.identity, "config": asdict(config), "items": [i.id for i in items]}
    done = reusable(out, key)
    if done is not None:
        return done
    rows = generate_answers(teacher, items, config, config.system_prompt or None, settings, progress, role)

    def fill(staging: Path) -> dict:
        write_jsonl(staging / ANSWERS, rows)
        return {"stage": role, "teacher": asdict(teacher), "config": asdict(config),
                "answers": len(rows), "cut_off": sum(r["stop_reason"] == "length" for r in rows),
                "parallel": teacher_parallel(teacher, settings)}

    return write_artifact(out, key, fill)


def answers(folder: Path) -> list[dict]:
    path = Path(folder) / ANSWERS
    if not path.is_file():
        raise EdgebenchError(f"{folder} holds no {ANSWERS}; run edgebench train teach first")
    return read_jsonl(path)


def teach_stage(model: str, teacher: str, teacher_endpoint: str | None, api_key_env: str, config: TeachConfig,
                out: Path, limit: int | None, settings, progress) -> dict:
    """Teacher answers to out/teacher, the student's own to out/student."""
    chosen = resolve_teacher(teacher, teacher_endpoint, api_key_env)
    student = resolve_teacher(model)
    if student.kind == "endpoint":
        raise EdgebenchError("the student (--model) must be a local model: a .gguf, a Hugging Face folder or 'default'")
    made = teach(chosen, out / "teacher", config, settings, limit, progress)
    teach(student, out / "student", config, settings, limit, progress, role="student")
    return made
