"""The clinic page with its chat widget, served by a small standard-library HTTP server (GET and HEAD only).

    /              the clinic page (templates/index.html), filled in from the clinic profile at serve time
    /config.json   what the widget needs: where the Rasa REST channel is, the clinic's name and numbers
    /static/NAME   the widget (widget.js, widget.css) and the page's stylesheet
    /health        "ok"

The widget talks to the Rasa server directly (POST <rasa>/webhooks/rest/webhook), so the Rasa server must
allow this page's origin (`rasa run --cors ...`). Where the Rasa server is: WEB_RASA_URL when set (e.g. a
public https address behind a proxy), else the page's own host name on RASA_PORT.

    python -m bot.web.server [--host 127.0.0.1] [--port 8080]   (WEB_HOST, WEB_PORT)
"""
from __future__ import annotations

import argparse
import html
import json
import logging
import re
import signal
import string
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Optional, Tuple
from urllib.parse import urlsplit

from bot import safety_texts
from bot.clinic import ClinicProfile, load_profile
from bot.settings import check, settings

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE = HERE / "templates" / "index.html"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}
_HOST_NAME = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])$")


def tel_href(number: str) -> str:
    """`tel:` target of a displayed number: "(555) 010-0100" -> "tel:5550100100"."""
    return "tel:" + re.sub(r"[^0-9+]", "", number)


def rasa_port() -> int:
    return settings().rasa_port


def page_values(profile: ClinicProfile) -> Dict[str, str]:
    """The template's $placeholders, HTML-escaped."""
    values = {
        "clinic_name": profile.name, "address": profile.address, "emergency_number": profile.emergency_number,
        "office_phone": profile.office_phone, "on_call_phone": profile.on_call_phone,
        "hours_text": profile.hours_text(),
        "emergency_tel": tel_href(profile.emergency_number), "office_tel": tel_href(profile.office_phone),
        "on_call_tel": tel_href(profile.on_call_phone),
        "sample_notice": ("Sample clinic: the name, address and numbers on this page are examples, not a real clinic."
                          if profile.sample_data else ""),
    }
    return {key: html.escape(value, quote=True) for key, value in values.items()}


def render_page(profile: Optional[ClinicProfile] = None) -> str:
    return string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(page_values(profile or load_profile()))


def widget_config(profile: Optional[ClinicProfile] = None) -> dict:
    profile = profile or load_profile()
    number = profile.number_for_now()
    return {
        "rasa_url": settings().web_rasa_url,
        "rasa_port": rasa_port(),
        # how long the browser keeps the transcript (WEB_TRANSCRIPT_HOURS, default 12): mind shared computers
        "transcript_hours": settings().web_transcript_hours,
        "clinic": {
            "name": profile.name, "emergency_number": profile.emergency_number,
            "number_for_now": number, "office_phone": profile.office_phone, "on_call_phone": profile.on_call_phone,
            "is_open": profile.is_open(),
            "intro": safety_texts.for_clinic("widget_intro", profile),
            "unreachable": safety_texts.for_clinic("unreachable", profile),
        },
    }


def _host_name(host_header: Optional[str]) -> Optional[str]:
    """The host name of a Host header ("clinic.example:8080" -> "clinic.example"), if it is a plain one."""
    if not host_header:
        return None
    if host_header.startswith("["):  # [::1]:8080
        end = host_header.find("]")
        name = host_header[: end + 1] if end > 0 else ""
    else:
        name = host_header.split(":", 1)[0]
    return name if _HOST_NAME.match(name) else None


def connect_sources(host_header: Optional[str]) -> str:
    """CSP connect-src: this page and the Rasa server the widget will call, nothing else."""
    explicit = settings().web_rasa_url
    if explicit:
        parts = urlsplit(explicit)
        if parts.scheme in ("http", "https") and parts.netloc and _host_name(parts.netloc):
            return f"'self' {parts.scheme}://{parts.netloc}"
        return "'self'"
    name = _host_name(host_header)
    if not name:
        return "'self'"
    return f"'self' http://{name}:{rasa_port()} https://{name}:{rasa_port()}"


class Handler(BaseHTTPRequestHandler):
    server_version = "ClinicPage/1"
    sys_version = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(send_body=False)

    def _not_allowed(self) -> None:
        self._respond(send_body=True, route=lambda: (HTTPStatus.METHOD_NOT_ALLOWED, "text/plain; charset=utf-8",
                                                     b"method not allowed"))

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed

    def _route(self) -> Tuple[HTTPStatus, str, bytes]:
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            return HTTPStatus.OK, "text/html; charset=utf-8", render_page().encode("utf-8")
        if path == "/config.json":
            return HTTPStatus.OK, "application/json", json.dumps(widget_config()).encode("utf-8")
        if path == "/health":
            return HTTPStatus.OK, "text/plain; charset=utf-8", b"ok"
        if path.startswith("/static/"):
            name = path[len("/static/"):]
            files = {p.name: p for p in STATIC_DIR.iterdir() if p.is_file()}
            if name in files and files[name].suffix in CONTENT_TYPES:  # no sub-paths, no traversal
                return HTTPStatus.OK, CONTENT_TYPES[files[name].suffix], files[name].read_bytes()
        return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found"

    def _respond(self, send_body: bool, route=None) -> None:
        try:
            status, content_type, body = (route or self._route)()
        except Exception:  # a broken clinic profile or template: say so without details
            logger.exception("serving %s failed", urlsplit(self.path).path)
            status, content_type, body = (HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                                          b"The page is not available. In an emergency, call your local emergency number.")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == HTTPStatus.METHOD_NOT_ALLOWED:
            self.send_header("Allow", "GET, HEAD")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect_sources(self.headers.get('Host'))}; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 — the path only, never a query
        logger.info("%s %s", self.command, urlsplit(self.path).path)


def make_server(host: str = "0.0.0.0", port: int = 8080) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.web.server", description="serves the clinic page and its chat widget")
    configured = check()  # a bad setting stops the server here, with its name
    parser.add_argument("--host", default=configured.web_host)
    parser.add_argument("--port", type=int, default=configured.web_port)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s - %(message)s")
    load_profile()  # a broken clinic profile stops the server here, not at the first patient
    # Ctrl-C stops it even when started in the background of a script (where SIGINT starts out ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = make_server(args.host, args.port)
    logger.info("clinic page on http://%s:%d/", "localhost" if args.host in ("0.0.0.0", "") else args.host, args.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
