# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the QEMU harness itself, with no PXE server: marker parsing, the assets, and cleanup.

If these fail, a failing PXE test says nothing about the collection.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time

import pytest

import server
from harness import assets, qemu

# What OVMF + the kernel leave on the serial console: colour codes, cursor moves, CRLF, a NUL.
SAMPLE_SERIAL = (
    b'\x1b[2J\x1b[01;01H\x1b[=3h\x1b[0m\x1b[35m\x1b[40mBdsDxe: loading Boot0001 "UEFI PXEv4"\r\n'
    b'\x1b[0m\x1b[37m\x1b[40m>>Start PXE over IPv4.\r\n'
    b'[    1.234567] Run /init as init process\r\n'
    b'\x00\r\n'
    b'\x1b[0mPXE-E2E-OK arch=uefi machine=x86_64 secureboot=disabled '
    b'cmdline=initrd=initrd.gz console=ttyS0 quiet panic=-1 pxa_via="ipxe efi" token=abc123\r\n'
    b'[    2.000000] reboot: Power down\r\n'
)


@pytest.fixture(scope='module')
def boot_files():
    """The real kernel and initramfs, built (or taken from the cache) once for this module."""
    assets.ensure_host_packages()
    return assets.kernel(), assets.initramfs()


@pytest.fixture(scope='module')
def arm64_boot_files():
    """The arm64 kernel and initramfs (from arm64 .debs via the isolated apt state), and qemu-system-aarch64."""
    assets.ensure_host_packages(arm64=True)
    return assets.kernel('arm64'), assets.initramfs(arch='arm64')


def _gone(pid):
    """True when no process of the group QEMU was started in is left (it led its own group)."""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_marker_parsed_from_serial_log_with_ansi(tmp_path):
    log = tmp_path / 'serial.log'
    log.write_bytes(SAMPLE_SERIAL)
    marker, fields = qemu.read_marker(log)
    assert marker.startswith('PXE-E2E-OK arch=uefi ')
    assert '\x1b' not in marker and '\r' not in marker
    assert fields == {
        'arch': 'uefi', 'machine': 'x86_64', 'secureboot': 'disabled',
        'cmdline': 'initrd=initrd.gz console=ttyS0 quiet panic=-1 pxa_via="ipxe efi" token=abc123',
    }
    result = qemu.BootResult(firmware='uefi', nic='virtio-net-pci,romfile=', mac=None, ok=True, marker=marker, fields=fields)
    assert result.cmdline_params() == {
        'initrd': 'initrd.gz', 'console': 'ttyS0', 'quiet': '', 'panic': '-1', 'pxa_via': 'ipxe efi', 'token': 'abc123',
    }


def test_init_environ_from_the_marker():
    environ = b'HOME=/\0TERM=linux\0preseed/late_command=in-target systemctl enable ssh\0odd=a=b \xc3\xa9\0'
    text = qemu.clean_serial(b'PXE-E2E-OK arch=bios machine=x86_64 secureboot=na environ=%s cmdline=quiet\r\n' % environ.hex().encode())
    marker, fields = qemu.find_marker(text)
    result = qemu.BootResult(firmware='bios', nic=None, mac=None, ok=True, marker=marker, fields=fields)
    assert result.init_environ() == {
        'HOME': '/', 'TERM': 'linux', 'preseed/late_command': 'in-target systemctl enable ssh', 'odd': 'a=b \u00e9'}
    assert fields['cmdline'] == 'quiet'
    # A marker without the field (an initramfs from before it) parses, with an empty environment.
    marker, fields = qemu.find_marker(qemu.clean_serial(SAMPLE_SERIAL))
    assert qemu.BootResult(firmware='uefi', nic=None, mac=None, ok=True, marker=marker, fields=fields).init_environ() == {}


def test_half_written_marker_waits_for_its_newline():
    text = qemu.clean_serial(b'boot\r\nPXE-E2E-OK arch=bios machine=x86_64 secureboot=na cmdline=console=tty')
    assert qemu.find_marker(text, complete_only=True) == (None, {})
    assert qemu.find_marker(text)[1]['cmdline'] == 'console=tty'


