"""Starting the assistant's servers as child processes, for the replicated layout (scripts/replicated.py), the tests
and the bench: one command line of the Rasa server, one process class."""
from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Dict, List, Optional

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "assistant.tar.gz"


def rasa_server(model: Path, port: int, cors: List[str], endpoints: Path = ROOT / "endpoints.yml",
                credentials: Path = ROOT / "credentials.yml", stock: bool = False) -> List[str]:
    """The command of a Rasa server: the assistant's entry point (bot/rasa/server.py, Rasa with its patches), or
    stock `rasa run` for the bench's baseline."""
    start = [str(BIN / "rasa")] if stock else [str(BIN / "python"), "-m", "bot.rasa.server"]
    return start + ["run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port), "--cors", *cors,
                    "--endpoints", str(endpoints), "--credentials", str(credentials)]


def with_env_sh(env: Dict[str, str]) -> Dict[str, str]:
    """scripts/env.sh sourced over `env`, as `make run` does: it only fills in what is unset."""
    done = subprocess.run(["bash", "-c", "source scripts/env.sh && env -0"], cwd=ROOT, env=env,
                          capture_output=True, check=True)
    return dict(item.split("=", 1) for item in done.stdout.decode().split("\0") if "=" in item)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Service:
    """A server as a child process: `launch` starts it, `start` also waits until its health address answers 200
    (a service without one, like the bench's, is waited for by its caller)."""

    def __init__(self, name: str, command: List[str], env: Dict[str, str], log: Path,
                 health_url: Optional[str] = None, own_session: bool = False) -> None:
        self.name, self.command, self.env, self.log, self.health_url = name, command, env, log, health_url
        self.own_session = own_session  # the bench measures the process tree apart from its own
        self.process: Optional[subprocess.Popen] = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def launch(self) -> None:
        handle = open(self.log, "ab")
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT,
                                        start_new_session=self.own_session)

    def start(self, timeout: float = 180) -> None:
        self.launch()
        if not self.health_url:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            try:
                if requests.get(self.health_url, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)  # polling for readiness, not synchronising the test
        raise RuntimeError(f"{self.name} not ready after {timeout} s; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """Gone at once, as a crashed process or a lost machine would be (no clean shutdown)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
