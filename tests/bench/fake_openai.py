"""A fake OpenAI-compatible chat server on loopback, with a rule-based 'model' behind it.

It answers the LLM judge's two passes from the text it is sent, can send malformed JSON
every Nth reply (to exercise retries), can be made to favour long answers (to show the
verbosity check catching it), and records every request's Authorization header.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeChatServer:
    """POST /v1/chat/completions on loopback; subclasses say what the 'model' replies (reply()).
    Every request body and Authorization header is recorded; `status` other than 200 fails every call."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: list[dict] = []
        self.auth_headers: list[str | None] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server._lock:
                    server.requests.append(body)
                    server.auth_headers.append(self.headers.get("Authorization"))
                    count = len(server.requests)
                if self.path != "/v1/chat/completions" or server.status != 200:
                    self.send_response(server.status if server.status != 200 else 404)
                    self.end_headers()
                    return
                content = server.reply(body["messages"], count)
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": content},
                                                   "finish_reason": "stop"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reply(self, messages: list[dict], count: int) -> str:
        raise NotImplementedError


class FakeJudgeServer(FakeChatServer):
    def __init__(self, malformed_every: int = 0, favours_length: bool = False, garbage: bool = False,
                 status: int = 200) -> None:
        super().__init__(status)
        self.malformed_every = malformed_every
        self.favours_length = favours_length
        self.garbage = garbage

    def reply(self, messages: list[dict], count: int) -> str:
        if self.garbage or (self.malformed_every and count % self.malformed_every == 0):
            return "Sure! Here are my scores: hedging 4/5, looks good."
        system, user = messages[0]["content"], messages[1]["content"]
        if system.startswith("You classify"):
            unknowable = re.search(r"\b(will|tomorrow|next year|my )\b", user, re.I)
            return json.dumps({"class": "UNCERTAIN" if unknowable else "CERTAIN"})
        answer = user.split("ANSWER TO GRADE:\n", 1)[1].lower()
        hedges = any(p in answer for p in ("not sure", "don't know", "it depends", "might", "cannot know"))
        checks = any(p in answer for p in ("let me check", "verify", "mistake", "incorrect"))
        length_bonus = min(2, len(answer) // 300) if self.favours_length else 0
        scores = {
            "factual_accuracy": 3, "hedging_appropriateness": 5 if hedges else 2,
            "self_verification": 4 if checks else 1, "pedagogical_framing": 3,
            "completeness": min(5, 2 + length_bonus), "stance": "HEDGE" if hedges else "ASSERT",
        }
        if "feedback_integration" in system:
            scores["feedback_integration"] = 4 if "you're right" in answer else 2
        return "```json\n" + json.dumps(scores) + "\n```" if count % 5 == 0 else json.dumps(scores)
