"""The assistant's replies to a batch of questions, from the real Rasa and action servers over REST, for a blind
judge who sees only each question and its reply (docs/evaluation.md, "Does the reply fit?"). Each question is the
first message of a conversation of its own; the topics of the batch are left out of what is written.

    .venv/bin/python -m eval.replies BATCH.yml OUT.yml [--model models/assistant.tar.gz]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Dict, List

import requests
import yaml

from eval.questions import MODEL, load_questions
from scripts.launch import BIN, ROOT, Service, free_port, rasa_server, with_env_sh


def reply_text(messages: List[Dict]) -> str:
    """What the patient reads: each message's text, and the titles of its buttons."""
    parts = []
    for message in messages:
        if message.get("text"):
            parts.append(message["text"])
        titles = [b.get("title", "") for b in message.get("buttons") or [] if b.get("title")]
        if titles:
            parts.append("[buttons: " + " | ".join(titles) + "]")
    return "\n".join(parts)


def replies(texts: List[str], model: Path, workdir: Path) -> List[str]:
    rasa_port, action_port = free_port(), free_port()
    env = with_env_sh(dict(os.environ, PYTHONPATH=str(ROOT), RASA_PORT=str(rasa_port), ACTION_PORT=str(action_port),
                           RATE_LIMIT_PER_SENDER="0", RATE_LIMIT_PER_ADDRESS="0",
                           DATABASE_URL=f"sqlite:///{workdir / 'kb.db'}",
                           TRACKER_STORE_URL=f"sqlite:///{workdir / 'tracker.db'}"))
    subprocess.run([str(BIN / "python"), "-m", "bot", "kb", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    actions = Service("action server", [str(BIN / "python"), "-m", "bot.rasa.action_server", "--port", str(action_port)],
                      env, workdir / "actions.log", f"http://127.0.0.1:{action_port}/health")
    rasa = Service("rasa server", rasa_server(model, rasa_port, ["*"]), env, workdir / "rasa.log",
                   f"http://127.0.0.1:{rasa_port}/")
    actions.start()
    try:
        rasa.start(timeout=300)
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        return [reply_text(requests.post(url, json={"sender": f"judge-{uuid.uuid4().hex[:10]}", "message": text},
                                         timeout=60).json()) for text in texts]
    finally:
        rasa.stop()
        actions.stop()


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batch", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    questions = load_questions(args.batch)
    with tempfile.TemporaryDirectory() as workdir:
        answers = replies([q["text"] for q in questions], args.model, Path(workdir))
    pairs = [{"id": index + 1, "question": q["text"], "reply": a} for index, (q, a) in enumerate(zip(questions, answers))]
    args.out.write_text(yaml.safe_dump({"pairs": pairs}, allow_unicode=True, sort_keys=False, width=120),
                        encoding="utf-8")
    print(f"{args.out}: {len(pairs)} questions with the assistant's replies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
