# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Booleans given as strings ("false" from -e, "no" from an INI inventory) are false everywhere (issue 12, item 6).

Role argument specs check that a bool variable looks like one but hand the tasks the string; Jinja's
``{% if "false" %}`` and Python's ``bool("false")`` are true. Every bool variable of every role's argument
spec is checked here: each use in the role's tasks and templates converts it strictly (the
``netboot.pxe.flag`` filter, or a plan filter whose Python converts it), and the real templates,
``when`` conditions and plans give False for the false spellings and an error naming the variable for
anything else.
"""
from __future__ import annotations

import re

import jinja2
import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.netboot.pxe.plugins.filter.flag import flag
from ansible_collections.netboot.pxe.plugins.module_utils import _dnsmasq, _flags, _server

from render import ROLES
from render import defaults as role_defaults
from render import render as render_template

FALSE = [False, 0, 'false', 'False', 'FALSE', 'no', 'No', 'off', '0', ' false ']
TRUE = [True, 1, 'true', 'True', 'yes', 'YES', 'on', '1', 'true\n']
NOT_BOOLEAN = ['', 'maybe', 'nope', 2, -1, 0.5, [], {}, 'truee', 'y']


def bool_variables():
    """(role, variable) for every bool-typed option of every role's argument spec."""
    found = []
    for spec in sorted(ROLES.glob('*/meta/argument_specs.yml')):
        role = spec.parent.parent.name
        data = yaml.safe_load(spec.read_text())
        for entry in data['argument_specs'].values():
            for name, option in (entry.get('options') or {}).items():
                if option.get('type') == 'bool':
                    found.append((role, name))
                assert not any(sub.get('type') == 'bool' for sub in (option.get('options') or {}).values()), (
                    'nested bool option under %s: cover it here' % name)
    return found


BOOL_VARIABLES = bool_variables()
# Bool variables handed to a plan filter as a setting (key = the variable without the role prefix); the plan's
# Python converts them strictly (tested below through the plans).
PLAN_FILTERS = {'dnsmasq': 'netboot.pxe.dnsmasq_plan', 'server': 'netboot.pxe.server_plan', 'images': 'netboot.pxe.images_plan'}


def test_the_spec_scan_finds_the_known_flags():
    names = set(item[1] for item in BOOL_VARIABLES)
    assert {'server_secure_boot', 'dnsmasq_enable_ra', 'http_autoindex', 'images_validate_certs'} <= names
    assert len(BOOL_VARIABLES) >= 20


@pytest.mark.parametrize('value', FALSE)
def test_false_spellings(value):
    assert _flags.to_bool(value, 'x') is False
    assert flag(value, 'x') is False


@pytest.mark.parametrize('value', TRUE)
def test_true_spellings(value):
    assert _flags.to_bool(value, 'x') is True
    assert flag(value, 'x') is True


@pytest.mark.parametrize('value', NOT_BOOLEAN)
def test_anything_else_names_the_variable(value):
    with pytest.raises(_flags.FlagError, match=r'^dnsmasq_enable_ra: must be a boolean'):
        _flags.to_bool(value, 'dnsmasq_enable_ra')
    with pytest.raises(AnsibleFilterError, match=r'netboot.pxe.flag: dnsmasq_enable_ra: must be a boolean'):
        flag(value, 'dnsmasq_enable_ra')


def _uses(role, name):
    """(file, line) of every non-comment line of the role's tasks and templates that mentions ``name``."""
    found = []
    for path in sorted((ROLES / role).glob('tasks/*.yml')) + sorted((ROLES / role).glob('templates/*.j2')):
        for line in path.read_text().splitlines():
            if re.search(r'\b%s\b' % re.escape(name), line) and not line.lstrip().startswith('#'):
                found.append((path, line))
    return found


@pytest.mark.parametrize('role,name', BOOL_VARIABLES)
def test_every_use_of_a_flag_converts_it(role, name):
    uses = _uses(role, name)
    assert uses, '%s is in the argument spec of %s but never used' % (name, role)
    suffix = name[len(role) + 1:]
    for path, line in uses:
        if re.search(r'\b%s \| netboot\.pxe\.flag\(\'%s\'\)' % (name, name), line):
            continue
        # Passed whole to the role's plan filter, which converts it (checked by the plan tests below).
        setting = re.fullmatch(r'\s+(%s|%s): "\{\{ %s \}\}"' % (suffix, name, name), line)
        assert setting and PLAN_FILTERS.get(role, '\0') in path.read_text(), (
            '%s: %r uses %s without netboot.pxe.flag: "false" would be true there' % (path.name, line.strip(), name))