def test_no_marker_without_all_fields():
    assert qemu.find_marker('PXE-E2E-OK arch=bios cmdline=x\n') == (None, {})
    assert qemu.find_marker('echo PXE-E2E-OK\n') == (None, {})


def _marker_result(firmware='uefi', token='abc123', arch='uefi', secureboot='disabled'):
    marker = 'PXE-E2E-OK arch=%s machine=x86_64 secureboot=%s cmdline=console=ttyS0 netboot_e2e_token=%s' % (arch, secureboot, token)
    found, fields = qemu.find_marker(marker + '\n')
    return qemu.BootResult(firmware=firmware, nic=None, mac=None, ok=bool(found), marker=found, fields=fields, seconds=1.5)


def test_boot_passes_only_with_this_runs_token_and_firmware():
    """The boot matrix's "pass" (qemu.booted): a marker alone is not enough."""
    assert qemu.booted(_marker_result(), 'abc123', 'uefi') == (True, 'marker+token+arch=uefi')
    # A stale file on the server (an older run's token), the wrong firmware type, a missing or wrong field.
    stale = qemu.booted(_marker_result(token='0ld0ld'), 'abc123', 'uefi')
    assert stale == (False, 'marker+token+arch=uefi: token 0ld0ld, not abc123')
    assert not qemu.booted(_marker_result(arch='bios'), 'abc123', 'uefi')[0]
    assert not qemu.booted(_marker_result(), 'abc123', 'uefi', secureboot='enabled')[0]
    assert qemu.booted(_marker_result(secureboot='enabled'), 'abc123', 'uefi', secureboot='enabled')[0]
    no_marker = qemu.BootResult(firmware='bios', nic=None, mac=None, ok=False, marker=None)
    assert qemu.booted(no_marker, 'abc123', 'bios') == (False, 'marker+token+arch=bios: no marker')


def test_boot_matrix_row_follows_the_check(record_boot, record_local_boot):
    """record_boot's row says FAIL for a marker with another run's token, and for a call without the token;
    record_local_boot's for a network marker. (The rows are taken out again: they are not real boots.)"""
    matrix = record_boot.__globals__['_MATRIX']
    start = len(matrix)
    try:
        record_boot('selftest: good', _marker_result(), 'abc123', 'uefi')
        record_boot('selftest: stale token', _marker_result(token='0ld0ld'), 'abc123', 'uefi')
        record_boot('selftest: wrong firmware', _marker_result(arch='bios'), 'abc123', 'uefi')
        record_boot('selftest: no token given', _marker_result())
        record_local_boot('selftest: local disk', qemu.BootResult(firmware='bios', nic=None, mac=None, ok=False, marker=None,
                                                                  duration=3.0), True)
        record_local_boot('selftest: network instead', _marker_result(), True)
        rows = matrix[start:]
    finally:
        del matrix[start:]
    assert [(row[0], row[3]) for row in rows] == [
        ('selftest: good', True), ('selftest: stale token', False), ('selftest: wrong firmware', False),
        ('selftest: no token given', False), ('selftest: local disk', True), ('selftest: network instead', False)]
    assert rows[4][2] == 3.0 and rows[1][2] is None
    lines = record_boot.__globals__['matrix_lines'](rows)
    assert ' FAIL ' in lines[2] and lines[2].endswith('marker+token+arch=uefi: token 0ld0ld, not abc123'), lines
    assert lines[-1].startswith('6 boots: 2 pass, 4 FAIL'), lines


