# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: boot_entries
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Validate boot entries and compute the files and command line each one serves
description:
  - Each entry has a O(_input[].name), a O(_input[].kernel) path, optional O(_input[].initrd) path(s), a
    O(_input[].cmdline) (string, or dict/list rendered like P(netboot.pxe.kernel_cmdline#filter)) and O(_input[].title).
  - Returns the entries with the file names they are served under (C(entries/<name>/<file>)) and the command
    line checked for iPXE. Errors name the variable and the entry index.
options:
  _input:
    description: The entries.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Entry name, lowercase letters, digits, C(.), C(_), C(-).
        type: str
        required: true
      title:
        description: Human-readable title.
        type: str
      kernel:
        description: Path of the kernel file (required unless O(_input[].chain) is given).
        type: str
      chain:
        description:
          - URL (C(http://) or C(https://)) of an iPXE script to chain instead of booting a kernel, such as
            C(https://boot.netboot.xyz/menu.ipxe). Such an entry has no kernel, initrd or cmdline and is
            returned with C(kind=chain); only iPXE can boot it.
        type: str
      initrd:
        description: Path(s) of initrd files.
        type: raw
      cmdline:
        description: Kernel command line (string, dict or list).
        type: raw
      remote_src:
        description: Whether the paths are on the managed host rather than the controller.
        type: bool
      architectures:
        description: Architectures the entry is for.
        type: list
        elements: str
  default:
    description: Name of the default entry; must be one of the entries.
    type: str
  var:
    description: Variable name used in error messages.
    type: str
    default: server_entries
  default_var:
    description: Variable name of the default entry, for error messages.
    type: str
    default: server_default_entry
'''

EXAMPLES = r'''
- name: Plan the served files
  ansible.builtin.debug:
    msg: >-
      {{ [{'name': 'debian', 'kernel': '/srv/files/vmlinuz', 'initrd': '/srv/files/initrd.gz',
           'cmdline': {'console': 'ttyS0', 'quiet': true}}] | netboot.pxe.boot_entries(default='debian') }}
'''

RETURN = r'''
_value:
  description:
    - The entries with C(name), C(kind) (C(kernel) or C(chain)), C(title), C(kernel), C(initrds), C(cmdline), C(chain), C(dir),
      C(kernel_src), C(initrd_srcs), C(remote_src).
  type: list
  elements: dict
'''

from ansible_collections.netboot.pxe.plugins.module_utils._entries import entries
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('boot_entries')
def boot_entries(items, default=None, var='server_entries', default_var='server_default_entry'):
    return entries(items, default=default, var=var, default_var=default_var)


class FilterModule(object):
    def filters(self):
        return {'boot_entries': boot_entries}
