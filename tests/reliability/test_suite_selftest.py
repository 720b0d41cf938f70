# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the reliability suite itself (no lab): a check that cannot fail, or that passes for the wrong
reason, would make the table lie. Each test feeds a check the output of a broken run and requires a failure.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import cases
import test_bad_inputs

HERE = Path(__file__).resolve().parent


def playbook_output(task, failure, origin=''):
    """ansible-playbook's text for a play that fails in ``task`` with the result ``failure`` (a dict)."""
    return textwrap.dedent('''\
        PLAY [PXE server] **************************************************************

        TASK [netboot.pxe.dnsmasq : Write the dnsmasq configuration (checked with dnsmasq --test before it replaces the live one)] ***
        ok: [pxe-server]

        TASK [%s] ***
        [ERROR]: Task failed: %s
        Origin: /x/roles/server/tasks/main.yml:3:3
        %s
        fatal: [pxe-server]: FAILED! => %s

        PLAY RECAP *********************************************************************
        pxe-server                 : ok=17   changed=0    unreachable=0    failed=1    skipped=1    rescued=0    ignored=0
        ''') % (task, failure.get('msg'), origin, json.dumps(failure))


def case(name, cases_list=None):
    for row in cases_list or test_bad_inputs.PLAYBOOK_CASES + test_bad_inputs.MODULE_CASES:
        if row[0] == name:
            return row
    raise KeyError(name)


# What the bad-input cases' override functions start from (test_bad_inputs.baseline has the real one).
BASELINE = {'server_entries': [{'name': 'e2e', 'cmdline': {'quiet': True}}], 'server_hosts': []}
DNSMASQ_REJECTS = {'changed': False, 'exit_status': 1, 'msg': 'failed to validate',
                   'stderr': '\ndnsmasq: bad dhcp-range at line 55 of /root/.ansible/tmp/x/.source.conf\n'}


def test_dnsmasq_case_needs_dnsmasqs_own_rejection():
    """Item 1: the task title names dnsmasq --test; a failure of anything else must not pass the case."""
    message = case('dnsmasq option dnsmasq --test rejects')[-1]
    good = playbook_output('netboot.pxe.dnsmasq : Write the dnsmasq configuration', DNSMASQ_REJECTS)
    assert cases.judge(good, 2, message)[0]
    # The same task failing for another reason (the title, with "dnsmasq --test", is printed all the same).
    other = playbook_output('netboot.pxe.dnsmasq : Write the dnsmasq configuration (checked with dnsmasq --test)',
                            {'msg': 'Could not find or access dnsmasq.conf.j2'}, origin='    validate: /usr/sbin/dnsmasq --test')
    assert 'dnsmasq --test' in other
    assert not cases.judge(other, 2, message)[0]
    # A later task failing after the validation passed.
    later = playbook_output('netboot.pxe.dnsmasq : Enable and start dnsmasq', {'msg': 'Unable to start service netboot-pxe-dnsmasq'})
    assert not cases.judge(later, 2, message)[0]
    # dnsmasq's words in an ignored failure do not count either.
    ignored = good.replace('\n\nPLAY RECAP', '\n...ignoring\n\nPLAY RECAP')
    assert not cases.judge(ignored, 2, message)[0]


def test_pool_cases_tell_their_refusals_apart():
    """Item 2: an argument-spec dump prints every variable name; each pool case needs its own message."""
    outside, reversed_ = case('pool outside the subnet')[-1], case('pool reversed')[-1]
    spec_dump = {'msg': 'Validation of arguments failed:\nserver_http_port: expected int',
                 'argument_spec_data': {'server_pool_start': {'type': 'str'}, 'server_pool_end': {'type': 'str'}}}
    dump = playbook_output('netboot.pxe.server : Validating arguments against arg spec main', spec_dump)
    assert 'server_pool_start' in dump
    assert not cases.judge(dump, 2, outside)[0] and not cases.judge(dump, 2, reversed_)[0]
    says_outside = playbook_output('netboot.pxe.server : Plan', {'msg': outside})
    says_reversed = playbook_output('netboot.pxe.server : Plan', {'msg': reversed_})
    assert cases.judge(says_outside, 2, outside)[0] and not cases.judge(says_outside, 2, reversed_)[0]
    assert cases.judge(says_reversed, 2, reversed_)[0] and not cases.judge(says_reversed, 2, outside)[0]