def _self_probe_output(ipxe_status):
    probe = {'arch': 'bios', 'arch_code': 0, 'ok': True, 'boot': {'boot_file': 'undionly.kpxe'},
             'expected_boot_file': 'undionly.kpxe', 'fetch': {'verified': True}}
    ipxe = {'arch': 'bios', 'arch_code': 0, 'ok': True, 'boot': {'boot_file': 'http://10.77.0.1/boot.ipxe'},
            'expected_boot_file': 'http://10.77.0.1/boot.ipxe', 'fetch': None}
    return '\n'.join([
        'TASK [netboot.pxe.server : Probe the server as PXE firmware would (boot file per architecture)] ***',
        'FAILED - RETRYING: [pxe-server]: Probe the server as PXE firmware would (2 retries left).',
        'ok: [pxe-server] => %s' % json.dumps({'changed': False, 'probes': [probe]}),
        '',
        'TASK [netboot.pxe.server : Probe the server as iPXE would (the boot script)] ***',
        ipxe_status % json.dumps({'changed': False, 'probes': [ipxe]}),
        '',
        'PLAY RECAP ***',
    ])


def test_self_probe_check_needs_the_probes_results():
    """A probe task's header is printed even when its own ``when:`` skips it: the check reads the results."""
    from test_pxe_probe import self_probe_problems  # pylint: disable=import-outside-toplevel
    good = _self_probe_output('ok: [pxe-server] => %s')
    assert server.task_result(good, 'Probe the server as iPXE would')['probes'][0]['ok'] is True
    assert self_probe_problems(good, ['bios'], ['bios']) == []
    skipped = _self_probe_output('skipping: [pxe-server] => {"changed": false, "false_condition": "x", "skip_reason": "%s"}')
    assert server.task_result(skipped, 'Probe the server as iPXE would') == {'skipped': True}
    assert self_probe_problems(skipped, ['bios'], ['bios']) == ['Probe the server as iPXE would: skipped']
    # Without the results (a run without ANSIBLE_VERBOSITY=1) nothing can be read: that fails too.
    bare = _self_probe_output('ok: [pxe-server]%.0s')
    assert self_probe_problems(bare, ['bios'], ['bios']) == ['Probe the server as iPXE would: no probes in its result']
    assert self_probe_problems(good, ['bios', 'efi-x86_64'], ['bios'])[0].startswith(
        "Probe the server as PXE firmware would: probed ['bios'], not ['bios', 'efi-x86_64']")
    assert server.task_result(good, 'no such task') is None


@pytest.mark.parametrize('firmware', sorted(qemu.FIRMWARE))
def test_firmware_rows_build_pxe_command_lines(firmware, tmp_path):
    spec = qemu.FIRMWARE[firmware]
    argv = qemu.qemu_command(firmware, tap='tap0', mac='52:54:00:12:34:56', serial_log=tmp_path / 's.log',
                             vars_copy=tmp_path / 'v,1.fd')
    assert argv[0] == spec.qemu
    assert argv[argv.index('-accel') + 1] == 'tcg'
    assert '-no-reboot' in argv and '-nodefaults' in argv
    assert argv[-1] == '%s,netdev=n0,mac=52:54:00:12:34:56,bootindex=1' % spec.nic
    assert ('file=%s/v,,1.fd' % tmp_path in ' '.join(argv)) == (spec.code is not None)


@pytest.mark.parametrize('firmware', sorted(qemu.FIRMWARE))
def test_first_nic_goes_before_the_booting_nic_and_nowhere(firmware, tmp_path):
    common = dict(tap='tap0', mac='52:54:00:12:34:56', serial_log=tmp_path / 's.log', vars_copy=tmp_path / 'v.fd')
    plain = qemu.qemu_command(firmware, **common)
    argv = qemu.qemu_command(firmware, first_nic_mac='52:54:00:12:34:01', **common)
    at = plain.index('-netdev')
    assert argv[:at] == plain[:at] and argv[at + 4:] == plain[at:]
    assert argv[at:at + 4] == ['-netdev', 'hubport,id=n1,hubid=1', '-device', '%s,netdev=n1,mac=52:54:00:12:34:01' % qemu.FIRMWARE[firmware].nic]
    with pytest.raises(ValueError, match='first_nic_mac'):
        qemu.boot(firmware, netns='ns', tap='tap0', mac='52:54:00:12:34:56', log_dir=tmp_path, first_nic_mac='52:54:00:12:34:56')


