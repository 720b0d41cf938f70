# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: ipxe_escape
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Make a string safe to place in an iPXE script command line
description:
  - iPXE scripts have no quoting. Its tokenizer splits on whitespace, reads C(||), C(&&) and C(;)
    tokens as command separators and C(#) tokens as comments, and expands C(${...}) settings.
  - This filter returns the string (tabs turned to spaces, ends trimmed) when iPXE reads it back
    unchanged, and fails naming the value when iPXE would misread it, so a kernel argument can never
    silently cut a command short or inject another one.
  - A string ending in a backslash fails too - iPXE joins the next line of the script to a line ending in one.
  - Put C(--) before a free text that may start with C(-), as in C(menu -- <title>), because iPXE's option parser
    reads such a first word as an option.
options:
  _input:
    description: The text to place in the script.
    type: str
    required: true
  single:
    description: Require a single word (no whitespace), for URLs and setting values.
    type: bool
    default: false
  allow_settings:
    description: Allow C(${name}) setting references, for text the template author wrote on purpose.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Kernel arguments on an iPXE kernel line
  ansible.builtin.debug:
    msg: "kernel vmlinuz {{ 'console=ttyS0 quiet' | netboot.pxe.ipxe_escape }}"
'''

RETURN = r'''
_value:
  description: The text, safe for an iPXE command line.
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils._bootstr import ipxe_escape as _ipxe_escape
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('ipxe_escape')
def ipxe_escape(value, single=False, allow_settings=False):
    return _ipxe_escape(value, allow_settings=allow_settings, single=single)


class FilterModule(object):
    def filters(self):
        return {'ipxe_escape': ipxe_escape}
