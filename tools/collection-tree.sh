#!/usr/bin/env bash
# Copy the collection's source files into a fresh DEST/ansible_collections/netboot/pxe,
# the layout ansible-test and the unit tests need. Only files git would commit
# are copied, so virtualenvs, caches and build output never leak in.
# Usage: tools/collection-tree.sh DEST
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
dest="$1/ansible_collections/netboot/pxe"
rm -rf "$dest"
mkdir -p "$dest"

if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$src" ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do [ -e "$src/$f" ] && printf '%s\0' "$f"; done \
        | tar -C "$src" --null -T - -cf - | tar -C "$dest" -xf -
else
    tar -C "$src" --exclude=./.venv --exclude=./.build --exclude=./.git --exclude=__pycache__ \
        --exclude=./.pytest_cache --exclude=./.hypothesis --exclude=./tests/output -cf - . \
        | tar -C "$dest" -xf -
fi
# ansible-test lists files with git; inside the checkout's ignored .build it would
# see none, so the tree gets its own index.
git -C "$dest" init -q
git -C "$dest" add -A
echo "$dest"
