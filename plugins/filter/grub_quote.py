# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: grub_quote
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Quote a string as one GRUB script word
description:
  - Wraps the string in single quotes the way GRUB's script parser reads them (no expansion inside),
    writing an embedded single quote as C('\\'').
  - Control characters (newlines included) fail with an error naming the value.
options:
  _input:
    description: The text, for example a menu entry title or a kernel argument.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: A menu entry title with spaces and quotes
  ansible.builtin.debug:
    msg: "menuentry {{ \"Debian 12 (John's lab)\" | netboot.pxe.grub_quote }} {"
'''

RETURN = r'''
_value:
  description: The quoted word.
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils._bootstr import grub_quote as _grub_quote
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('grub_quote')
def grub_quote(value):
    return _grub_quote(value)


class FilterModule(object):
    def filters(self):
        return {'grub_quote': grub_quote}
