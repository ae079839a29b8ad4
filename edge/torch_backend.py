"""The torch backend (transformers): a Hugging Face model folder in float32 on the CPU,
the full-precision reference that quantized artifacts are compared against.

The only module of `edge` that imports torch, and only when this backend is asked for.
Generation is a token loop with transformers' KV cache; sampling (temperature, top-k,
top-p) is done here with a seeded torch generator, greedy is argmax.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache
from transformers.utils import logging as hf_logging

from edge.backend import Generation, Sampling, Timings, check_context, decode_loop, timed_steps
from edge.errors import EdgebenchError
from edge.profiles import RuntimeSettings


def quiet_transformers() -> None:
    """Our progress bars, not transformers' tqdm bars and warnings, in the terminal."""
    import functools

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    # The GGUF loader draws a plain tqdm bar ("Converting and de-quantizing GGUF tensors...") that
    # ignores the switch above; our own progress display says what is happening instead.
    from transformers import modeling_gguf_pytorch_utils as gguf_loading

    if not isinstance(gguf_loading.tqdm, functools.partial):
        gguf_loading.tqdm = functools.partial(gguf_loading.tqdm, disable=True)


def load_hf(path: Path, gguf: bool = False):
    """(model in fp32, eval mode; tokenizer) from a Hugging Face folder, or from a GGUF file (dequantized).
    The one place edgebench loads a model through transformers; one clear error if it cannot."""
    path = Path(path)
    quiet_transformers()
    try:
        if gguf:
            folder, kwargs = path.parent, {"gguf_file": path.name}
        else:  # pickled-only weights are refused before this (convert/source.py), unless allowed
            folder, kwargs = path, {"use_safetensors": bool(list(path.glob("*.safetensors")))}
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=kwargs.get("gguf_file"))
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, **kwargs)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise EdgebenchError(f"transformers cannot load {path}: {' '.join(str(exc).split())[:300]}") from None
    if gguf:
        # The weights are dequantized now; drop the GGUF quantizer so the model can be saved.
        model.hf_quantizer = None
        model.is_quantized = False  # plain fp32 weights now: trainable like any model (transformers' Trainer checks)
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
    return model.eval(), tokenizer


class TorchBackend:
    """One Hugging Face model folder in float32."""

    def __init__(self, model_path: Path, settings: RuntimeSettings) -> None:
        folder = Path(model_path)
        if not (folder / "config.json").is_file():
            raise EdgebenchError(f"{folder} is not a Hugging Face model folder (no config.json)")
        if settings.threads:
            torch.set_num_threads(settings.threads)
        self.n_ctx = settings.n_ctx
        start = time.perf_counter()
        self.model, self.tokenizer = load_hf(folder)
        self.load_s = time.perf_counter() - start
        eos = self.model.generation_config.eos_token_id
        if eos is None:
            eos = self.tokenizer.eos_token_id
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])
        self._first_generation = True

    def prompt_tokens(self, messages: list[dict]) -> list[int]:
        if not self.tokenizer.chat_template:
            raise EdgebenchError("this model folder has no chat template; add one to tokenizer_config.json")
        ids = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
        return list(ids["input_ids"] if isinstance(ids, dict) or hasattr(ids, "keys") else ids)

    def tokenize(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def detokenize(self, token_ids: list[int]) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=False)

    @torch.inference_mode()
    def _step(self, tokens: list[int], cache: DynamicCache) -> torch.Tensor:
        return self.model(torch.tensor([tokens]), past_key_values=cache, use_cache=True).logits[0, -1]

    @staticmethod
    def _pick(logits: torch.Tensor, sampling: Sampling, generator: torch.Generator) -> int:
        if sampling.greedy:
            return int(logits.argmax())
        scaled = logits / sampling.temperature
        if sampling.top_k > 0:
            kth = torch.topk(scaled, min(sampling.top_k, scaled.numel())).values[-1]
            scaled = scaled.masked_fill(scaled < kth, float("-inf"))
        probs = torch.softmax(scaled, -1)
        if sampling.top_p < 1.0:
            ordered, order = probs.sort(descending=True)
            outside = ordered.cumsum(-1) - ordered > sampling.top_p  # keep the smallest set reaching top_p
            probs = probs.clone()
            probs[order[outside]] = 0.0
        return int(torch.multinomial(probs, 1, generator=generator))

    def generate(self, messages: list[dict], sampling: Sampling) -> Generation:
        if sampling.json_schema:
            raise EdgebenchError("the torch backend does not constrain output to a JSON schema; use the llamacpp backend for a local judge")
        prompt = self.prompt_tokens(messages)
        check_context(len(prompt), sampling.max_tokens, self.n_ctx)
        timings = Timings(load_s=self.load_s if self._first_generation else 0.0)
        self._first_generation = False
        generator = torch.Generator().manual_seed(sampling.seed)
        cache = DynamicCache()
        start = time.perf_counter()
        logits = self._step(prompt, cache)
        timings.prompt_eval_s = time.perf_counter() - start

        def step(previous: int | None) -> int:
            return self._pick(logits if previous is None else self._step([previous], cache), sampling, generator)

        tokens, stop_reason = decode_loop(step, sampling.max_tokens, self.eos_ids.__contains__, timings)
        return Generation(text=self.detokenize(tokens), token_ids=tokens, stop_reason=stop_reason,
                          prompt_tokens=len(prompt), timings=timings)

    @torch.inference_mode()
    def logits(self, token_ids: list[int]) -> np.ndarray:
        return self.model(torch.tensor([token_ids])).logits[0].float().numpy()

    @torch.inference_mode()
    def last_hidden(self, token_ids: list[int]) -> np.ndarray:
        """The final-layer hidden state (after the final norm, as llama.cpp's embeddings) at the last position."""
        return self.model.base_model(torch.tensor([token_ids])).last_hidden_state[0, -1].float().numpy()

    def timed_decode(self, prefix: list[int], n_steps: int) -> tuple[float, list[float]]:
        cache = DynamicCache()
        start = time.perf_counter()
        token = int(self._step(prefix, cache).argmax())
        prefill_s = time.perf_counter() - start
        return prefill_s, timed_steps(lambda last: int(self._step([last], cache).argmax()), token, n_steps)

    def close(self) -> None:
        self.model = None