@pytest.mark.parametrize('firmware', sorted(qemu.FIRMWARE))
def test_local_disk_is_the_second_boot_device_and_never_written(firmware, tmp_path):
    common = dict(tap='tap0', mac='52:54:00:12:34:56', serial_log=tmp_path / 's.log', vars_copy=tmp_path / 'v.fd')
    plain = qemu.qemu_command(firmware, **common)
    argv = qemu.qemu_command(firmware, disk=tmp_path / 'disk,1.img', **common)
    assert argv[:len(plain)] == plain  # without a disk the command line is unchanged
    drive, device = argv[len(plain):][1:4:2]
    assert argv[len(plain):][0:4:2] == ['-drive', '-device']
    ovmf = qemu.FIRMWARE[firmware].code is not None and firmware != 'arm64'
    assert (argv[len(plain) + 4:] == ['-fw_cfg', 'name=opt/org.tianocore/IPv6Support,string=no']) == ovmf
    assert len(argv) == len(plain) + (6 if ovmf else 4)
    assert drive.split(',')[:4] == ['if=none', 'id=disk0', 'format=raw', 'snapshot=on']
    assert drive.endswith('file=%s/disk,,1.img' % tmp_path)
    assert device == '%s,drive=disk0,bootindex=2' % qemu.FIRMWARE[firmware].disk_device
    assert plain[-1].endswith(',bootindex=1')


def test_local_disk_programs_are_well_formed():
    app = assets.efi_app_x64(assets.LOCAL_DISK_EFI_LINE)
    pe = int.from_bytes(app[0x3c:0x40], 'little')
    assert app[:2] == b'MZ' and app[pe:pe + 6] == b'PE\0\0\x64\x86'
    assert int.from_bytes(app[pe + 24 + 68:pe + 24 + 70], 'little') == 10  # EFI application
    assert assets.LOCAL_DISK_EFI_LINE.encode('utf-16-le') in app
    code = assets.mbr_boot_code(assets.LOCAL_DISK_BIOS_LINE)
    assert len(code) <= 440 and assets.LOCAL_DISK_BIOS_LINE.encode() in code
    with pytest.raises(ValueError):
        assets.mbr_boot_code('x' * 440)


def test_every_firmware_row_is_installable_by_ensure_host_packages(monkeypatch):
    calls = []

    def run(argv, **_kwargs):
        calls.append(argv[1:])
        return subprocess.CompletedProcess(argv, 0, '', '')

    monkeypatch.setattr(assets.subprocess, 'run', run)
    assets.ensure_host_packages()
    assets.ensure_host_packages(arm64=True)
    default, arm64 = calls
    assert not set(assets.ARM64_HOST_PACKAGES) & set(default)
    assert set(assets.ARM64_HOST_PACKAGES) <= set(arm64) and set(default) <= set(arm64)
    assert set(qemu.FIRMWARE['arm64'].packages) <= set(arm64)
    for firmware, spec in qemu.FIRMWARE.items():
        assert set(spec.packages) <= set(arm64), firmware


def test_direct_boot_command_lines_per_arch(tmp_path, monkeypatch):
    commands = {}
    monkeypatch.setattr(qemu, '_check_installed', lambda spec: None)
    monkeypatch.setattr(qemu, '_run', lambda argv, result, *_args: commands.setdefault(result.firmware, argv))
    for arch, firmware in (('amd64', None), ('arm64', None), ('arm64', 'arm64')):
        qemu.direct_boot('vmlinuz', 'initrd.gz', 'x=1', log_dir=tmp_path, arch=arch, firmware=firmware)
    amd64, arm64, aavmf = commands['direct'], commands['direct-arm64'], commands['direct-via-arm64']
    assert amd64[:5] == ['qemu-system-x86_64', '-M', 'pc,graphics=off', '-boot', 'strict=on,reboot-timeout=0']
    assert amd64[-1] == 'console=ttyS0 quiet panic=-1 x=1' and 'pflash' not in ' '.join(amd64)
    assert arm64[:5] == ['qemu-system-aarch64', '-M', 'virt', '-cpu', 'cortex-a72']
    assert arm64[arm64.index('-m') + 1] == '1024' and arm64[-1] == 'console=ttyAMA0 quiet panic=-1 x=1'
    assert 'pflash' not in ' '.join(arm64) and 'AAVMF_CODE.fd' in ' '.join(aavmf)
    with pytest.raises(ValueError):
        qemu.direct_boot('vmlinuz', 'initrd.gz', '', log_dir=tmp_path, arch='riscv64')
    with pytest.raises(ValueError):
        qemu.direct_boot('vmlinuz', 'initrd.gz', '', log_dir=tmp_path, arch='arm64', firmware='uefi')


