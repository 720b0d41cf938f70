# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: server_plan
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Validate a whole PXE server's settings and plan loaders, DHCP, entries and hosts
description:
  - Takes the C(netboot.pxe.server) role's settings keyed by variable suffix (everything
    P(netboot.pxe.dnsmasq_plan#filter) takes, plus C(boot_loaders), C(secure_boot), C(boot_files), C(entries),
    C(default_entry), C(default_entries) and C(base_url)) and returns one plan.
  - The boot loader of each client architecture (iPXE, PXELINUX, GRUB, shim) comes from the collection's
    loader table; a loader that has no build for an architecture, an unsigned loader while Secure Boot is on,
    or GRUB/shim in proxyDHCP mode are refused with a message naming the variable.
options:
  _input:
    description: The settings, keyed by variable name without the role prefix.
    type: dict
    required: true
  prefix:
    description: Prefix of the user's variable names, used in error messages.
    type: str
    default: server_
'''

EXAMPLES = r'''
- name: Plan a server with GRUB for UEFI and PXELINUX for BIOS
  ansible.builtin.set_fact:
    plan: >-
      {{ {'dhcp_mode': 'full', 'allow_full_dhcp': true, 'interface': 'eth1', 'network': '192.168.50.0/24',
          'server_address': '192.168.50.2', 'ipxe_script_url': 'http://192.168.50.2/boot.ipxe',
          'base_url': 'http://192.168.50.2', 'architectures': ['bios', 'efi-x86_64'],
          'boot_loaders': {'bios': 'pxelinux', 'efi-x86_64': 'grub'}} | netboot.pxe.server_plan }}
'''

RETURN = r'''
_value:
  description:
    - The plan - C(dhcp) (see P(netboot.pxe.dnsmasq_plan#filter)), C(loaders) (per architecture - kind, boot_file,
      files, config, signed), C(stage) (files to stage), C(configs) (ipxe, pxelinux, grub), C(entries), C(defaults)
      (default entry per architecture), C(grub_defaults) (per GRUB CPU), C(hosts) (with entry and per-loader file
      names) and C(secure_boot).
  type: dict
'''

from ansible_collections.netboot.pxe.plugins.module_utils._server import plan
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('server_plan')
def server_plan(settings, prefix='server_'):
    return plan(settings, prefix=prefix)


class FilterModule(object):
    def filters(self):
        return {'server_plan': server_plan}
