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

from harness import qemu  # noqa: E402  pylint: disable=wrong-import-position
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


def matrix_row(path, firmware, seconds, ok, checked, test=''):
    """One row of the boot matrix: ``ok`` is the verdict of ``checked`` (qemu.booted, or the local-disk check)."""
    return (path, firmware, seconds if ok else None, ok, checked, test)


@pytest.fixture
def record_boot(request):
    """``record_boot(path, result, token, firmware_type, **fields)``: a boot for the matrix printed at the end of the run.

    Its "pass" is qemu.booted(): the marker with this run's token, from the expected firmware type (and any
    further marker fields), exactly what assert_booted checks. Returns the result.
    """
    def record(path, result, token=None, firmware_type=None, **fields):
        if token is None or firmware_type is None:
            # Without them a stale file or the wrong firmware could pass: such a row never does.
            ok, checked = False, 'record_boot was not given the token and firmware type: not checked'
        else:
            ok, checked = qemu.booted(result, token, firmware_type, **fields)
        _MATRIX.append(matrix_row(path, result.firmware, result.seconds, ok, checked, request.node.name))
        return result
    return record


@pytest.fixture
def record_local_boot(request):
    """``record_local_boot(path, result, reached)``: a boot that must leave the network for the local disk.

    Its "pass" is ``reached`` (the disk program's line on the console) with no marker from the network entry;
    its seconds are QEMU's run time (the disk program powers off at once).
    """
    def record(path, result, reached):
        ok = bool(reached) and not result.ok
        checked = 'local disk line, no network marker' + ('' if ok else ': %s' % ('network marker' if result.ok else 'no disk line'))
        _MATRIX.append(matrix_row(path, result.firmware, result.duration, ok, checked, request.node.name))
        return result
    return record


def matrix_lines(rows):
    lines = ['%-34s %-16s %8s  %-6s %s' % ('boot path', 'firmware', 'seconds', 'result', 'checked')]
    for path, firmware, seconds, ok, checked, _test in rows:
        lines.append('%-34s %-16s %8s  %-6s %s' % (path, firmware, '%.1f' % seconds if seconds is not None else '-',
                                                   'pass' if ok else 'FAIL', checked))
    lines.append('')
    lines.append('%d boots: %d pass, %d FAIL (pass: the marker with this run\'s token from the expected firmware;'
                 ' local boots: the disk\'s line and no network marker)' % (len(rows), sum(row[3] for row in rows),
                                                                            sum(not row[3] for row in rows)))
    return lines


def pytest_terminal_summary(terminalreporter):
    if not _MATRIX:
        return
    lines = matrix_lines(_MATRIX)
    terminalreporter.write_sep('=', 'boot matrix')
    for line in lines:
        terminalreporter.write_line(line)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUTPUT_DIR / 'matrix.txt').write_text('\n'.join(lines) + '\n')