def test_foreign_apt_state_is_isolated(tmp_path, monkeypatch):
    commands = []
    monkeypatch.setattr(assets, '_run', lambda argv, **_kwargs: commands.append(argv) or '')
    options = assets.foreign_apt('arm64', tmp_path)
    assert 'APT::Architecture=arm64' in options and 'APT::Architectures::=arm64' in options
    state = tmp_path.resolve() / 'apt-arm64'
    assert 'Dir::State::status=%s' % (state / 'status') in options
    assert commands == [['apt-get', *options, 'update']] and (state / 'status').read_bytes() == b''
    with pytest.raises(ValueError):
        assets.foreign_apt('arm64 -o X=1', tmp_path)


@pytest.mark.e2e
def test_cached_assets_are_reused_without_download(boot_files, monkeypatch):
    commands = []
    real_run = assets._run  # pylint: disable=protected-access

    def run(argv, **kwargs):
        commands.append(argv)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(assets, '_run', run)
    assert (assets.kernel(), assets.initramfs()) == boot_files
    assert not [argv for argv in commands if 'download' in argv]


@pytest.mark.e2e
def test_cached_arm64_assets_are_reused_without_download(arm64_boot_files, monkeypatch):
    commands = []
    real_run = assets._run  # pylint: disable=protected-access

    def run(argv, **kwargs):
        commands.append(argv)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(assets, '_run', run)
    assert (assets.kernel('arm64'), assets.initramfs(arch='arm64')) == arm64_boot_files
    assert commands and not [argv for argv in commands if 'download' in argv or 'update' in argv]
    assert arm64_boot_files[0].name.endswith('-arm64')
    # Unpacked, never installed: the host's dpkg has no arm64 and no arm64 kernel.
    assert 'arm64' not in assets._run(['dpkg', '--print-foreign-architectures'])  # pylint: disable=protected-access


@pytest.mark.e2e
def test_direct_boot_prints_marker_with_our_cmdline(boot_files, log_dir):
    kernel, initrd = boot_files
    token = secrets.token_hex(8)
    # QEMU hands -append to the kernel verbatim: a quoted value with spaces reaches init as one value.
    result = qemu.direct_boot(kernel, initrd, 'netboot_pxe_token=%s spaced/param="in-target systemctl enable ssh"' % token,
                              log_dir=log_dir)
    assert result.ok, result.serial_log.read_text(errors='replace')[-2000:]
    assert result.fields['arch'] == 'bios'
    assert result.fields['machine'] == 'x86_64'
    assert result.fields['secureboot'] == 'na'
    assert result.cmdline_params()['netboot_pxe_token'] == token
    environ = result.init_environ()
    assert environ['netboot_pxe_token'] == token and environ['spaced/param'] == 'in-target systemctl enable ssh', environ
    assert not result.timed_out and result.returncode == 0
    assert 0 < result.seconds < 90
    assert _gone(result.pid)
    print('direct boot: marker after %.1f s' % result.seconds)


@pytest.mark.e2e
def test_arm64_direct_boot_prints_marker_with_our_cmdline(arm64_boot_files, log_dir):
    kernel, initrd = arm64_boot_files
    token = secrets.token_hex(8)
    result = qemu.direct_boot(kernel, initrd, 'netboot_pxe_token=%s' % token, log_dir=log_dir, arch='arm64')
    assert result.ok, result.serial_log.read_text(errors='replace')[-2000:]
    assert result.fields['machine'] == 'aarch64'
    # QEMU starts the kernel itself here, without EFI (the marker's fallback label is "bios").
    assert result.fields['arch'] != 'uefi'
    assert result.cmdline_params()['netboot_pxe_token'] == token
    assert result.cmdline_params()['console'] == 'ttyAMA0'
    assert not result.timed_out and result.returncode == 0
    assert 0 < result.seconds < 90
    assert _gone(result.pid)
    print('arm64 direct boot: marker after %.1f s' % result.seconds)


