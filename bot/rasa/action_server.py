"""The action server (`python -m bot.rasa.action_server --port 5055`): rasa_sdk's app, reachable only by the
Rasa servers.

- Every call to /webhook and /actions carries the header X-Action-Token with ACTION_SERVER_TOKEN (endpoints.yml
  sends it); any other call gets 401 and runs nothing.
- It listens on ACTION_HOST (default 127.0.0.1, or the private address the deployment names).
- A body over ACTION_MAX_BODY_BYTES is refused (413), a compressed one too if it expands past that.
- An error answers 500 with no more than "the action failed": rasa_sdk's own handler echoes the whole request
  (the tracker, with the patient's messages) back, and Rasa logs what it gets back.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import zlib

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request

from bot.log_privacy import hold_logs_at_info
from bot.production_secrets import check_all, secret
from bot.settings import check, settings

logger = logging.getLogger(__name__)
TOKEN_HEADER = "X-Action-Token"
GUARDED_PATHS = ("/webhook", "/actions")


def max_body_bytes() -> int:
    return settings().action_max_body_bytes


def _expands_past(body: bytes, limit: int) -> bool:
    expander = zlib.decompressobj()
    try:
        expander.decompress(body, limit + 1)
    except zlib.error:
        return False  # not valid deflate: rasa_sdk answers it with its own 400
    return bool(expander.unconsumed_tail)


def guarded_app(action_package: str = "actions") -> Sanic:
    check_all()  # in production, no development secret
    hold_logs_at_info()  # no patient text in production logs, even with --debug
    token = secret("ACTION_SERVER_TOKEN")
    app = create_app(action_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = max_body_bytes()

    @app.on_request
    async def only_the_rasa_servers(request: Request):
        if request.path not in GUARDED_PATHS:
            return None
        if not hmac.compare_digest(request.headers.get(TOKEN_HEADER, "").encode(), token.encode()):
            logger.warning("refused a call to %s without the action server's token", request.path)
            return response.json({"error": "unauthorized"}, status=401)
        if request.headers.get("Content-Encoding") == "deflate" and _expands_past(request.body, max_body_bytes()):
            return response.json({"error": "body too large"}, status=413)
        return None

    async def failed(request: Request, exception: Exception):
        logger.error("action call to %s failed: %s", request.path, type(exception).__name__)
        status = getattr(exception, "status_code", 500)
        return response.json({"error": "the action failed"}, status=status if 400 <= status < 600 else 500)

    app.error_handler.add(Exception, failed)

    @app.listener("after_server_start")
    async def start_the_alert_outbox(app_: Sanic, loop) -> None:
        from actions import services
        from bot.alerts import outbox_worker

        app_.ctx.outbox = loop.create_task(outbox_worker(services.sessions()))

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    configured = check()  # a bad setting stops the server here, with its name
    parser.add_argument("--port", type=int, default=configured.action_port)
    parser.add_argument("--host", default=configured.action_host)
    parser.add_argument("--actions", default="actions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = guarded_app(args.actions)
    logger.info("action server on http://%s:%s", args.host, args.port)
    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
