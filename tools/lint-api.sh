#!/usr/bin/env bash
# `make lint-api`: the OpenAPI description through the linters API teams run in CI, at the
# versions pinned in package-lock.json. Fails on any Redocly `recommended` or `spectral:oas`
# finding, and on any OWASP error (its warnings are listed by rule, see docs/api-schema.md).
set -euo pipefail
cd "$(dirname "$0")"
schema="${1:-openapi.json}"
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1

echo "== Redocly CLI, recommended"
npx --no-install redocly lint "$schema" --extends recommended --format stylish --max-problems 1000
npx --no-install redocly lint "$schema" --extends recommended --format json 2>/dev/null > .redocly.json || true
node -e '
  const t = require("./.redocly.json").totals;
  console.log(`errors ${t.errors}, warnings ${t.warnings}`);
  process.exit(t.errors + t.warnings ? 1 : 0);
'

echo "== Spectral, spectral:oas"
npx --no-install spectral lint -r spectral-oas.yaml "$schema" --fail-severity hint

echo "== Spectral, OWASP API Security Top 10 (2023)"
npx --no-install spectral lint -r spectral-owasp.yaml "$schema" -f json --quiet > .owasp.json || true
node -e '
  const found = require("./.owasp.json");
  const names = ["error", "warning", "info", "hint"];
  const byRule = {};
  for (const f of found) byRule[`${names[f.severity]} ${f.code}`] = (byRule[`${names[f.severity]} ${f.code}`] || 0) + 1;
  for (const [rule, n] of Object.entries(byRule).sort()) console.log(`${String(n).padStart(5)}  ${rule}`);
  const errors = found.filter((f) => f.severity === 0);
  for (const f of errors) console.log(`error ${f.code} ${f.path.join(".")}: ${f.message}`);
  console.log(`errors ${errors.length}, warnings ${found.length - errors.length}`);
  process.exit(errors.length ? 1 : 0);
'
