# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability, security and load tests: a lab of their own, and one summary table of every case tried.

Each test records its cases with ``record_case``; the table (category, case, passed, nothing lost, the
checks that ran, what was tried and what happened; see cases.py) is printed at the end and written to
``<test output>/reliability/summary.txt`` for ``make test``. A test that fails without a failing row of its
own (it raised first) is in the table as an error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent.parent
# The e2e harness (QEMU, assets, the playbook driver) and the lab are shared with tests/e2e.
for _path in (TESTS_DIR / 'e2e', TESTS_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from lab import netlab  # noqa: E402  pylint: disable=wrong-import-position
import server  # noqa: E402  pylint: disable=wrong-import-position

import cases  # noqa: E402  pylint: disable=wrong-import-position

OUTPUT_DIR = Path(os.environ.get('NETBOOT_PXE_TEST_OUTPUT') or TESTS_DIR / 'output') / 'reliability'
# A lab of its own (name and management octet overridable), so it can run beside the e2e lab.
LAB = netlab.Lab(name=os.environ.get('NETBOOT_PXE_REL_LAB', 'rel'), mgmt_octet=int(os.environ.get('NETBOOT_PXE_REL_OCTET', '219')))


def pytest_configure(config):
    config.addinivalue_line('markers', 'reliability: tries to break the server (bad input, faults, attacks, load); needs root')


_CASES: list[cases.Case] = []


@pytest.fixture
def record_case(request):
    """``record_case(category, name, tried, happened, passed, nothing_lost=None, checked=None)``: one row of the summary.

    ``checked`` names the checks the verdict rests on ('+'-joined keys of cases.CHECKS); ``nothing_lost`` is shown
    and counted only when one of them is a snapshot comparison. ``passed=None`` records a measurement. Record
    before asserting, so a failing case is in the table too; a test that raises without recording a failing row
    gets an error row (pytest_runtest_makereport below).
    """
    def record(category, name, tried, happened, passed, nothing_lost=None, checked=None):
        case = cases.make_case(category, name, tried, happened, passed, nothing_lost, checked, request.node.nodeid)
        _CASES.append(case)
        return case
    return record


def _category(item):
    module = getattr(item, 'module', None)
    return getattr(module, 'CATEGORY', None) or (module.__name__.replace('test_', '') if module else 'other')


def _case_name(item):
    callspec = getattr(item, 'callspec', None)
    return '%s [%s]' % (item.originalname, callspec.id) if callspec else item.name


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A case that raised (in set-up, the test or its teardown) without recording a failing row is in the table as an error."""
    outcome = yield
    report = outcome.get_result()
    if 'record_case' not in getattr(item, 'fixturenames', ()) or not report.failed:
        return
    if cases.needs_error_row(_CASES, item.nodeid, report.failed):
        if call.excinfo is not None:
            text = '%s: %s' % (call.excinfo.typename, call.excinfo.value)
        else:
            text = (report.longreprtext.strip().splitlines() or ['(no message)'])[-1]
        _CASES.append(cases.error_case(_category(item), _case_name(item), item.nodeid, report.when, text))


@pytest.fixture
def log_dir(request):
    """A fresh <test output>/reliability/<test name>/ for logs."""
    return server.node_dir(OUTPUT_DIR, request.node.name)


@pytest.fixture(scope='session')
def pxe_server():
    """The reliability lab (server container + PXE LAN), torn down at the end even when tests fail."""
    with server.lab_server(LAB, OUTPUT_DIR / 'server') as pxe:
        yield pxe


def pytest_terminal_summary(terminalreporter):
    if not _CASES:
        return
    lines = cases.summary_lines(_CASES)
    terminalreporter.write_sep('=', 'reliability summary (cases tried, passed, nothing lost where a snapshot was compared)')
    for line in lines:
        terminalreporter.write_line(line)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / 'summary.txt').write_text('\n'.join(lines) + '\n')
