# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn the library's ValueErrors into Ansible filter errors. Private to the collection."""

from __future__ import annotations

import functools

from ansible.errors import AnsibleFilterError


def filter_errors(name):
    """Decorate a filter so bad input gives ``AnsibleFilterError`` naming the filter, not a traceback."""
    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except (ValueError, TypeError) as exc:
                raise AnsibleFilterError('netboot.pxe.%s: %s' % (name, exc)) from None
        return wrapper
    return decorate
