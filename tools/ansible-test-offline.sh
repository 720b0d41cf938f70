#!/usr/bin/env bash
# Put the offline get-pip stand-in where ansible-test looks for its cached
# bootstrap script, for the pip version this ansible-test wants.
# Usage: tools/ansible-test-offline.sh VENV_PYTHON
set -euo pipefail

python=$1
src=$(cd "$(dirname "$0")" && pwd)/get_pip_offline.py
version=$("$python" - <<'PY'
import pathlib, re
import ansible_test._internal.python_requirements as pr
print(re.search(r"pip='([0-9.]+)'", pathlib.Path(pr.__file__).read_text()).group(1))
PY
)
cache="$HOME/.ansible/test/cache/get_pip_${version//./_}.py"
mkdir -p "$(dirname "$cache")"
cmp -s "$src" "$cache" || cp "$src" "$cache"
