# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: dnsmasq_plan
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Validate PXE DHCP/TFTP settings and plan the dnsmasq configuration
description:
  - Takes the DHCP/TFTP settings of a PXE server as a dict keyed by variable suffix (C(dhcp_mode),
    C(interface), C(network), C(architectures), C(boot_files), C(hosts), ...) and returns the plain data the
    C(netboot.pxe.dnsmasq) role's template renders; every client-architecture decision comes from the
    collection's IANA architecture table.
  - Bad settings fail with a message that starts with the full variable name (O(prefix) + suffix), for
    example C(dnsmasq_architectures) followed by C([1] unknown client architecture 'efi64').
  - Full DHCP (C(dhcp_mode=full)) is refused unless C(allow_full_dhcp) is true.
options:
  _input:
    description: The settings, keyed by variable name without the role prefix.
    type: dict
    required: true
  prefix:
    description: Prefix of the user's variable names, used in error messages.
    type: str
    default: dnsmasq_
'''

EXAMPLES = r'''
- name: Plan the dnsmasq configuration
  ansible.builtin.set_fact:
    plan: >-
      {{ {'dhcp_mode': 'proxy', 'interface': 'eth1', 'network': '192.168.50.0/24',
          'server_address': '192.168.50.2', 'ipxe_script_url': 'http://192.168.50.2/boot.ipxe',
          'architectures': ['bios', 'efi-x86_64'],
          'boot_files': {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi'}}
         | netboot.pxe.dnsmasq_plan }}
'''

RETURN = r'''
_value:
  description:
    - The plan - mode, interface, server_address, network, pool, lease_time, router, dns_servers,
      ipxe_script_url, architectures (name, tag, codes, family, transport, csa, boot_file) and hosts
      (mac, ip, hostname, file, line).
  type: dict
'''

from ansible_collections.netboot.pxe.plugins.module_utils._dnsmasq import plan
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('dnsmasq_plan')
def dnsmasq_plan(settings, prefix='dnsmasq_'):
    return plan(settings, prefix=prefix)


class FilterModule(object):
    def filters(self):
        return {'dnsmasq_plan': dnsmasq_plan}
