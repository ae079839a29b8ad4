"""The ONNX backend (onnxruntime-genai): folders made by its model builder (genai_config.json
beside model.onnx), on CPU here, CUDA or DirectML where the runtime package has them.

onnxruntime-genai's generator runs the forward pass inside `generate_next_token` (for
the token picked last) and samples there too, so one call is one decode step. The prompt
is evaluated by `append_tokens`. The chat template comes from the folder's
chat_template.jinja (written by `edgebench convert`) or its tokenizer_config.json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import onnxruntime_genai as og

from edge.backend import Generation, Sampling, Timings, check_context, decode_loop, timed_steps
from edge.errors import EdgebenchError
from edge.profiles import RuntimeSettings


# onnxruntime-genai's GPU builds are packages of their own; the provider name its Config takes for each. A profile
# that offloads (gpu_layers != 0) runs on the first one installed; without any, on the CPU, and the backend says so.
GPU_BUILDS = (("onnxruntime-genai-cuda", "cuda"), ("onnxruntime-genai-directml", "dml"))


def gpu_provider(installed=None) -> str | None:
    """The GPU provider of the onnxruntime-genai build installed here, or None (the CPU build)."""
    from importlib.metadata import PackageNotFoundError, version

    def has(dist: str) -> bool:
        try:
            version(dist)
            return True
        except PackageNotFoundError:
            return False

    installed = installed or has
    return next((provider for dist, provider in GPU_BUILDS if installed(dist)), None)


def _chat_template(folder: Path) -> str | None:
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    config = folder / "tokenizer_config.json"
    if config.is_file():
        return json.loads(config.read_text(encoding="utf-8")).get("chat_template")
    return None


class OnnxBackend:
    """One onnxruntime-genai model folder."""

    def __init__(self, model_path: Path, settings: RuntimeSettings) -> None:
        folder = Path(model_path)
        if not (folder / "genai_config.json").is_file():
            raise EdgebenchError(f"{folder} is not an onnxruntime-genai folder (no genai_config.json); convert one with: edgebench convert SRC --to onnx:int4")
        self.n_ctx = settings.n_ctx
        start = time.perf_counter()
        try:
            config = og.Config(str(folder))
            if settings.threads:  # the profile's threads, as llama.cpp gets them
                config.overlay(json.dumps({"model": {"decoder": {"session_options": {"intra_op_num_threads": settings.threads}}}}))
            self.provider = gpu_provider() if settings.gpu_layers else None
            if self.provider:  # the whole graph on the GPU: onnxruntime-genai does not split it by layers
                config.clear_providers()
                config.append_provider(self.provider)
            self.provider_why = (f"{self.provider} (the profile offloads)" if self.provider else
                                 "cpu" + (": no GPU build of onnxruntime-genai installed (onnxruntime-genai-cuda, "
                                          "onnxruntime-genai-directml)" if settings.gpu_layers else ""))
            self.model = og.Model(config)
            self.tokenizer = og.Tokenizer(self.model)
        except Exception as exc:  # onnxruntime-genai raises plain RuntimeError/OrtException on bad folders
            raise EdgebenchError(f"onnxruntime-genai could not load {folder} ({exc}); convert it again")
        self.load_s = time.perf_counter() - start
        self.template = _chat_template(folder)
        self.eos_ids = set(int(t) for t in np.atleast_1d(self.tokenizer.eos_token_ids))
        self._first_generation = True

    def prompt_tokens(self, messages: list[dict]) -> list[int]:
        if not self.template:
            raise EdgebenchError("this ONNX folder has no chat template (chat_template.jinja or tokenizer_config.json); convert it again")
        prompt = self.tokenizer.apply_chat_template(json.dumps(messages), template_str=self.template, add_generation_prompt=True)
        return [int(t) for t in self.tokenizer.encode(prompt)]

    def tokenize(self, text: str) -> list[int]:
        return [int(t) for t in self.tokenizer.encode(text)]

    def detokenize(self, token_ids: list[int]) -> str:
        return self.tokenizer.decode(np.array(token_ids, dtype=np.int32)) if token_ids else ""

    def _generator(self, max_length: int, sampling: Sampling | None = None) -> og.Generator:
        params = og.GeneratorParams(self.model)
        if sampling is None or sampling.greedy:
            params.set_search_options(max_length=max_length, do_sample=False)
        else:
            params.set_search_options(max_length=max_length, do_sample=True, temperature=sampling.temperature,
                                      top_k=sampling.top_k, top_p=sampling.top_p, random_seed=sampling.seed)
        return og.Generator(self.model, params)

    def generate(self, messages: list[dict], sampling: Sampling) -> Generation:
        if sampling.json_schema:
            raise EdgebenchError("the onnx backend cannot constrain output to a JSON schema here; use the llamacpp backend for a local judge")
        prompt = self.prompt_tokens(messages)
        check_context(len(prompt), sampling.max_tokens, self.n_ctx)
        timings = Timings(load_s=self.load_s if self._first_generation else 0.0)
        self._first_generation = False
        generator = self._generator(len(prompt) + sampling.max_tokens + 1, sampling)
        start = time.perf_counter()
        generator.append_tokens(np.array(prompt, dtype=np.int32))
        timings.prompt_eval_s = time.perf_counter() - start
        tokens, stop_reason = decode_loop(lambda previous: self._next(generator), sampling.max_tokens,
                                          self.eos_ids.__contains__, timings)
        return Generation(text=self.detokenize(tokens), token_ids=tokens, stop_reason=stop_reason,
                          prompt_tokens=len(prompt), timings=timings)

    def logits(self, token_ids: list[int]) -> np.ndarray:
        generator = self._generator(len(token_ids) + 1)
        generator.append_tokens(np.array(token_ids, dtype=np.int32))
        return np.array(generator.get_output("logits"), dtype=np.float32)[0]

    def timed_decode(self, prefix: list[int], n_steps: int) -> tuple[float, list[float]]:
        params = og.GeneratorParams(self.model)
        length = len(prefix) + n_steps + 1
        params.set_search_options(max_length=length, min_length=length, do_sample=False)  # min_length: EOS does not stop it
        generator = og.Generator(self.model, params)
        start = time.perf_counter()
        generator.append_tokens(np.array(prefix, dtype=np.int32))
        generator.generate_next_token()
        prefill_s = time.perf_counter() - start
        return prefill_s, timed_steps(lambda last: self._next(generator), 0, n_steps)

    @staticmethod
    def _next(generator: og.Generator) -> int:
        """One decode step: the forward pass for the token picked last, then the pick."""
        generator.generate_next_token()
        return int(generator.get_next_tokens()[0])

    def close(self) -> None:
        self.model = None
