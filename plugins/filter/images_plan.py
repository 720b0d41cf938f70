# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: images_plan
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Merge the OS catalog with overrides, resolve mirrors and plan the verified downloads
description:
  - Takes the C(netboot.pxe.images) role's settings keyed by variable suffix and returns what to download,
    what to take out of downloaded archives, and the boot entries in the format of the server role's
    C(server_entries).
  - The catalog is merged with C(catalog_overrides) (recursive, the override wins; an entry with C(from) starts
    as a copy of another) and C(custom) entries. Every enabled entry is checked - lowercase name, known family,
    architecture names from the collection's table, one checksum source per file (a pinned C(sha256:)/C(sha512:)
    or a checksums file), served file names, the kernel parameters the family's installer needs - and errors name
    the variable, for example C(images_enabled[2]) when a name is not in the catalog (with the closest name as a hint).
  - A file whose checksums file is signed upstream says how - C(checksum_signature_url) (detached signature),
    C(checksum_clearsigned) (inline-signed) or C(checksum_release_url) and C(checksum_release_name) (a signed Debian
    C(InRelease) listing the checksums file). With C(verify_signatures) (default true) and a keyring for the entry's
    C(keyring) (default its family) in C(keyrings) or C(default_keyrings), the download gets C(gpg_keyring) and the
    signature options for C(netboot.pxe.boot_artifact); without a keyring it is checked against the checksums file only
    and listed in C(unchecked).
  - Relative C(src), C(checksum_url), C(checksum_signature_url) and C(checksum_release_url) are joined onto the
    entry's mirror. Strings may use the placeholders
    C({mirror}), C({mirror_scheme}), C({mirror_host}), C({mirror_path}), C({name}), C({version}) and the entry's C(vars).
options:
  _input:
    description:
      - The settings - C(catalog) (name -> entry, the shipped catalog), C(catalog_overrides), C(custom) (list of
        entries with C(name)), C(enabled) (names), C(mirrors) (mirror key -> base URL, the user's),
        C(default_mirrors) (the shipped ones), C(dir) (absolute directory the files go to), C(verify_signatures)
        (bool, default true), C(keyrings) (keyring name -> path on the target, the user's; null drops one) and
        C(default_keyrings) (keyring name -> C({path, package}), the shipped ones).
    type: dict
    required: true
  prefix:
    description: Prefix of the user's variable names, used in error messages.
    type: str
    default: images_
'''

EXAMPLES = r'''
- name: Plan Debian 13 from a local mirror
  ansible.builtin.set_fact:
    plan: >-
      {{ {'catalog': catalog, 'enabled': ['debian-13-amd64'], 'mirrors': {'debian': 'http://mirror.lan/debian'},
          'dir': '/var/cache/netboot-pxe/images'} | netboot.pxe.images_plan }}
  vars:
    catalog:
      debian-13-amd64:
        title: Debian 13 installer
        family: debian
        version: trixie
        architectures: [bios, efi-x86_64]
        files:
          kernel:
            src: dists/{version}/main/installer-amd64/current/images/netboot/debian-installer/amd64/linux
            checksum_url: dists/{version}/main/installer-amd64/current/images/SHA256SUMS
            checksum_name: ./netboot/debian-installer/amd64/linux
# plan.server_entries:
#   - name: debian-13-amd64
#     title: Debian 13 installer
#     kernel: /var/cache/netboot-pxe/images/debian-13-amd64/linux
#     initrd: []
#     cmdline: ""
#     remote_src: true
#     architectures: [bios, efi-x86_64]
'''

RETURN = r'''
_value:
  description:
    - The plan - C(entries) (resolved entries, with C(signature) - C(checked), C(no keyring), C(off) or C(none)),
      C(downloads) (C(src), C(dest), C(checksum) or C(checksum_url) and C(checksum_name), when checked C(gpg_keyring)
      with C(checksum_signature_url) or C(checksum_release_url) and C(checksum_release_name), C(entry), C(role)),
      C(extracts) (C(archive), C(member), C(archive_format), C(member_checksum),
      C(dest), C(entry), C(role)), C(directories) to create and C(server_entries) (C(name), C(title), C(kernel),
      C(initrd), C(cmdline), C(remote_src=true), C(architectures); or C(name), C(title), C(chain), C(architectures)),
      C(packages) (C(gpgv) and the keyring packages of the default keyrings in use) and C(unchecked) (C({name, keyring})
      of the entries signed upstream whose keyring is unknown).
  type: dict
'''

from ansible_collections.netboot.pxe.plugins.module_utils._images import plan
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('images_plan')
def images_plan(settings, prefix='images_'):
    return plan(settings, prefix=prefix)


class FilterModule(object):
    def filters(self):
        return {'images_plan': images_plan}
