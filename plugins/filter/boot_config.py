# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: boot_config
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Render the boot menu as an iPXE script, a PXELINUX config or a GRUB config
description:
  - Renders one menu model (entries, submenus, text lines, local boot, default, timeout) for one boot loader.
    The menu is cut per client architecture - an entry is only shown to architectures it is built for, and a
    submenu left empty disappears.
  - Local boot uses what works on real firmware - iPXE C(exit 1) on UEFI and C(sanboot) of the first disk on
    BIOS, PXELINUX C(LOCALBOOT 0), GRUB chainloading the disk's EFI loader.
  - With O(host) the file for that host is rendered (its entry booted directly, or the menu with its default).
  - The input is the C(site) part of P(netboot.pxe.server_plan#filter)'s result.
options:
  _input:
    description: The site (C(server_plan) result's C(site)).
    type: dict
    required: true
  kind:
    description: Which configuration to render.
    type: str
    choices: [ipxe, pxelinux, grub]
    required: true
  host:
    description: One validated host of C(server_plan)'s C(hosts), for its per-MAC file.
    type: dict
  header:
    description: Comment put at the top (for example C(ansible_managed)).
    type: str
    default: ""
'''

EXAMPLES = r'''
- name: Write the GRUB menu
  ansible.builtin.copy:
    content: "{{ plan.site | netboot.pxe.boot_config('grub', header=ansible_managed) }}"
    dest: /srv/netboot/grub/grub.cfg
    mode: "0644"
'''

RETURN = r'''
_value:
  description: The configuration file's text.
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils import _render
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors

_RENDERERS = {'ipxe': _render.ipxe, 'pxelinux': _render.pxelinux, 'grub': _render.grub}


@filter_errors('boot_config')
def boot_config(site, kind, host=None, header=''):
    if kind not in _RENDERERS:
        raise ValueError('kind must be one of %s, got %r' % (', '.join(sorted(_RENDERERS)), kind))
    if not isinstance(site, dict) or 'entries' not in site or 'menu' not in site:
        raise ValueError('the input must be the site of a server_plan result')
    return _RENDERERS[kind](dict(site, header=header or site.get('header', '')), host)


class FilterModule(object):
    def filters(self):
        return {'boot_config': boot_config}
