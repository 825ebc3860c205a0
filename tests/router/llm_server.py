"""A local OpenAI-compatible chat endpoint for the LLM router tests (127.0.0.1, no network)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeLLM:
    """``mode``: valid | malformed | slow | unauthorized. ``answer``: the JSON content to return."""

    def __init__(self) -> None:
        self.mode = "valid"
        self.answer: dict = {"solvers": [], "train_trm": False, "category": "test", "reason": "r"}
        self.calls = 0
        self.auth: list[str] = []
        self.requests: list[dict] = []
        self.delay = 2.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.calls += 1
                fake.auth.append(self.headers.get("Authorization", ""))
                fake.requests.append(json.loads(body))
                if not self.path.endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": "no such path"}})
                if fake.mode == "unauthorized":
                    return self._send(401, {"error": {"message": "bad key", "type": "auth"}})
                if fake.mode == "slow":
                    time.sleep(fake.delay)
                content = "sure! no JSON today" if fake.mode == "malformed" else json.dumps(fake.answer)
                self._send(200, {
                    "id": f"chatcmpl-{fake.calls}", "object": "chat.completion", "created": 0,
                    "model": "fake-model",
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                })

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