# -- the real templates -----------------------------------------------------------------------------------------------

DNSMASQ = {'dhcp_mode': 'full', 'allow_full_dhcp': 'yes', 'interface': 'pxe0', 'server_address': '10.77.0.1',
           'network': '10.77.0.0/24', 'architectures': ['bios'], 'boot_files': {'bios': 'undionly.kpxe'},
           'ipxe_script_url': 'http://10.77.0.1/boot.ipxe'}
DNSMASQ_LINES = {'dnsmasq_enable_ra': 'enable-ra', 'dnsmasq_log_dhcp': 'log-dhcp', 'dnsmasq_quiet_dhcp': 'quiet-dhcp',
                 'dnsmasq_tftp_enabled': 'tftp-secure'}


def dnsmasq_conf(**variables):
    data = role_defaults('dnsmasq')
    data.update(variables)
    data['__dnsmasq_plan'] = _dnsmasq.plan(DNSMASQ)
    return render_template('dnsmasq', 'dnsmasq.conf.j2', data).splitlines()


@pytest.mark.parametrize('name,line', sorted(DNSMASQ_LINES.items()))
@pytest.mark.parametrize('value', ['false', 'no', 'off', '0', 'False'])
def test_dnsmasq_template_false_strings_are_false(name, line, value):
    assert line in dnsmasq_conf(**{name: True})
    assert line not in dnsmasq_conf(**{name: value})


@pytest.mark.parametrize('value', ['true', 'yes', 'on', '1'])
def test_dnsmasq_template_true_strings_are_true(value):
    conf = dnsmasq_conf(dnsmasq_enable_ra=value, dnsmasq_dhcp_ping=value)
    assert 'enable-ra' in conf and 'no-ping' not in conf
    assert 'no-ping' in dnsmasq_conf(dnsmasq_dhcp_ping='false')


@pytest.mark.parametrize('name', sorted(DNSMASQ_LINES) + ['dnsmasq_dhcp_ping'])
def test_dnsmasq_template_refuses_non_booleans_by_name(name):
    with pytest.raises(AnsibleFilterError, match='%s: must be a boolean' % name):
        dnsmasq_conf(**{name: 'maybe'})


def http_site(**variables):
    data = role_defaults('http')
    data.update(variables)
    return render_template('http', 'site.conf.j2', data)


@pytest.mark.parametrize('value', ['false', 'no', '0', 'off'])
def test_http_template_false_strings_are_false(value):
    assert 'autoindex on;' in http_site(http_autoindex=True)
    assert 'autoindex off;' in http_site(http_autoindex=value)
    assert ' default_server;' in http_site(http_disable_default_site=True)
    assert ' default_server;' not in http_site(http_disable_default_site=value)


# -- the real when conditions -----------------------------------------------------------------------------------------

def _conditions(role, name):
    """Every ``when`` of the role's tasks (blocks included) that mentions ``name``."""
    found = []

    def walk(items):
        for task in items or []:
            if not isinstance(task, dict):
                continue
            when = task.get('when')
            for text in (when if isinstance(when, list) else [when]):
                if isinstance(text, str) and re.search(r'\b%s\b' % re.escape(name), text):
                    found.append(text)
            for key in ('block', 'rescue', 'always'):
                walk(task.get(key))
    for path in sorted((ROLES / role).glob('tasks/*.yml')):
        walk(yaml.safe_load(path.read_text()))
    return found


def _evaluate(condition, variables):
    env = jinja2.Environment(undefined=jinja2.ChainableUndefined)
    env.filters['netboot.pxe.flag'] = flag
    return env.compile_expression(condition)(**variables)


WHEN_FLAGS = [(role, name) for role, name in BOOL_VARIABLES if _conditions(role, name)]


def test_conditions_are_found():
    assert ('dnsmasq', 'dnsmasq_hosts_exclusive') in WHEN_FLAGS and ('http', 'http_disable_default_site') in WHEN_FLAGS


@pytest.mark.parametrize('role,name', WHEN_FLAGS)
@pytest.mark.parametrize('value', ['false', 'no', '0', 'off'])
def test_when_conditions_read_false_strings_as_false(role, name, value):
    for condition in _conditions(role, name):
        assert _evaluate(condition, {name: value}) is False, condition


@pytest.mark.parametrize('role,name', WHEN_FLAGS)
def test_when_conditions_refuse_non_booleans(role, name):
    for condition in _conditions(role, name):
        with pytest.raises(AnsibleFilterError, match=name):
            _evaluate(condition, {name: 'maybe'})


