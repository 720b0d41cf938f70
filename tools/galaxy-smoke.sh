#!/usr/bin/env bash
# Build the collection tarball, install it into an empty path and prove the
# installed copy works: a filter resolves by FQCN and every filter has docs.
# Usage: tools/galaxy-smoke.sh COLLECTION_DIR WORK_DIR
set -euo pipefail

src=$1
work=$2
rm -rf "$work"
mkdir -p "$work/dist" "$work/installed"

ansible-galaxy collection build --force --output-path "$work/dist" "$src"
tarball=$(ls "$work"/dist/netboot-pxe-*.tar.gz)
ansible-galaxy collection install --force -p "$work/installed" "$tarball"

export ANSIBLE_COLLECTIONS_PATH="$work/installed"
installed="$work/installed/ansible_collections/netboot/pxe"
[ -f "$installed/MANIFEST.json" ] || { echo "galaxy-smoke: no MANIFEST.json in $installed" >&2; exit 1; }

# Nothing from the checkout's build ignore list may ship.
if tar -tzf "$tarball" | grep -E '(^|/)(\.venv|\.build|__pycache__|\.pytest_cache|\.hypothesis|tests/output)(/|$)'; then
    echo "galaxy-smoke: tarball contains files build_ignore should exclude" >&2
    exit 1
fi

out=$(ansible localhost -c local -i localhost, -m ansible.builtin.debug \
      -a "msg={{ 'AA-BB-CC-DD-EE-FF' | netboot.pxe.pxelinux_mac }}")
echo "$out"
grep -q '"msg": "01-aa-bb-cc-dd-ee-ff"' <<<"$out" || { echo "galaxy-smoke: installed filter gave the wrong answer" >&2; exit 1; }

filters=$(find "$installed/plugins/filter" -name '*.py' -printf '%f\n' | sed 's/\.py$//' | sort)
for f in $filters; do
    doc=$(ansible-doc -t filter "netboot.pxe.$f")
    grep -q 'EXAMPLES' <<<"$doc" || { echo "galaxy-smoke: ansible-doc netboot.pxe.$f has no examples" >&2; exit 1; }
    echo "ansible-doc -t filter netboot.pxe.$f: $(grep -m1 -E '^>' <<<"$doc" || true)"
done
modules=$(find "$installed/plugins/modules" -name '*.py' -printf '%f\n' 2>/dev/null | sed 's/\.py$//' | sort)
for m in $modules; do
    doc=$(ansible-doc -t module "netboot.pxe.$m")
    grep -q 'EXAMPLES' <<<"$doc" || { echo "galaxy-smoke: ansible-doc -t module netboot.pxe.$m has no examples" >&2; exit 1; }
done
roles=$(find "$installed/roles" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
for r in $roles; do
    doc=$(ansible-doc -t role "netboot.pxe.$r")
    grep -q 'indicates it is required' <<<"$doc" || { echo "galaxy-smoke: ansible-doc -t role netboot.pxe.$r shows no options" >&2; exit 1; }
done
# The playbook resolves by FQCN from the installed copy.
ansible-playbook -i localhost, --syntax-check netboot.pxe.pxe_server
echo "galaxy-smoke: built $(basename "$tarball"), installed, $(wc -w <<<"$filters") filters, $(wc -w <<<"$modules") modules and $(wc -w <<<"$roles") roles documented, playbook netboot.pxe.pxe_server resolves"
