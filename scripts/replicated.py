"""The replicated layout on one machine: nginx (Debian's package) on one port in front of several Rasa servers and
several action servers, all on PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), and the clinic page.

    .venv/bin/python scripts/replicated.py [--rasa 2] [--actions 2] [--port 8088]      (make run-replicated)

Through nginx's port: the clinic page at /, the REST and Twilio webhooks at /webhooks/ (round robin: any Rasa server
can take any turn, the conversation's state is in PostgreSQL and its lock in Redis), socket.io at /socket.io/
(sticky by client address: its polling transport needs every request of a client on one server). The Rasa servers
reach the action servers through a second nginx port, also round robin. A server that is down is skipped: nginx
passes a request it could not deliver to the next server."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

if __package__ in (None, ""):  # run as a script: the project's root on the path, for `scripts.launch` and `bot`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.launch import BIN, MODEL, ROOT, Service, free_port, rasa_server, with_env_sh  # noqa: E402

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/kyphoplasty_assistant"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format upstream '$remote_addr "$request" $status upstream=$upstream_addr rt=$request_time';
    access_log {work}/nginx-access.log upstream;
    client_body_temp_path {work}/nginx-tmp/body;
    proxy_temp_path {work}/nginx-tmp/proxy;
    fastcgi_temp_path {work}/nginx-tmp/fastcgi;
    uwsgi_temp_path {work}/nginx-tmp/uwsgi;
    scgi_temp_path {work}/nginx-tmp/scgi;
    client_max_body_size 1m;
    # Bodies and answers stay in memory: nginx's workers run as another user, who may not write under the workdir.
    client_body_buffer_size 4m;
    proxy_max_temp_file_size 0;
    # A request that could not reach a server goes to the next one (for a POST only when nothing was sent yet).
    proxy_next_upstream error timeout http_502 http_503;
    proxy_next_upstream_tries {tries};
    proxy_connect_timeout 2s;
    proxy_read_timeout 60s;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;

    upstream rasa {{
{rasa_servers}
    }}
    upstream rasa_sticky {{
        ip_hash;
{rasa_servers}
    }}
    upstream actions {{
{action_servers}
    }}
    upstream page {{
        server 127.0.0.1:{page_port};
    }}
    server {{
        listen 127.0.0.1:{port};
        location /socket.io/ {{
            proxy_pass http://rasa_sticky;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
        }}
        location /webhooks/ {{
            proxy_pass http://rasa;
            # A turn whose server died while answering is sent to the other one: Rasa stores a turn only once it is
            # answered, so the patient's message is neither lost nor (but for a kill in that last instant) doubled.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
        }}
        location / {{ proxy_pass http://page; }}
    }}
    server {{
        listen 127.0.0.1:{actions_port};
        client_max_body_size 4m;  # a tracker goes with each call; the action server itself refuses past 2 MB
        location / {{ proxy_pass http://actions; }}
    }}
}}
"""


def _servers(ports: List[int]) -> str:
    # max_fails=1: a server that refused a connection is left out for 5 s, then tried again (a restarted one returns)
    return "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports)


