# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: client_arch_codes
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Canonical architecture name to its DHCP option 93 codes
description:
  - Returns every IANA registry code that selects the named architecture, in ascending order;
    C(efi-x86_64) gives C([7, 9]).
  - A list of names gives the sorted union of their codes.
  - An unknown name fails with an error that lists the valid names.
options:
  _input:
    description: A canonical architecture name such as C(bios), C(efi-x86_64) or C(efi-arm64), or a list of them.
    type: raw
    required: true
seealso:
  - plugin: netboot.pxe.client_arch
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Codes a dnsmasq match must cover
  ansible.builtin.debug:
    msg: "{{ 'efi-x86_64' | netboot.pxe.client_arch_codes }}"   # [7, 9]
'''

RETURN = r'''
_value:
  description: The option 93 codes.
  type: list
  elements: int
'''

from ansible_collections.netboot.pxe.plugins.module_utils._arch import by_name
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('client_arch_codes')
def client_arch_codes(value):
    names = value if isinstance(value, (list, tuple)) else [value]
    return sorted(set(code for name in names for code in by_name(name).codes))


class FilterModule(object):
    def filters(self):
        return {'client_arch_codes': client_arch_codes}
