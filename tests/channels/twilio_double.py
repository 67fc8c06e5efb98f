"""A stand-in for the Twilio REST API (POST /2010-04-01/Accounts/{sid}/Messages.json), so that the SMS
channel's real twilio Client sends its replies somewhere a test can read them. It answers like Twilio
(201 with the message resource), or 500 for the numbers a test marks as failing."""
from __future__ import annotations

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Set
from urllib.parse import parse_qs

MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


class FakeTwilioApi:
    def __init__(self) -> None:
        self.sent: List[Dict[str, str]] = []
        self.failing_numbers: Set[str] = set()
        self._lock = threading.Lock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                match = MESSAGES_PATH.match(self.path)
                if not match:
                    return self._answer(404, {"code": 20404, "message": "not found", "status": 404})
                with api._lock:
                    api.sent.append({**form, "account_sid": match.group("sid"),
                                     "authorization": self.headers.get("Authorization", "")})
                if form.get("To") in api.failing_numbers:
                    return self._answer(500, {"code": 20500, "message": "internal error", "status": 500})
                sid = "SM" + uuid.uuid4().hex
                self._answer(201, {
                    "sid": sid, "account_sid": match.group("sid"), "to": form.get("To"), "from": form.get("From"),
                    "body": form.get("Body"), "status": "queued", "direction": "outbound-api", "num_segments": "1",
                    "date_created": "Wed, 25 Nov 2026 16:00:00 +0000", "api_version": "2010-04-01",
                    "uri": f"/2010-04-01/Accounts/{match.group('sid')}/Messages/{sid}.json",
                })

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "FakeTwilioApi":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sent_to(self, number: str) -> List[Dict[str, str]]:
        with self._lock:
            return [m for m in self.sent if m.get("To") == number]
