# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: mac
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Normalise a MAC address to lowercase colon form
description:
  - Accepts the common spellings of a 48-bit MAC address (colons, dashes, Cisco dots
    C(aabb.ccdd.eeff), bare hex) in any case and returns C(aa:bb:cc:dd:ee:ff).
  - Anything else (EUI-64, integers, wrong length, non-hex) fails with an error naming the value.
  - Requires the Python library C(netaddr) on the controller.
options:
  _input:
    description: The MAC address to normalise.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Normalise a reservation's MAC
  ansible.builtin.debug:
    msg: "{{ 'AA-BB-CC-DD-EE-FF' | netboot.pxe.mac }}"   # aa:bb:cc:dd:ee:ff

- name: Cisco spelling
  ansible.builtin.debug:
    msg: "{{ 'aabb.ccdd.eeff' | netboot.pxe.mac }}"      # aa:bb:cc:dd:ee:ff
'''

RETURN = r'''
_value:
  description: The MAC address as six lowercase hex octets separated by colons.
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils._net import normalize_mac
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('mac')
def mac(value):
    return normalize_mac(value)


class FilterModule(object):
    def filters(self):
        return {'mac': mac}
