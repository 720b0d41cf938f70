# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: dhcp_pool
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Compute or check an IPv4 DHCP address pool from a network
description:
  - Without O(start) and O(end), returns a pool that begins O(offset) addresses after the first
    usable host of the network and holds O(size) addresses (or runs to the last usable host).
  - With O(start) and O(end), checks that both lie inside the network's usable hosts and in order.
  - The input may carry host bits, so an interface address such as C(192.168.50.1/24) works.
  - Fails with a clear error for IPv6, networks smaller than /30, and pools that do not fit.
  - Requires the Python library C(netaddr) on the controller.
options:
  _input:
    description: The IPv4 network in CIDR form.
    type: str
    required: true
  start:
    description: First address of an explicit pool. Requires O(end).
    type: str
  end:
    description: Last address of an explicit pool. Requires O(start).
    type: str
  offset:
    description: Usable host addresses left out at the start of the network (servers, routers).
    type: int
    default: 10
  size:
    description: Number of addresses in a computed pool; default is up to the last usable host.
    type: int
'''

EXAMPLES = r'''
- name: A pool for dnsmasq's dhcp-range
  ansible.builtin.set_fact:
    pool: "{{ '192.168.50.0/24' | netboot.pxe.dhcp_pool(offset=99, size=100) }}"
    # pool.start 192.168.50.100, pool.end 192.168.50.199, pool.netmask 255.255.255.0
'''

RETURN = r'''
_value:
  description: The pool.
  type: dict
  contains:
    network:
      description: Network address.
      type: str
    prefixlen:
      description: Prefix length.
      type: int
    cidr:
      description: The network in CIDR form.
      type: str
    netmask:
      description: Dotted netmask.
      type: str
    broadcast:
      description: Broadcast address.
      type: str
    start:
      description: First pool address.
      type: str
    end:
      description: Last pool address.
      type: str
    size:
      description: Number of addresses in the pool.
      type: int
'''

from ansible_collections.netboot.pxe.plugins.module_utils._net import dhcp_pool as _dhcp_pool
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('dhcp_pool')
def dhcp_pool(network, start=None, end=None, offset=10, size=None):
    return _dhcp_pool(network, start=start, end=end, offset=offset, size=size)


class FilterModule(object):
    def filters(self):
        return {'dhcp_pool': dhcp_pool}
