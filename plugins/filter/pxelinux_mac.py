# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: pxelinux_mac
author: netboot.pxe contributors
version_added: 0.1.0
short_description: MAC address to pxelinux per-host config file name
description:
  - Returns the name pxelinux looks for under C(pxelinux.cfg/) for a client, made of
    the ARP hardware type (C(01) for Ethernet) followed by the MAC in lowercase, dash separated.
  - Accepts every MAC spelling the P(netboot.pxe.mac#filter) filter accepts.
options:
  _input:
    description: The client's MAC address.
    type: str
    required: true
  hwtype:
    description: ARP hardware type prefix, 0-255.
    type: int
    default: 1
'''

EXAMPLES = r'''
- name: Per-host pxelinux config
  ansible.builtin.copy:
    dest: "/srv/netboot/pxelinux.cfg/{{ 'AA:BB:CC:DD:EE:FF' | netboot.pxe.pxelinux_mac }}"   # 01-aa-bb-cc-dd-ee-ff
    content: "DEFAULT local\n"
    mode: "0644"
'''

RETURN = r'''
_value:
  description: The file name, for example C(01-aa-bb-cc-dd-ee-ff).
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils._net import pxelinux_mac as _pxelinux_mac
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('pxelinux_mac')
def pxelinux_mac(value, hwtype=1):
    return _pxelinux_mac(value, hwtype)


class FilterModule(object):
    def filters(self):
        return {'pxelinux_mac': pxelinux_mac}