class Layout:
    """Starts, stops, kills and restarts the servers of the layout; `url` is nginx's address."""

    def __init__(self, workdir: Path, rasa: int = 2, actions: int = 2, port: Optional[int] = None,
                 env: Optional[Dict[str, str]] = None) -> None:
        if not Path(NGINX).exists():
            raise RuntimeError("nginx is not installed: apt-get install -y nginx (make run-replicated does it)")
        self.workdir = workdir
        self.port, self.actions_port, self.page_port = port or free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        base = dict(os.environ)
        base.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
        base.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
        base.update(env or {})
        base.update(PYTHONPATH=str(ROOT), TRACKER_STORE_URL=base.get("TRACKER_STORE_URL") or base["DATABASE_URL"],
                    ACTION_HOST="127.0.0.1", ACTION_PORT=str(self.actions_port), SANIC_WORKERS="1",
                    WEB_RASA_URL=self.url, CORS_ORIGINS=self.url)
        self.env = with_env_sh(base)
        self.rasa = [self._rasa(free_port(), index) for index in range(rasa)]
        self.actions = [self._actions(free_port(), index) for index in range(actions)]
        self.page = Service("page server", [str(BIN / "python"), "-m", "bot.web.server", "--port", str(self.page_port)],
                            self.env, workdir / "page.log", f"http://127.0.0.1:{self.page_port}/")
        self.nginx: Optional[subprocess.Popen] = None

    def _rasa(self, port: int, index: int) -> Service:
        service = Service(f"rasa server {index + 1}",
                          rasa_server(MODEL, port, [self.url]),
                          self.env, self.workdir / f"rasa-{index + 1}.log", f"http://127.0.0.1:{port}/webhooks/rest/")
        service.port = port
        return service

    def _actions(self, port: int, index: int) -> Service:
        service = Service(f"action server {index + 1}",
                          [str(BIN / "python"), "-m", "bot.rasa.action_server", "--port", str(port)],
                          self.env, self.workdir / f"actions-{index + 1}.log", f"http://127.0.0.1:{port}/health")
        service.port = port
        return service

    def nginx_conf(self) -> str:
        return NGINX_CONF.format(work=self.workdir, port=self.port, actions_port=self.actions_port,
                                 page_port=self.page_port, tries=max(len(self.rasa), len(self.actions)),
                                 rasa_servers=_servers([s.port for s in self.rasa]),
                                 action_servers=_servers([s.port for s in self.actions]))

    def start(self) -> "Layout":
        subprocess.run([str(BIN / "python"), "-m", "bot", "kb", "load"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True)  # also migrates the schema, once, before the servers start
        (self.workdir / "nginx-tmp").mkdir(parents=True, exist_ok=True)
        conf = self.workdir / "nginx.conf"
        conf.write_text(self.nginx_conf())
        subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-e", str(self.workdir / "nginx-error.log")], check=True)
        self.nginx = subprocess.Popen([NGINX, "-c", str(conf), "-e", str(self.workdir / "nginx-error.log")])
        try:
            for service in self.actions:
                service.start()
            for service in self.rasa:  # one at a time: two loading a model at once on two cores time out less often
                service.start()
            self.page.start()
        except BaseException:  # a server that did not come up: stop the others (they kept loading CPU after a
            self.stop()        # failed soak and slowed the next run to a third of its throughput, 2026-12-02)
            raise
        return self

    def stop(self) -> None:
        for service in [self.page, *self.rasa, *self.actions]:
            service.stop()
        if self.nginx and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=20)

    def upstreams(self, at_least: int = 0, wait_seconds: float = 5.0) -> List[str]:
        """The Rasa server (host:port) that took each request through nginx so far, in order. nginx logs a request
        after its reply is sent, so a caller who knows how many were sent waits for `at_least` lines."""
        log = self.workdir / "nginx-access.log"
        deadline = time.monotonic() + wait_seconds
        while True:
            lines = log.read_text().splitlines() if log.exists() else []
            taken = [line.split("upstream=")[1].split()[0] for line in lines if "/webhooks/rest/webhook" in line]
            if len(taken) >= at_least or time.monotonic() > deadline:
                return taken
            time.sleep(0.05)


def ensure_database(url: str) -> None:
    """Creates the PostgreSQL database of `url` when it does not exist yet (the tables are the migrations' job)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.drivername.startswith("postgresql"):
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": target.database}).scalar():
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa", type=int, default=2, help="Rasa servers (default 2)")
    parser.add_argument("--actions", type=int, default=2, help="action servers (default 2)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("REPLICATED_PORT") or 8088))
    args = parser.parse_args(argv)
    workdir = ROOT / "var" / "replicated"
    workdir.mkdir(parents=True, exist_ok=True)
    layout = Layout(workdir, args.rasa, args.actions, args.port)
    ensure_database(layout.env["DATABASE_URL"])
    print(f"starting {args.rasa} Rasa servers and {args.actions} action servers on {layout.env['DATABASE_URL']} "
          f"and {layout.env['REDIS_URL']} (about a minute; logs in {workdir})")
    try:
        layout.start()
        print(f"ready: {layout.url}/ (the clinic page), {layout.url}/webhooks/rest/webhook (REST); Ctrl-C stops")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        layout.stop()
        print("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
