# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: client_arch_info
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Everything the architecture table knows about one client architecture
description:
  - Looks up an architecture by canonical name or by option 93 code and returns its row of the
    collection's architecture table, so templates never hard-code codes or families.
options:
  _input:
    description: A canonical name (C(efi-arm64)) or an option 93 code (C(11), C("11")).
    type: raw
    required: true
'''

EXAMPLES = r'''
- name: Which transport does a UEFI HTTP boot client use?
  ansible.builtin.debug:
    msg: "{{ ('http-x86_64' | netboot.pxe.client_arch_info).transport }}"   # http
'''

RETURN = r'''
_value:
  description: The architecture.
  type: dict
  contains:
    name:
      description: Canonical name.
      type: str
    codes:
      description: All option 93 codes that select it.
      type: list
      elements: int
    description:
      description: The IANA registry's description of its first code.
      type: str
    family:
      description: Firmware family (bios, uefi, uboot, ofw, opal, s390, rpiboot, legacy).
      type: str
    transport:
      description: How the firmware fetches its boot file (tftp or http).
      type: str
    cpu:
      description: Processor architecture (x86, x86_64, aarch64, ...).
      type: str
    dnsmasq_csa:
      description: The client system architecture name dnsmasq's pxe-service accepts, or null when dnsmasq has none.
      type: str
    deprecated:
      description: Whether IANA marks every code of it deprecated.
      type: bool
'''

from ansible_collections.netboot.pxe.plugins.module_utils._arch import as_dict, by_code, by_name
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('client_arch_info')
def client_arch_info(value):
    if isinstance(value, int) or (isinstance(value, str) and value.strip()[:1].isdigit()):
        return as_dict(by_code(value))
    return as_dict(by_name(value))


class FilterModule(object):
    def filters(self):
        return {'client_arch_info': client_arch_info}
