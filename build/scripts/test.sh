#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, type-checks, lints, then runs unit/integration and
# end-to-end tests (real SQLite, real ONNX sessions, real audio, real Chromium). Prints one summary line.
set -uo pipefail
cd "$(dirname "$0")/../.."
bash build/scripts/install-deps.sh || exit 1
set -e
node build/scripts/build.mjs
npm run --silent typecheck
npx eslint . --max-warnings=0
npx prettier --check "**/*.{ts,tsx,mjs,json,md}" >/dev/null || { echo "prettier: run npm run format" >&2; exit 1; }
set +e

mkdir -p test-results
fail=0
run_suite() { # name, command...
  local name=$1; shift
  echo "== $name" >&2
  "$@" || fail=1
}
# keytar needs a Secret Service: run the suites inside a private D-Bus session with an unlocked keyring.
if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null && [ -z "${TIMBRE_IN_DBUS:-}" ]; then
  WRAP=(dbus-run-session -- bash -c 'echo -n timbre-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; TIMBRE_IN_DBUS=1 exec "$@"' _)
else
  WRAP=()
fi
run_suite unit "${WRAP[@]}" npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/unit.json
run_suite e2e "${WRAP[@]}" npx vitest run --config vitest.e2e.config.ts --reporter=default --reporter=json --outputFile.json=test-results/e2e.json

node -e '
const fs = require("fs");
let p = 0, f = 0, s = 0;
for (const n of ["unit", "e2e"]) {
  try { const r = JSON.parse(fs.readFileSync(`test-results/${n}.json`, "utf8"));
    p += r.numPassedTests; f += r.numFailedTests; s += r.numPendingTests + (r.numTodoTests || 0);
    if (r.numFailedTestSuites && !r.numFailedTests) f += r.numFailedTestSuites;
  } catch { f += 1; console.error(`no results for the ${n} suite`); }
}
// Name every failure in the last lines of the output, where a CI log tail will show it.
for (const n of ["unit", "e2e"]) {
  let r; try { r = JSON.parse(fs.readFileSync(`test-results/${n}.json`, "utf8")); } catch { continue; }
  for (const file of r.testResults || []) {
    const rel = String(file.name).replace(process.cwd() + "/", "");
    const failed = (file.assertionResults || []).filter((a) => a.status === "failed");
    if (file.status === "failed" && failed.length === 0)
      console.error(`FAILED ${n}: ${rel}: ${String(file.message || "suite failed").split("\n")[0].slice(0, 300)}`);
    for (const a of failed)
      console.error(`FAILED ${n}: ${rel} > ${a.fullName}: ${String((a.failureMessages || [""])[0]).split("\n")[0].slice(0, 300)}`);
  }
}
console.log(`Tests: ${p} passed, ${f} failed, ${s} skipped`);
'
exit $fail
