# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: flag
author: netboot.pxe contributors
version_added: 0.1.0
short_description: Convert a user's flag to a real boolean, strictly
description:
  - Role argument specs check that a C(bool) variable looks like a boolean but do not convert what tasks and
    templates see, so C(-e dnsmasq_enable_ra=false) or an INI inventory hands them the string C("false"), which
    Jinja's C(if) and Python's C(bool()) treat as true.
  - This filter returns C(true) for C(true), C(yes), C(on), C(1) and C(false) for C(false), C(no), C(off), C(0)
    (strings in any case, the integers 1 and 0, or real booleans) and fails, naming the variable, on anything else.
options:
  _input:
    description: The flag's value.
    type: raw
    required: true
  name:
    description: The variable's name, for the error message.
    type: str
    required: true
'''

EXAMPLES = r'''
- name: Use a flag that may come from an INI inventory or -e
  ansible.builtin.debug:
    msg: Router advertisements are on
  when: dnsmasq_enable_ra | netboot.pxe.flag('dnsmasq_enable_ra')
'''

RETURN = r'''
_value:
  description: The flag as a boolean.
  type: bool
'''

from ansible_collections.netboot.pxe.plugins.module_utils._flags import to_bool
from ansible_collections.netboot.pxe.plugins.plugin_utils._filter_errors import filter_errors


@filter_errors('flag')
def flag(value, name):
    return to_bool(value, name)


class FilterModule(object):
    def filters(self):
        return {'flag': flag}
