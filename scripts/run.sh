#!/usr/bin/env bash
# Starts the action server, the Rasa server (REST + socket.io) and the clinic page with its chat widget
# (bot/web) on the embedded defaults; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p var/log
# Plainly, before anything starts: content a clinician has not signed off (python -m bot review status).
.venv/bin/python -m bot review status || true

.venv/bin/python -m bot.rasa.action_server --port "$ACTION_PORT" > var/log/actions.log 2>&1 &
actions_pid=$!
.venv/bin/python -m bot.rasa.server run --model models/assistant.tar.gz --interface "$RASA_HOST" --port "$RASA_PORT" --cors $CORS_ORIGINS \
  --endpoints endpoints.yml --credentials credentials.yml > var/log/rasa.log 2>&1 &
rasa_pid=$!
.venv/bin/python -m bot.web.server --host "$WEB_HOST" --port "$WEB_PORT" > var/log/web.log 2>&1 &
web_pid=$!
trap 'kill $actions_pid $rasa_pid $web_pid 2>/dev/null; wait; echo "stopped"' INT TERM EXIT

echo "Starting (about 20 s). Logs: var/log/rasa.log, var/log/actions.log"
until curl -sf "http://localhost:$RASA_PORT/webhooks/rest/" > /dev/null; do
  kill -0 $rasa_pid 2>/dev/null || { echo "the Rasa server stopped; see var/log/rasa.log"; exit 1; }
  sleep 1
done
echo "Assistant ready:"
echo "  web page:  http://localhost:$WEB_PORT/  (the clinic page with the chat widget; log: var/log/web.log)"
echo "  REST:      POST http://localhost:$RASA_PORT/webhooks/rest/webhook  {\"sender\": \"me\", \"message\": \"hello\"}"
echo "  socket.io: http://localhost:$RASA_PORT/socket.io"
echo "  actions:   http://localhost:$ACTION_PORT/webhook"
echo "Press Ctrl-C to stop."
wait
