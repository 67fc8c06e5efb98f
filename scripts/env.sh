# Embedded defaults for every backend; the environment overrides them (sourced by run.sh and the tests).
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export WEB_PORT="${WEB_PORT:-8080}"
# Where each server listens: loopback unless the deployment names another address (docs/security.md). The action
# server answers only the Rasa servers, and only with ACTION_SERVER_TOKEN.
export RASA_HOST="${RASA_HOST:-127.0.0.1}"
export ACTION_HOST="${ACTION_HOST:-127.0.0.1}"
export WEB_HOST="${WEB_HOST:-127.0.0.1}"
# The origins whose pages may call the Rasa server (space-separated): the clinic page's own, by default.
export CORS_ORIGINS="${CORS_ORIGINS:-http://localhost:$WEB_PORT http://127.0.0.1:$WEB_PORT}"
# The Rasa server refuses a body past this many bytes (Sanic reads SANIC_* settings from the environment); a
# message is read up to 5,000 characters anyway (bot/text/normalize.py).
export SANIC_REQUEST_MAX_SIZE="${SANIC_REQUEST_MAX_SIZE:-1000000}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-${DATABASE_URL:-sqlite:///var/tracker.db}}"
# Production: REDIS_URL holds the lock of each conversation for several Sanic workers (SANIC_WORKERS, one per
# core) or Rasa servers; without it, one worker. With more than one worker, web clients use the REST channel
# (socket.io's polling transport needs every request of a client on the same process).
export REDIS_URL="${REDIS_URL:-}"
export SANIC_WORKERS="${SANIC_WORKERS:-1}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
# The after-hours line (credentials.yml, bot/rasa/channels/twilio.py). DEVELOPMENT VALUES ONLY: no real Twilio
# account has them, so real Twilio requests fail the signature check until the clinic's own are set.
export TWILIO_ACCOUNT_SID="${TWILIO_ACCOUNT_SID:-AC00000000000000000000000000000000}"
export TWILIO_AUTH_TOKEN="${TWILIO_AUTH_TOKEN:-development-auth-token-not-a-secret}"
# The other secrets (bot/production_secrets.py has the same development defaults; with ASSISTANT_ENV=production
# every server refuses to start on a development default).
export ACTION_SERVER_TOKEN="${ACTION_SERVER_TOKEN:-development-action-server-token}"
export CONVERSATION_ID_SECRET="${CONVERSATION_ID_SECRET:-development-conversation-id-secret}"
export CONTACT_KEY="${CONTACT_KEY:-ZGV2ZWxvcG1lbnQtY29udGFjdC1rZXktbm90LXJlYWw=}"
export TWILIO_NUMBER="${TWILIO_NUMBER:-+15550100150}"
export TWILIO_PUBLIC_URL="${TWILIO_PUBLIC_URL:-}"
export TWILIO_API_BASE_URL="${TWILIO_API_BASE_URL:-}"
