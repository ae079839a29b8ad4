"""Chat clients the LLM judge talks through: an OpenAI-compatible HTTP endpoint
(llama-server, Ollama, vLLM, a hosted API) or a local model through an edge backend.

The API key is read from an environment variable at request time and only ever put in
the Authorization header: it is never stored on the client, written, or put in an error.
The HTTP client is the standard library's: one JSON POST needs no SDK.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol

from edge.errors import EdgebenchError

DEFAULT_KEY_ENV = "EDGEBENCH_JUDGE_API_KEY"


class ChatClient(Protocol):
    name: str  # recorded with every score, so runs judged differently are never compared

    def chat(self, messages: list[dict], max_tokens: int, json_schema: str | None = None) -> str: ...

    def close(self) -> None: ...


class OpenAIClient:
    """POST {base_url}/chat/completions, greedy, one reply per call."""

    def __init__(self, base_url: str, model: str, api_key_env: str = DEFAULT_KEY_ENV, timeout_s: float = 120.0,
                 role: str = "judge") -> None:
        self.role = role  # who this endpoint is in errors: the judge, or a teacher
        if not base_url.startswith(("http://", "https://")):
            raise EdgebenchError(f"{role} endpoint must be an http(s) URL such as http://127.0.0.1:8080/v1, got {base_url!r}")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.api_key_env = api_key_env
        self.timeout_s = timeout_s
        self.name = f"llm:{model}@{base_url.rstrip('/')}"

    def chat(self, messages: list[dict], max_tokens: int, json_schema: str | None = None) -> str:
        # json_schema is not sent: support for response_format differs between servers, and the
        # judge checks and retries every reply anyway.
        return self.complete(messages, max_tokens)[0]

    def complete(self, messages: list[dict], max_tokens: int, temperature: float = 0.0, seed: int = 0) -> tuple[str, str]:
        """(reply, finish reason: "stop" or "length")."""
        body = json.dumps({"model": self.model, "messages": messages, "temperature": temperature,
                           "max_tokens": max_tokens, "seed": seed}).encode()
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                data = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            hint = f"; is ${self.api_key_env} set?" if exc.code in (401, 403) else ""
            raise EdgebenchError(f"{self.role} endpoint {self.url} answered HTTP {exc.code}{hint}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise EdgebenchError(f"cannot reach {self.role} endpoint {self.url} ({reason}); is the server running?") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise EdgebenchError(f"{self.role} endpoint {self.url} did not answer JSON; is it OpenAI-compatible?") from None
        try:
            choice = data["choices"][0]
            return choice["message"]["content"] or "", "length" if choice.get("finish_reason") == "length" else "stop"
        except (KeyError, IndexError, TypeError, AttributeError):
            raise EdgebenchError(f"{self.role} endpoint {self.url} answered without choices[0].message.content") from None

    def close(self) -> None:
        pass


class BackendClient:
    """A local model as judge, through any edge backend (llamacpp by default)."""

    def __init__(self, model_path: Path, settings, backend: str = "llamacpp") -> None:
        from edge.backend import open_backend
        from edge.gguf_inspect import inspect_gguf

        inspect_gguf(model_path)
        self.backend = open_backend(backend, model_path, settings)
        self.name = f"llm:{model_path.name}@{backend}"

    def chat(self, messages: list[dict], max_tokens: int, json_schema: str | None = None) -> str:
        """Greedy; with a schema, llama.cpp's grammar sampler keeps even a small model to valid JSON."""
        from edge.backend import Sampling

        return self.backend.generate(messages, Sampling(max_tokens=max_tokens, json_schema=json_schema)).text

    def close(self) -> None:
        self.backend.close()


def open_client(model: str, endpoint: str | None = None, api_key_env: str = DEFAULT_KEY_ENV, settings=None) -> ChatClient:
    """An endpoint URL gives the HTTP client; otherwise `model` is a GGUF path or 'default', run with
    `settings` (the device's, with --profile, --threads and --repack applied; default: the detected profile's)."""
    if endpoint:
        return OpenAIClient(endpoint, model, api_key_env)
    from edge.gguf_inspect import resolve_model
    from edge.profiles import device_settings

    return BackendClient(resolve_model(model), settings or device_settings().settings)
