#!/usr/bin/env bash
# Schemathesis (the OpenAPI fuzzer of the contract test tier), pinned, in a virtualenv under the git-ignored
# .cache/ so a second run costs nothing. Prints the path of the `st` executable on its last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=4.32.5
venv="$PWD/.cache/schemathesis-$version"
# The stamp is written last: an install cut short is redone, not half-used.
if [ ! -f "$venv/.installed" ]; then
  # Debian splits venv (and its pip) out of python3; install both when missing, as ensure-deps.sh does.
  if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    sudo_cmd=""
    [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
    echo "[setup] installing Debian packages: python3 python3-venv" >&2
    $sudo_cmd apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends python3 python3-venv >&2
  fi
  echo "[setup] installing schemathesis $version into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-input "schemathesis==$version" >&2
  touch "$venv/.installed"
fi
echo "$venv/bin/st"
