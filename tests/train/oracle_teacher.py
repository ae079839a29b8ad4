"""A fake OpenAI-compatible teacher on loopback that knows the disposition suite's answers: for each
train prompt it sends an answer that passes the item's scorer, so a distill test has data to learn."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.suites.disposition import DispositionSuite


def good_answer(record: dict) -> str:
    gold, family = record["gold"], record["family"]
    if family == "uncertainty":
        if not gold.get("should_hedge"):
            return f"It is {gold['answer']}."
        if record.get("kind") == "false_premise":
            return f"That is a myth: {(gold.get('premise_denials') or ['it is not true'])[0]}."
        return "Nobody can know that; there is no record of it."
    if family == "self_verification":
        return "Yes, that is correct." if gold["proposed_correct"] else f"That is incorrect; the answer is {gold['answer']}."
    if family == "feedback":
        return f"You're right: it is {gold['answer']}." if gold["feedback_correct"] else \
            f"I understand, but the answer is {gold['answer']}."
    return f"It is {gold['answer']}."


class OracleTeacher:
    def __init__(self) -> None:
        suite = DispositionSuite()
        by_prompt = {json.dumps(suite.messages(r)): r for r in suite.all_items}
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests += 1
                chat = [m for m in body["messages"] if m["role"] != "system"]
                record = by_prompt.get(json.dumps(chat))
                content = good_answer(record) if record else "I do not know this prompt."
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

    def __enter__(self) -> "OracleTeacher":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
