"""What an attacker's client does to the assistant's servers in tests/security: a fresh sender, a raw REST post, a
call to the action server, and the addresses a port listens on."""
from __future__ import annotations

import json
import uuid

import requests

from tests.e2e.servers import Assistant


def new_sender() -> str:
    return f"sec-{uuid.uuid4().hex[:10]}"


def post(assistant: Assistant, body, **kwargs) -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(assistant.url, data=data, headers={"Content-Type": "application/json"}, timeout=30, **kwargs)


def action_call(assistant: Assistant, headers=None, data=None) -> requests.Response:
    body = data if data is not None else json.dumps({
        "next_action": "action_triage", "sender_id": "rest:victim", "version": "3.6.21",
        "tracker": {"sender_id": "rest:victim", "slots": {}, "latest_message": {
            "text": "my chest hurts", "intent": {"name": "report_symptom"},
            "entities": [{"entity": "level_emergency", "value": "chest_pain"}]}, "events": []},
        "domain": {}})
    return requests.post(f"http://127.0.0.1:{assistant.action_port}/webhook", data=body,
                         headers={"Content-Type": "application/json", **(headers or {})}, timeout=30)


def listening_addresses(port: int) -> set:
    """The local addresses listening on a TCP port, from /proc/net/tcp and tcp6 (state 0A = LISTEN)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in open(table).read().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found