# -- the plans ----------------------------------------------------------------------------------------------------------

SERVER = {'dhcp_mode': 'proxy', 'interface': 'pxe0', 'server_address': '10.77.0.1',
          'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
          'architectures': ['bios', 'efi-x86_64'], 'entries': [{'name': 'a', 'kernel': '/k/vmlinuz'}]}
SERVER_FLAGS = [name for role, name in BOOL_VARIABLES if role == 'server']


def test_server_plan_knows_every_server_flag():
    assert sorted('server_' + key for key in _server.FLAGS) == sorted(SERVER_FLAGS)


@pytest.mark.parametrize('value', ['false', 'no', 'off', '0', 'False'])
def test_server_secure_boot_false_string_is_off(value):
    """The issue's example: -e server_secure_boot=false turned Secure Boot on and handed UEFI clients shim."""
    result = _server.plan(dict(SERVER, secure_boot=value))
    assert result['secure_boot'] is False
    assert result['loaders']['efi-x86_64']['kind'] == 'ipxe'


@pytest.mark.parametrize('value', ['true', 'yes', 'on', '1'])
def test_server_secure_boot_true_string_is_on(value):
    result = _server.plan(dict(SERVER, dhcp_mode='full', allow_full_dhcp=True, secure_boot=value))
    assert result['loaders']['efi-x86_64']['kind'] == 'shim'


@pytest.mark.parametrize('name', SERVER_FLAGS)
@pytest.mark.parametrize('value', ['false', 'no', 'off', '0'])
def test_server_plan_flags_false_strings(name, value):
    result = _server.plan(dict(SERVER, **{name[len('server_'):]: value}))
    assert result['flags'][name[len('server_'):]] is False


@pytest.mark.parametrize('name', SERVER_FLAGS)
def test_server_plan_flags_true_strings(name):
    settings = dict(SERVER, **{name[len('server_'):]: 'yes'})
    if name == 'server_secure_boot':  # shim cannot boot in proxyDHCP mode
        settings.update(dhcp_mode='full', allow_full_dhcp=True)
    assert _server.plan(settings)['flags'][name[len('server_'):]] is True


@pytest.mark.parametrize('name', SERVER_FLAGS)
def test_server_plan_flags_refuse_non_booleans(name):
    with pytest.raises(_server.ServerError, match=r'^%s: must be a boolean' % name):
        _server.plan(dict(SERVER, **{name[len('server_'):]: 'maybe'}))


def test_server_chainload_false_string_is_off():
    result = _server.plan(dict(SERVER, ipxe_chainload_bios_rom='false'))
    assert result['site']['bios_chainload'] is None
    assert _server.plan(dict(SERVER, ipxe_chainload_bios_rom='true'))['site']['bios_chainload']


def test_server_allow_full_dhcp_false_string_refuses_full_dhcp():
    with pytest.raises(_server.ServerError, match='^server_allow_full_dhcp: must be true'):
        _server.plan(dict(SERVER, dhcp_mode='full', allow_full_dhcp='false'))


def test_server_tasks_hand_the_converted_flags_on():
    """The server role passes the plan's flags, not its raw variables, to the dnsmasq role and pxe_hosts."""
    text = (ROLES / 'server/tasks/main.yml').read_text()
    for key in ('allow_full_dhcp', 'dhcp_ping', 'quiet_dhcp', 'log_dhcp', 'enable_ra'):
        assert 'dnsmasq_%s: "{{ __server_plan.flags.%s }}"' % (key, key) in text
    assert 'exclusive: "{{ __server_plan.flags.hosts_exclusive }}"' in (ROLES / 'server/tasks/configs.yml').read_text()


@pytest.mark.parametrize('value', ['true', 'yes', 'on', '1', 'True'])
def test_dnsmasq_allow_full_dhcp_true_strings(value):
    assert _dnsmasq.plan(dict(DNSMASQ, allow_full_dhcp=value))['mode'] == 'full'


@pytest.mark.parametrize('value', ['false', 'no', '0'])
def test_dnsmasq_allow_full_dhcp_false_strings(value):
    with pytest.raises(_dnsmasq.PlanError, match='^dnsmasq_allow_full_dhcp: must be true'):
        _dnsmasq.plan(dict(DNSMASQ, allow_full_dhcp=value))


def test_dnsmasq_allow_full_dhcp_non_boolean():
    with pytest.raises(_dnsmasq.PlanError, match='^dnsmasq_allow_full_dhcp: must be a boolean'):
        _dnsmasq.plan(dict(DNSMASQ, allow_full_dhcp='maybe'))
