#!/usr/bin/env bash
# thumbor 7.8.0 (PyPI) in a virtualenv under the git-ignored .cache/, for the images benchmark's comparison
# only (no service needs it). A second run finds it and costs nothing. Prints the thumbor executable.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=.cache/thumbor/venv
if [ ! -x "$venv/bin/thumbor" ] || ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('thumbor') != '7.8.0')" 2>/dev/null; then
  echo "[bench] installing thumbor 7.8.0 into $venv (first run only)" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q 'thumbor==7.8.0' >&2
fi
echo "$PWD/$venv/bin/thumbor"
