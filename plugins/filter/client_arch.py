# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: client_arch
author: netboot.pxe contributors
version_added: 0.1.0
short_description: DHCP option 93 client architecture code to canonical name
description:
  - Maps a code of the IANA "Processor Architecture Types" registry (DHCPv4 option 93,
    DHCPv6 option 61) to the collection's canonical architecture name, for example
    C(0) -> C(bios), C(7) -> C(efi-x86_64), C(11) -> C(efi-arm64), C(16) -> C(http-x86_64).
  - Codes 7 and 9 both give C(efi-x86_64), because x86-64 UEFI firmware in the field sends
    either (RFC 4578 erratum 4624).
  - An unassigned code fails with an error naming it.
options:
  _input:
    description: The code, as an integer, a decimal string or a C(0x) hex string.
    type: raw
    required: true
seealso:
  - plugin: netboot.pxe.client_arch_codes
    plugin_type: filter
  - plugin: netboot.pxe.client_arch_info
    plugin_type: filter
'''

EXAMPLES = r'''
- name: Name the architecture a client reported
  ansible.builtin.debug:
    msg: "{{ 11 | netboot.pxe.client_arch }}"        # efi-arm64

- name: Strings and hex work too
  ansible.builtin.debug:
    msg: "{{ '0x0007' | netboot.pxe.client_arch }}"  # efi-x86_64
'''

RETURN = r'''
_value:
  description: The canonical architecture name.
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils._arch import by_code
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('client_arch')
def client_arch(value):
    return by_code(value).name


class FilterModule(object):
    def filters(self):
        return {'client_arch': client_arch}
