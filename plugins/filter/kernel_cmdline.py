# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: kernel_cmdline
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Render kernel parameters from a dict or list as a command line
description:
  - A dict keeps its order; C(true) gives a bare flag, C(false) or C(null) drops the parameter,
    a list value repeats the parameter (C(console) twice), values with spaces are double-quoted.
  - A list may mix C(name=value) strings, bare flags and dicts.
  - Values containing a double quote or a control character, and malformed names, fail with an
    error naming them, because the kernel's parser cannot represent them. Values holding a character whose
    UTF-8 bytes include 0xa0 (which the kernel reads as a space) are double-quoted too.
options:
  _input:
    description: The parameters.
    type: raw
    required: true
'''

EXAMPLES = r'''
- name: Installer command line
  ansible.builtin.debug:
    msg: >-
      {{ {'console': ['tty0', 'ttyS0,115200n8'], 'auto': true, 'priority': 'critical', 'quiet': false}
         | netboot.pxe.kernel_cmdline }}
    # console=tty0 console=ttyS0,115200n8 auto priority=critical
'''

RETURN = r'''
_value:
  description: The command line, parameters separated by single spaces.
  type: str
'''

from ansible_collections.netboot.pxe.plugins.module_utils._bootstr import kernel_cmdline as _kernel_cmdline
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('kernel_cmdline')
def kernel_cmdline(params):
    return _kernel_cmdline(params)


class FilterModule(object):
    def filters(self):
        return {'kernel_cmdline': kernel_cmdline}