def test_judge_refuses_success_tracebacks_and_stray_text():
    message = "server_router: must be an IPv4 address, got '10.77.0'"
    assert not cases.judge('PLAY RECAP ...', 0, message)[0]
    assert not cases.judge(playbook_output('t', {'msg': message}) + 'Traceback (most recent call last):', 2, message)[0]
    # The text in the output, but only in a warning: not a failed task's message.
    assert not cases.judge('[WARNING]: %s\nfatal: [pxe-server]: FAILED! => {"msg": "other"}' % message, 2, message)[0]
    # Ad-hoc module output (pretty-printed JSON) is read too.
    adhoc = 'pxe-server | FAILED! => {\n    "changed": false,\n    "msg": "%s"\n}\n' % message.replace("'", "\\u0027")
    assert cases.judge(adhoc, 2, message)[0]


def test_every_bad_input_case_names_its_setting_or_says_it_does_not():
    """"Refused with a message naming the setting": each case's expected text starts with a setting it set
    (or a role variable), and judge() finds that text in the failed task's message; the exceptions are listed."""
    unnamed = []
    for name, _tried, overrides, message in test_bad_inputs.PLAYBOOK_CASES:
        settings = sorted(overrides(BASELINE) if callable(overrides) else overrides)
        how, problem = test_bad_inputs.checked(name, message, settings, test_bad_inputs.ROLE_VARIABLES)
        assert problem is None, (name, problem)
        if 'var' not in how.split('+'):
            unnamed.append(name)
    for name, _tried, _module, args, message in test_bad_inputs.MODULE_CASES:
        how, problem = test_bad_inputs.checked(name, message, sorted(args))
        assert problem is None, (name, problem)
        if 'var' not in how.split('+'):
            unnamed.append(name)
    assert sorted(unnamed) == sorted(test_bad_inputs.NAMES_NO_SETTING)
    # A case that expected a text naming no setting, and is not listed, fails whatever the server says.
    how, problem = test_bad_inputs.checked('made up', 'checksum mismatch', ['checksum', 'src'])
    assert how == 'msg+var+state' and problem
    assert cases.names_setting('server_hosts[2] (52:54:00:e2:01:02): ip', ['server_hosts']) == 'server_hosts'
    assert cases.names_setting('server_hostsfile: x', ['server_hosts']) is None
    assert cases.names_setting('checksum mismatch for x', ['checksum']) is None
    assert cases.names_setting('server_pxelinux_serial must be', ['server_pxelinux_serial']) == 'server_pxelinux_serial'
    assert cases.names_setting("argument 'server_secure_boot' is of type str", ['server_secure_boot']) == 'server_secure_boot'


@pytest.mark.parametrize('sig,running,rc,log,expected', [
    (signal.SIGINT, True, 99, 'TASK [x]\n[ERROR]: User interrupted execution\n', True),
    (signal.SIGTERM, True, -15, 'TASK [x]\n', True),
    # The run ended before the signal was due: not interrupted, whatever its exit status.
    (signal.SIGINT, False, 0, 'TASK [x]\nPLAY RECAP\n', False),
    (signal.SIGTERM, False, -15, 'TASK [x]\n', False),
    # The signal came, but the run had reached its recap (it finished), or ended in another way.
    (signal.SIGINT, True, 0, 'TASK [x]\nPLAY RECAP\n', False),
    (signal.SIGINT, True, 2, 'TASK [x]\nfatal: [pxe-server]: FAILED!\n', False),
    (signal.SIGTERM, True, 0, 'TASK [x]\n', False),
])
def test_interrupt_must_have_happened(sig, running, rc, log, expected):
    """Item 3: a run that finished before the signal does not count as interrupted."""
    assert cases.interrupted(sig, running, rc, log)[0] is expected


def test_stock_tftp_max_storm_is_a_measurement():
    """Item 5: the stock tftp-max storm is reported as a measurement, not counted as passed."""
    row = cases.make_case('load', 'storm, stock tftp-max', 'tried', 'ran', None, checked='measured')
    lines = cases.summary_lines([row])
    assert row.status == 'meas'
    total = [line for line in lines if line.startswith('all ')][0].split()
    assert total[1:6] == ['1', '0', '0', '0', '1'], total


