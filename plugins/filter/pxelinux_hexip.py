# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: pxelinux_hexip
author: netboot.pxe contributors
version_added: 0.1.0
short_description: IPv4 address to pxelinux hex config file name
description:
  - Returns the upper-case hex name pxelinux tries under C(pxelinux.cfg/) for a client's IPv4 address.
  - A network in CIDR form whose prefix length is a multiple of 4 returns the shorter prefix name
    that pxelinux also tries, which matches every host of that network.
  - Requires the Python library C(netaddr) on the controller.
options:
  _input:
    description: An IPv4 address, or an IPv4 network in CIDR form.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Config for one host
  ansible.builtin.debug:
    msg: "{{ '192.168.1.10' | netboot.pxe.pxelinux_hexip }}"     # C0A8010A

- name: Config for a whole /24
  ansible.builtin.debug:
    msg: "{{ '192.168.1.0/24' | netboot.pxe.pxelinux_hexip }}"   # C0A801
'''

RETURN = r'''
_value:
  description: Upper-case hex digits, eight for an address, prefix length / 4 for a network.
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils._net import pxelinux_hexip as _pxelinux_hexip
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('pxelinux_hexip')
def pxelinux_hexip(value):
    return _pxelinux_hexip(value)


class FilterModule(object):
    def filters(self):
        return {'pxelinux_hexip': pxelinux_hexip}