@pytest.mark.e2e
def test_arm64_kernel_through_aavmf_reports_uefi(arm64_boot_files, log_dir):
    kernel, initrd = arm64_boot_files
    token = secrets.token_hex(8)
    result = qemu.direct_boot(kernel, initrd, 'netboot_pxe_token=%s' % token, log_dir=log_dir, arch='arm64', firmware='arm64')
    assert result.ok, result.serial_log.read_text(errors='replace')[-2000:]
    assert result.fields['arch'] == 'uefi' and result.fields['machine'] == 'aarch64'
    assert result.fields['secureboot'] in ('disabled', 'unknown')
    assert result.cmdline_params()['netboot_pxe_token'] == token
    assert not result.timed_out and result.returncode == 0
    assert _gone(result.pid)
    print('arm64 AAVMF boot: marker after %.1f s' % result.seconds)


@pytest.mark.e2e
def test_boot_without_marker_panics_and_exits(boot_files, log_dir):
    # No /init: the kernel panics, panic=-1 reboots, -no-reboot ends QEMU well before the timeout.
    kernel, initrd = boot_files
    result = qemu.direct_boot(kernel, initrd, 'rdinit=/nonexistent', log_dir=log_dir, timeout=90)
    assert not result.ok and result.marker is None and result.seconds is None
    assert not result.timed_out
    assert 'Kernel panic' in result.serial_log.read_text(errors='replace')
    assert _gone(result.pid)


@pytest.mark.e2e
def test_timeout_kills_qemu(boot_files, log_dir):
    kernel, initrd = boot_files
    started = time.monotonic()
    result = qemu.direct_boot(kernel, initrd, '', log_dir=log_dir, timeout=1.5)
    assert result.timed_out and not result.ok
    # QEMU catches SIGTERM and exits 0 after saying so; a SIGKILL would show as a negative code.
    stderr = (log_dir / 'direct.stderr').read_text()
    assert result.returncode < 0 or 'terminating on signal 15' in stderr
    assert time.monotonic() - started < 1.5 + qemu.TERM_GRACE + 2
    assert _gone(result.pid)


@pytest.mark.e2e
def test_interrupt_leaves_no_qemu(boot_files, log_dir, monkeypatch):
    kernel, initrd = boot_files
    started = []
    real_popen = qemu.subprocess.Popen

    def popen(*args, **kwargs):
        proc = real_popen(*args, **kwargs)
        started.append(proc.pid)
        return proc

    def interrupt(_seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(qemu.subprocess, 'Popen', popen)
    monkeypatch.setattr(qemu.time, 'sleep', interrupt)
    with pytest.raises(KeyboardInterrupt):
        qemu.direct_boot(kernel, initrd, '', log_dir=log_dir)
    assert len(started) == 1 and _gone(started[0])


@pytest.mark.e2e
@pytest.mark.parametrize('firmware, line', [('uefi', assets.LOCAL_DISK_EFI_LINE), ('bios', assets.LOCAL_DISK_BIOS_LINE)])
def test_local_disk_boots_on_its_own(firmware, line, log_dir):
    """The local-boot tests' disk without a network: the firmware starts it, it prints its line and powers off."""
    assets.ensure_host_packages()
    disk = assets.local_disk()
    before = disk.read_bytes()
    result = qemu.disk_boot(disk, firmware=firmware, log_dir=log_dir, name='disk-' + firmware)
    log = qemu.clean_serial(result.serial_log.read_bytes())
    assert line in log, log[-3000:]
    assert not result.timed_out and result.returncode == 0
    assert disk.read_bytes() == before  # snapshot=on
