# Embedded defaults for every backend; the environment overrides them (sourced by run.sh and the tests).
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export TRACKER_STORE_URL="${TRACKER_STORE_URL:-${DATABASE_URL:-sqlite:///var/tracker.db}}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
export RASA_TELEMETRY_ENABLED=false
export SQLALCHEMY_SILENCE_UBER_WARNING=1
