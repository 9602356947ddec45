#!/usr/bin/env bash
# Schemathesis (the OpenAPI fuzzer of the contract test tier), pinned, in a virtualenv under the git-ignored
# .cache/ so a second run costs nothing. Prints the path of the `st` executable on its last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=4.32.5
venv="$PWD/.cache/schemathesis-$version"
# The stamp is written last: an install cut short is redone, not half-used.
if [ ! -f "$venv/.installed" ]; then
  command -v python3 >/dev/null || { echo "[setup] python3 (3.10+) is needed for schemathesis" >&2; exit 1; }
  echo "[setup] installing schemathesis $version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "schemathesis==$version" >&2
  touch "$venv/.installed"
fi
echo "$venv/bin/st"
