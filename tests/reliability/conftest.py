# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability, security and load tests: a lab of their own, and one summary table of every case tried.

Each test records its cases with ``record_case``; the table (category, case, what was tried, what
happened, passed, nothing lost) is printed at the end and written to
``<test output>/reliability/summary.txt`` for ``make test``.
"""

from __future__ import annotations

import dataclasses
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

OUTPUT_DIR = Path(os.environ.get('NETBOOT_PXE_TEST_OUTPUT') or TESTS_DIR / 'output') / 'reliability'
# A lab of its own (name and management octet overridable), so it can run beside the e2e lab.
LAB = netlab.Lab(name=os.environ.get('NETBOOT_PXE_REL_LAB', 'rel'), mgmt_octet=int(os.environ.get('NETBOOT_PXE_REL_OCTET', '219')))


def pytest_configure(config):
    config.addinivalue_line('markers', 'reliability: tries to break the server (bad input, faults, attacks, load); needs root')


@dataclasses.dataclass
class Case:
    category: str
    name: str
    tried: str
    happened: str
    passed: bool
    nothing_lost: bool | None  # None: not applicable (nothing was at stake)
    test: str


_CASES: list[Case] = []


@pytest.fixture
def record_case(request):
    """``record_case(category, name, tried, happened, passed, nothing_lost=None)``: one row of the summary.

    Record before asserting, so a failing case is in the table too.
    """
    def record(category, name, tried, happened, passed, nothing_lost=None):
        case = Case(category, name, tried, ' '.join(str(happened).split()), bool(passed), nothing_lost, request.node.name)
        _CASES.append(case)
        return case
    return record


@pytest.fixture
def log_dir(request):
    """A fresh <test output>/reliability/<test name>/ for logs."""
    return server.node_dir(OUTPUT_DIR, request.node.name)


@pytest.fixture(scope='session')
def pxe_server():
    """The reliability lab (server container + PXE LAN), torn down at the end even when tests fail."""
    with server.lab_server(LAB, OUTPUT_DIR / 'server') as pxe:
        yield pxe


def _cut(text, width):
    return text if len(text) <= width else text[:width - 1] + '~'


def summary_lines(cases):
    """The summary table: one row per case, then totals per category and overall."""
    lines = ['%-9s %-34s %-5s %-5s  %s' % ('category', 'case', 'pass', 'kept', 'tried -> happened')]
    for case in cases:
        kept = '-' if case.nothing_lost is None else ('yes' if case.nothing_lost else 'NO')
        lines.append('%-9s %-34s %-5s %-5s  %s -> %s' % (case.category, _cut(case.name, 34), 'yes' if case.passed else 'NO',
                                                         kept, case.tried, _cut(case.happened, 160)))
    lines.append('')
    lines.append('%-9s %6s %6s %12s' % ('category', 'tried', 'passed', 'nothing lost'))
    categories = sorted({case.category for case in cases})
    for category in categories + ['all']:
        rows = [case for case in cases if category in ('all', case.category)]
        at_stake = [case for case in rows if case.nothing_lost is not None]
        lines.append('%-9s %6d %6d %12s' % (category, len(rows), sum(case.passed for case in rows),
                                            '%d/%d' % (sum(bool(case.nothing_lost) for case in at_stake), len(at_stake))))
    return lines


def pytest_terminal_summary(terminalreporter):
    if not _CASES:
        return
    lines = summary_lines(_CASES)
    terminalreporter.write_sep('=', 'reliability summary (cases tried, passed, nothing lost)')
    for line in lines:
        terminalreporter.write_line(line)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / 'summary.txt').write_text('\n'.join(lines) + '\n')
