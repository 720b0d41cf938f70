#!/usr/bin/env bash
# Create (or refresh) the project virtualenv from the pinned requirements file.
# Usage: tools/venv.sh VENV_DIR REQUIREMENTS_FILE
set -euo pipefail

venv=$1
reqs=$2
stamp="$venv/.installed"

if [ -f "$stamp" ] && cmp -s "$reqs" "$stamp"; then
    exit 0
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null 2>&1 || python=python3
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
    echo "venv: Python 3.11 is required, $python is $("$python" --version 2>&1)" >&2
    exit 1
fi

rm -rf "$venv"
if ! "$python" -m venv "$venv" 2>/dev/null; then
    # Debian's system Python ships venv/ensurepip separately.
    "$(dirname "$0")/apt-install.sh" python3-venv
    rm -rf "$venv"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -r "$reqs"
cp "$reqs" "$stamp"