def test_nothing_lost_counts_only_snapshot_comparisons():
    """"Nothing lost" is a snapshot comparison: other checks fill no "kept" cell and are not counted."""
    rows = [cases.make_case('input', 'a', 't', 'h', True, True, 'msg+var+state'),
            cases.make_case('fault', 'b', 't', 'h', True, True, 'back+files'),
            cases.make_case('fault', 'c', 't', 'h', True, False, 'back+files'),
            cases.make_case('security', 'd', 't', 'h', True, True, 'control+noleak'),
            cases.make_case('security', 'e', 't', 'h', True, True)]  # a caller that names no check
    assert [row.nothing_lost for row in rows] == [True, True, False, None, None]
    assert rows[-1].checked == '(unnamed)'
    total = [line for line in cases.summary_lines(rows) if line.startswith('all ')][0].split()
    assert total[-1] == '2/3'
    with pytest.raises(ValueError):
        cases.make_case('input', 'f', 't', 'h', True, True, 'snapshot-ish')
    # Every check a row names is explained in the legend under the table.
    assert any(line.startswith('  noleak ') for line in cases.summary_lines(rows))


def test_a_case_that_raises_is_in_the_table(tmp_path):
    """Item 6: run the suite's conftest on cases that raise (in set-up, before and after recording, in teardown)
    and on a case whose own failing row explains its failure; every test is in the table, the errors as ERR."""
    (tmp_path / 'conftest.py').write_text(textwrap.dedent('''\
        import importlib.util, sys
        sys.path.insert(0, %r)
        spec = importlib.util.spec_from_file_location('reliability_conftest', %r)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        record_case = module.record_case
        pytest_runtest_makereport = module.pytest_runtest_makereport
        pytest_terminal_summary = module.pytest_terminal_summary
        ''') % (str(HERE), str(HERE / 'conftest.py')))
    (tmp_path / 'test_inner.py').write_text(textwrap.dedent('''\
        import pytest
        CATEGORY = 'inner'

        @pytest.fixture
        def broken_setup():
            raise RuntimeError('the lab did not come up')

        @pytest.fixture
        def broken_teardown():
            yield
            raise RuntimeError('cleanup failed')

        def test_passes(record_case):
            record_case(CATEGORY, 'passes', 't', 'h', True, checked='observed')

        def test_raises_first(record_case):
            raise OSError('ssh: connection refused')

        def test_records_then_raises(record_case):
            record_case(CATEGORY, 'first half', 't', 'h', True, checked='observed')
            raise ValueError('second half broke')

        def test_setup_error(broken_setup, record_case):
            pass

        def test_teardown_error(broken_teardown, record_case):
            record_case(CATEGORY, 'teardown', 't', 'h', True, checked='observed')

        def test_fails_with_its_row(record_case):
            record_case(CATEGORY, 'fails', 't', 'h', False, checked='observed')
            assert False, 'explained by its row'

        @pytest.mark.parametrize('which', ['one'])
        def test_param_raises(record_case, which):
            raise KeyError(which)

        def test_without_record_case():
            raise RuntimeError('not a case: no row')
        '''))
    env = dict(os.environ, NETBOOT_PXE_TEST_OUTPUT=str(tmp_path / 'out'), PYTHONDONTWRITEBYTECODE='1')
    proc = subprocess.run([sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-q', str(tmp_path)], cwd=str(tmp_path),
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    summary = (tmp_path / 'out' / 'reliability' / 'summary.txt').read_text()
    table = summary.split('\n\n')[0]
    rows = [line.split(None, 1) for line in table.splitlines() if line.startswith('inner ')]
    statuses = {}
    for _category, rest in rows:
        name, status = rest[:34].strip(), rest[35:39].strip()
        statuses.setdefault(name, []).append(status)
    assert statuses == {
        'passes': ['yes'],
        'test_raises_first': ['ERR'],
        'first half': ['yes'], 'test_records_then_raises': ['ERR'],
        'test_setup_error': ['ERR'],
        'teardown': ['yes'], 'test_teardown_error': ['ERR'],
        'fails': ['NO'],
        'test_param_raises [one]': ['ERR'],
    }, summary + proc.stdout[-3000:]
    assert 'raised in call: OSError: ssh: connection refused' in summary
    assert 'raised in setup: RuntimeError: the lab did not come up' in summary
    assert 'raised in teardown: RuntimeError: cleanup failed' in summary
    total = [line for line in summary.splitlines() if line.startswith('all ')][0].split()
    assert total[1:6] == ['9', '3', '1', '5', '0'], summary
