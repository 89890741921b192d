#!/usr/bin/env bash
# Photographs the patient pages at a phone's viewport (390×844 CSS px, an iPhone 14) with headless
# Chromium, into docs/img/patient-pages/. Needs Chromium (Debian: `apt-get install chromium`) and a
# database the demo can be seeded in: DATABASE_URL, or the embedded server `make run` uses.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT=${PORT:-8765}
OUT=docs/img/patient-pages
export DEBUG=1 PUBLIC_BASE_URL="http://127.0.0.1:$PORT" ALLOWED_HOSTS=127.0.0.1
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
$PY manage.py migrate --noinput -v0
$PY manage.py createcachetable
$PY manage.py seed_demo >/dev/null
$PY manage.py runserver "127.0.0.1:$PORT" --noreload >/tmp/sessai-screenshots.log 2>&1 &
SERVER=$!
trap 'kill $SERVER' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/api/health" >/dev/null && break; sleep 0.2; done
mkdir -p "$OUT"
$PY manage.py demo_patient_links 2>/dev/null | while read -r name url; do
  "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars --accept-lang=es-CL --lang=es-CL --window-size=390,844 \
    --screenshot="$OUT/$name.png" "$url" >/dev/null 2>&1
  echo "$OUT/$name.png"
done
