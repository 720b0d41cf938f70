# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared set-up of the end-to-end tests: the ``e2e`` marker, the harness on sys.path, log directories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
# Logs go to tests/output/e2e unless NETBOOT_PXE_TEST_OUTPUT says where (make keeps them out of its rebuilt tree).
OUTPUT_DIR = Path(os.environ.get('NETBOOT_PXE_TEST_OUTPUT') or E2E_DIR.parent / 'output') / 'e2e'

# The harness is a plain package next to the tests, imported as ``from harness import ...``;
# the lab (tests/lab) as ``from lab import netlab``.
for _path in (E2E_DIR, E2E_DIR.parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from lab import netlab  # noqa: E402  pylint: disable=wrong-import-position
import server  # noqa: E402  pylint: disable=wrong-import-position

# Overridable so two runs (say, CI and a developer's) never share a lab.
LAB = netlab.Lab(name=os.environ.get('NETBOOT_PXE_E2E_LAB', 'e2e'), mgmt_octet=int(os.environ.get('NETBOOT_PXE_E2E_OCTET', '215')))


def pytest_configure(config):
    config.addinivalue_line('markers', 'e2e: boots real firmware/kernels in QEMU (slow, needs root and Debian packages)')


@pytest.fixture
def log_dir(request):
    """A fresh tests/output/e2e/<test name>/ (gitignored) for serial logs, command lines and stderr."""
    return server.node_dir(OUTPUT_DIR, request.node.name)


@pytest.fixture(scope='session')
def pxe_server():
    """The lab (container + PXE LAN), torn down at the end even when tests fail."""
    with server.lab_server(LAB, OUTPUT_DIR / 'server') as pxe:
        yield pxe


_MATRIX = []


@pytest.fixture
def record_boot(request):
    """Record a boot for the matrix summary printed at the end of the run (and written for make test)."""
    def record(path, result):
        _MATRIX.append((path, result.firmware, result.seconds, result.ok, request.node.name))
        return result
    return record


def pytest_terminal_summary(terminalreporter):
    if not _MATRIX:
        return
    lines = ['%-34s %-16s %8s  %s' % ('boot path', 'firmware', 'seconds', 'result')]
    for path, firmware, seconds, ok, _test in _MATRIX:
        lines.append('%-34s %-16s %8s  %s' % (path, firmware, '%.1f' % seconds if seconds is not None else '-', 'pass' if ok else 'FAIL'))
    terminalreporter.write_sep('=', 'boot matrix')
    for line in lines:
        terminalreporter.write_line(line)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / 'matrix.txt').write_text('\n'.join(lines) + '\n')
