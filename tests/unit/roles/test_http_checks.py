# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The http role's checks of the values it writes into the nginx site unquoted, evaluated as Ansible does.

The assert's condition runs with Ansible's own Jinja tests (``regex``/``match``), once per loop item, as the
role's task does: a trailing newline, "\\r" or surrounding spaces must fail it (issue 12, item 5).
"""
from __future__ import annotations

import jinja2
import pytest
import yaml
from ansible.plugins.test.core import TestModule as AnsibleTests

from render import ROLES

TASKS = yaml.safe_load((ROLES / 'http' / 'tasks' / 'main.yml').read_text())
CHECK = TASKS[0]
VALID = {'http_root': '/srv/netboot', 'http_report_log': '/var/log/nginx/r.log', 'http_site_name': 'netboot-pxe',
         'http_listen_address': '10.77.0.1', 'http_port': '8080'}


def passes(item):
    env = jinja2.Environment()
    env.tests.update(AnsibleTests().tests())
    condition = CHECK['ansible.builtin.assert']['that']
    return bool(env.compile_expression(condition)(item=item))


def items():
    return [item['name'] for item in CHECK['loop']]


def test_the_check_covers_the_site_values():
    assert sorted(items()) == sorted(VALID)


@pytest.mark.parametrize('name', sorted(VALID))
def test_valid_values_pass(name):
    item = dict(next(entry for entry in CHECK['loop'] if entry['name'] == name), value=VALID[name])
    assert passes(item)


@pytest.mark.parametrize('shape', ['%s\n', '%s\r', ' %s', '%s ', '%s;', '%s\nlisten 81'])
@pytest.mark.parametrize('name', sorted(VALID))
def test_whitespace_and_line_breaks_fail(name, shape):
    item = dict(next(entry for entry in CHECK['loop'] if entry['name'] == name), value=shape % VALID[name])
    assert not passes(item)
