# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one QEMU PXE client with real firmware and report whether the test initramfs came up.

The firmware is what makes these tests worth having: SeaBIOS with QEMU's iPXE NIC ROM, OVMF with its
own PXE stack and (later) OVMF Secure Boot and AAVMF behave like the machines the collection serves,
so their DHCP options and loader quirks are the real ones. Success is the initramfs marker line
(see assets.INIT_SCRIPT) on the serial console; the initramfs then powers off and ``-no-reboot``
ends QEMU. Always TCG: /dev/kvm on the test machines is a nested hypervisor that cannot run guests.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

MARKER = 'PXE-E2E-OK'
MARKER_FIELDS = ('arch', 'machine', 'secureboot', 'cmdline')
POLL_INTERVAL = 0.2
# After SIGTERM QEMU exits within milliseconds; SIGKILL is for a QEMU wedged in an emulation failure.
TERM_GRACE = 5.0

OVMF = Path('/usr/share/OVMF')
AAVMF = Path('/usr/share/AAVMF')


@dataclass(frozen=True)
class Firmware:
    """One way to boot a client: the QEMU binary and machine, the NIC model, the UEFI flash images.

    ``code`` is mapped read-only; ``vars_template`` is copied per boot because firmware writes its
    variables (boot order, Secure Boot state) and parallel clients must not share them.
    """

    qemu: str
    machine: tuple
    nic: str
    code: Path | None = None
    vars_template: Path | None = None
    memory_mb: int = 512
    packages: tuple = ()
    # The QEMU device a local disk image (boot(disk=...)) is attached as: the machine's own IDE/AHCI
    # controller where it has one, so the firmware names it like a real hard disk.
    disk_device: str = 'ide-hd,bus=ide.0'


FIRMWARE = {
    # SeaBIOS; e1000's option ROM is iPXE, so the client goes straight to the HTTP boot script.
    # reboot-timeout=0 + -no-reboot: a failed boot ends QEMU at once instead of idling to the timeout.
    'bios': Firmware(
        qemu='qemu-system-x86_64', machine=('-M', 'pc,graphics=off', '-boot', 'strict=on,reboot-timeout=0'), nic='e1000',
        packages=('qemu-system-x86', 'ipxe-qemu')),
    # OVMF's own VirtioNetDxe + PxeBcDxe (romfile= drops the iPXE ROM): DHCP option 93 = 7 and no
    # iPXE user class, like real UEFI firmware.
    'uefi': Firmware(
        qemu='qemu-system-x86_64', machine=('-M', 'q35'), nic='virtio-net-pci,romfile=',
        code=OVMF / 'OVMF_CODE_4M.fd', vars_template=OVMF / 'OVMF_VARS_4M.fd',
        packages=('qemu-system-x86', 'ovmf')),
    # OVMF driving the NIC through QEMU's iPXE ROM (an EFI driver inside e1000's ROM).
    'uefi-ipxe-rom': Firmware(
        qemu='qemu-system-x86_64', machine=('-M', 'q35'), nic='e1000',
        code=OVMF / 'OVMF_CODE_4M.fd', vars_template=OVMF / 'OVMF_VARS_4M.fd',
        packages=('qemu-system-x86', 'ovmf', 'ipxe-qemu')),
    # Secure Boot with Microsoft keys enrolled. The NIC must have no ROM: shim refuses to fetch
    # through iPXE's unsigned driver.
    'uefi-secureboot': Firmware(
        qemu='qemu-system-x86_64',
        machine=('-M', 'q35,smm=on', '-global', 'driver=cfi.pflash01,property=secure,value=on'),
        nic='virtio-net-pci,romfile=',
        code=OVMF / 'OVMF_CODE_4M.secboot.fd', vars_template=OVMF / 'OVMF_VARS_4M.ms.fd',
        packages=('qemu-system-x86', 'ovmf')),
    # arm64 UEFI (AAVMF, EDK II for the virt machine); the kernel console there is ttyAMA0.
    'arm64': Firmware(
        qemu='qemu-system-aarch64', machine=('-M', 'virt', '-cpu', 'cortex-a72'), nic='virtio-net-pci,romfile=',
        code=AAVMF / 'AAVMF_CODE.fd', vars_template=AAVMF / 'AAVMF_VARS.fd', memory_mb=1024,
        packages=('qemu-system-arm', 'qemu-efi-aarch64'), disk_device='virtio-blk-pci'),
}

# direct_boot() per Debian architecture: the FIRMWARE row whose QEMU and machine it borrows (without
# flash images: QEMU loads the kernel itself) and the kernel's serial console on that machine.
DIRECT = {
    'amd64': (FIRMWARE['bios'], 'ttyS0'),
    'arm64': (replace(FIRMWARE['arm64'], code=None, vars_template=None, packages=('qemu-system-arm',)), 'ttyAMA0'),
}

# Escape sequences firmware writes to the serial console (SGR colours, cursor moves, mode sets),
# plus NUL padding and backspaces.
_ANSI = re.compile(r'\x1b\[[0-9;?=]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\x1b[c78=>]|[\x00\x08]')
_MAC = re.compile(r'^[0-9a-f]{2}(:[0-9a-f]{2}){5}$', re.IGNORECASE)
_NAME = re.compile(r'^[A-Za-z0-9._-]{1,15}$')
_FILE_NAME = re.compile(r'^[A-Za-z0-9._-]+$')


@dataclass
class BootResult:
    """What one client boot did. ``ok`` means the marker line was seen on the serial console."""

    firmware: str
    nic: str | None
    mac: str | None
    ok: bool
    marker: str | None
    fields: dict = field(default_factory=dict)
    seconds: float | None = None
    returncode: int | None = None
    serial_log: Path | None = None
    timed_out: bool = False
    pid: int | None = None
    # Wall time from QEMU's start until it exited or was stopped.
    duration: float | None = None

    def cmdline_params(self):
        """The marker's kernel command line as {key: value} (bare flags map to '')."""
        return parse_cmdline(self.fields.get('cmdline', ''))

    def init_environ(self):
        """init's environment as {name: value}: what the kernel made of the command line.

        The kernel passes each ``name=value`` parameter it does not know itself (a name without
        ``.``) to init as an environment variable, after its own parsing (double quotes removed),
        so this shows whether a value holding spaces arrived as one value. {} without the field.
        """
        return parse_environ(self.fields.get('environ', ''))


def parse_cmdline(cmdline):
    """Split a kernel command line like the kernel does: whitespace, double quotes group a value."""
    params = {}
    for token in re.findall(r'(?:[^\s"]|"[^"]*")+', cmdline):
        key, _sep, value = token.partition('=')
        params[key.replace('"', '')] = value.replace('"', '')
    return params


def parse_environ(hex_text):
    """The marker's ``environ=`` field (hex of /proc/1/environ, NUL-separated) as {name: value}."""
    environ = {}
    for item in bytes.fromhex(hex_text).decode('utf-8', errors='replace').split('\0'):
        if item:
            name, _sep, value = item.partition('=')
            environ[name] = value
    return environ


def clean_serial(raw):
    """Serial bytes as text without escape sequences and carriage returns, so lines can be matched."""
    return _ANSI.sub('', raw.decode('latin-1')).replace('\r', '')


def find_marker(text, complete_only=False):
    """Return (marker line, fields) for the first marker line in ``text``, or (None, {}).

    While QEMU runs the last line may still be half written, so ``complete_only`` ignores text
    after the last newline; a marker counts only when all of MARKER_FIELDS are present.
    """
    lines = text.split('\n')
    if complete_only:
        lines = lines[:-1]
    for line in lines:
        start = line.find(MARKER + ' ')
        if start < 0:
            continue
        marker = line[start:].rstrip()
        fields = _marker_fields(marker)
        if fields:
            return marker, fields
    return None, {}


def _marker_fields(marker):
    """Fields of a marker line: key=value words, then ``cmdline=`` which takes the rest of the line."""
    head, sep, cmdline = marker[len(MARKER):].partition(' cmdline=')
    if not sep:
        return {}
    fields = {}
    for word in head.split():
        key, eq, value = word.partition('=')
        if eq:
            fields[key] = value
    fields['cmdline'] = cmdline
    if not all(name in fields for name in MARKER_FIELDS):
        return {}
    return fields


def booted(result, token, firmware_type, **fields):
    """(passed, what was checked): the marker was seen, with this run's ``token`` on its kernel command line,
    from the expected firmware type (``arch`` field: bios or uefi) and with any further marker ``fields``
    (e.g. secureboot='enabled'). The boot matrix's "pass" and the tests' assert_booted both rest on this.
    """
    expected = dict(arch=firmware_type, **fields)
    checked = "marker+token+%s" % '+'.join('%s=%s' % item for item in sorted(expected.items()))
    if not result.ok:
        return False, checked + ': no marker'
    got_token = result.cmdline_params().get('netboot_e2e_token')
    if got_token != token:
        return False, checked + ': token %s, not %s' % (got_token, token)
    wrong = ['%s=%s' % (key, result.fields.get(key)) for key, value in sorted(expected.items()) if result.fields.get(key) != value]
    if wrong:
        return False, checked + ': %s' % ', '.join(wrong)
    return True, checked


def read_marker(serial_log, complete_only=False):
    """find_marker() on a serial log file that may not exist yet."""
    try:
        raw = Path(serial_log).read_bytes()
    except FileNotFoundError:
        return None, {}
    return find_marker(clean_serial(raw), complete_only)


def _opt(path):
    """A path as a QEMU option value: commas separate options there, a literal one is doubled."""
    return str(path).replace(',', ',,')


def _common_args(memory_mb, serial_log):
    return ['-accel', 'tcg', '-m', str(memory_mb), '-smp', '1', '-nodefaults', '-vga', 'none',
            '-display', 'none', '-monitor', 'none', '-no-reboot', '-serial', 'file:%s' % serial_log]


def _pflash_args(spec, vars_copy):
    if spec.code is None:
        return []
    return ['-drive', 'if=pflash,format=raw,unit=0,readonly=on,file=%s' % _opt(spec.code),
            '-drive', 'if=pflash,format=raw,unit=1,file=%s' % _opt(vars_copy)]


def _disk_args(spec, disk):
    """A raw disk image as the second boot device (after the NIC's bootindex=1).

    ``snapshot=on``: the guest's writes go to a temporary overlay, so the cached image is never
    modified and parallel clients can share it.
    UEFI rows also get OVMF's IPv6 stack switched off: the NIC's bootindex covers all four of
    OVMF's network boot options (PXEv4, PXEv6, HTTPv4, HTTPv6), tried in that order before the disk,
    and under TCG the IPv6 ones add about two minutes of DHCPv6/HTTP timeouts. PXEv4 and HTTPv4 stay.
    """
    if disk is None:
        return []
    args = ['-drive', 'if=none,id=disk0,format=raw,snapshot=on,file=%s' % _opt(disk),
            '-device', '%s,drive=disk0,bootindex=2' % spec.disk_device]
    if spec.code is not None and spec.qemu == 'qemu-system-x86_64':
        args += ['-fw_cfg', 'name=opt/org.tianocore/IPv6Support,string=no']
    return args


def _first_nic_args(spec, first_nic_mac):
    """A NIC ahead of the booting one (the guest's first NIC: iPXE's net0), with no boot index.

    Its netdev is a port of a QEMU hub that has no other port, so nothing it sends reaches the LAN.
    """
    if first_nic_mac is None:
        return []
    return ['-netdev', 'hubport,id=n1,hubid=1', '-device', '%s,netdev=n1,mac=%s' % (spec.nic, first_nic_mac)]


def qemu_command(firmware, *, tap, mac, serial_log, vars_copy=None, disk=None, first_nic_mac=None):
    """The QEMU argv (without the netns wrapper) for a PXE boot of ``firmware`` on tap ``tap``.

    ``disk`` (a raw image) adds a local disk the firmware boots from after the network.
    ``first_nic_mac`` adds an unconnected NIC before the booting one: the client boots from its second NIC.
    """
    spec = firmware_spec(firmware)
    if spec.code is not None and vars_copy is None:
        raise ValueError('firmware %r needs a copy of %s' % (firmware, spec.vars_template))
    return ([spec.qemu, *spec.machine, *_common_args(spec.memory_mb, serial_log), *_pflash_args(spec, vars_copy),
             *_first_nic_args(spec, first_nic_mac),
             '-netdev', 'tap,id=n0,ifname=%s,script=no,downscript=no' % tap,
             '-device', '%s,netdev=n0,mac=%s,bootindex=1' % (spec.nic, mac), *_disk_args(spec, disk)])


def firmware_spec(firmware):
    """The FIRMWARE row for ``firmware``; a clear error names the valid choices."""
    try:
        return FIRMWARE[firmware]
    except KeyError:
        raise ValueError('unknown firmware %r, expected one of %s' % (firmware, ', '.join(FIRMWARE))) from None


def _check_installed(spec):
    """Fail before starting QEMU when a binary or flash image is missing, naming the package to install."""
    missing = [path for path in (spec.code, spec.vars_template) if path is not None and not path.is_file()]
    if shutil.which(spec.qemu) is None:
        missing.insert(0, spec.qemu)
    if missing:
        raise FileNotFoundError('missing %s (Debian packages: %s)' % (', '.join(map(str, missing)), ' '.join(spec.packages)))


def _validate(netns, tap, mac, name):
    if not _NAME.match(netns or '') or not _NAME.match(tap or ''):
        raise ValueError('netns and tap must be interface-style names, got %r and %r' % (netns, tap))
    if not _MAC.match(mac or ''):
        raise ValueError('not a MAC address: %r' % (mac,))
    if not _FILE_NAME.match(name):
        raise ValueError('name is used in file names and may hold only [A-Za-z0-9._-]: %r' % (name,))


def boot(firmware, *, netns, tap, mac, log_dir, timeout=150, name=None, disk=None, first_nic_mac=None):
    """PXE-boot one client on ``tap`` inside network namespace ``netns`` and wait for the marker.

    The caller owns the namespace, the tap and the servers behind it. Files written to ``log_dir``:
    ``<name>.serial.log``, ``<name>.cmd`` (the exact command), ``<name>.stderr`` and, for UEFI,
    ``<name>.vars.fd``. ``disk``: a raw image attached as a local disk, booted after the network
    (see _disk_args; assets.local_disk() builds one). ``first_nic_mac``: a multi-NIC client whose
    first NIC (this MAC, connected to nothing) does not boot; it boots from the NIC ``mac`` on ``tap``.
    """
    spec = firmware_spec(firmware)
    name = name or '%s-%s' % (firmware, mac.replace(':', '').lower())
    _validate(netns, tap, mac, name)
    if first_nic_mac is not None and (not _MAC.match(first_nic_mac) or first_nic_mac.lower() == mac.lower()):
        raise ValueError('first_nic_mac must be a MAC other than %s, got %r' % (mac, first_nic_mac))
    _check_installed(spec)
    _check_disk(disk)
    log_dir, vars_copy, serial_log = _prepare_logs(spec, log_dir, name)
    argv = ['ip', 'netns', 'exec', netns,
            *qemu_command(firmware, tap=tap, mac=mac, serial_log=serial_log, vars_copy=vars_copy, disk=disk,
                          first_nic_mac=first_nic_mac)]
    result = BootResult(firmware=firmware, nic=spec.nic, mac=mac, ok=False, marker=None, serial_log=serial_log)
    return _run(argv, result, log_dir, name, timeout)


def _check_disk(disk):
    if disk is not None and not Path(disk).is_file():
        raise FileNotFoundError('no disk image %s' % disk)


def disk_boot(disk, *, firmware, log_dir, timeout=60, name='disk'):
    """Boot ``firmware`` with only the local disk ``disk`` (no NIC): checks a disk image on its own.

    The marker of the initramfs is not expected here; the caller reads the serial log.
    """
    spec = firmware_spec(firmware)
    _check_installed(spec)
    _check_disk(disk)
    if not _FILE_NAME.match(name):
        raise ValueError('name is used in file names and may hold only [A-Za-z0-9._-]: %r' % (name,))
    log_dir, vars_copy, serial_log = _prepare_logs(spec, log_dir, name)
    argv = [spec.qemu, *spec.machine, *_common_args(spec.memory_mb, serial_log), *_pflash_args(spec, vars_copy),
            *_disk_args(spec, disk)]
    result = BootResult(firmware='disk-' + firmware, nic=None, mac=None, ok=False, marker=None, serial_log=serial_log)
    return _run(argv, result, log_dir, name, timeout)


def _prepare_logs(spec, log_dir, name):
    """Create log_dir; return it, a private copy of the firmware's variable store (or None) and the serial log path."""
    log_dir = Path(log_dir).resolve()
    log_dir.mkdir(parents=True, exist_ok=True)
    vars_copy = None
    if spec.vars_template is not None:
        vars_copy = log_dir / ('%s.vars.fd' % name)
        shutil.copyfile(spec.vars_template, vars_copy)
    return log_dir, vars_copy, log_dir / ('%s.serial.log' % name)


def direct_boot(kernel, initrd, append, *, log_dir, timeout=90, name='direct', arch='amd64', firmware=None):
    """Boot ``kernel`` + ``initrd`` straight from QEMU (no firmware PXE, no network, no netns).

    This checks the boot assets on their own, so a PXE test failure can be told apart from an
    asset failure. ``panic=-1`` turns a kernel panic into an immediate QEMU exit (``-no-reboot``).
    ``arch`` (a DIRECT key) picks the QEMU machine and console: amd64 is the ``bios`` row's PC
    on ttyS0, arm64 the ``arm64`` row's virt board (cortex-a72, 1 GiB) on ttyAMA0.
    ``firmware`` (a FIRMWARE row of the same QEMU, e.g. ``arm64``) boots through that row's UEFI
    instead: QEMU hands the kernel to the firmware (fw_cfg), which starts it as an EFI application.
    """
    try:
        spec, console = DIRECT[arch]
    except KeyError:
        raise ValueError('unknown arch %r, expected one of %s' % (arch, ', '.join(DIRECT))) from None
    if firmware is not None:
        if firmware_spec(firmware).qemu != spec.qemu:
            raise ValueError('firmware %r does not run under %s (arch %s)' % (firmware, spec.qemu, arch))
        spec = firmware_spec(firmware)
    _check_installed(spec)
    if not _FILE_NAME.match(name):
        raise ValueError('name is used in file names and may hold only [A-Za-z0-9._-]: %r' % (name,))
    log_dir, vars_copy, serial_log = _prepare_logs(spec, log_dir, name)
    argv = [spec.qemu, *spec.machine, *_common_args(spec.memory_mb, serial_log), *_pflash_args(spec, vars_copy),
            '-kernel', str(kernel), '-initrd', str(initrd),
            '-append', ('console=%s quiet panic=-1 %s' % (console, append)).strip()]
    label = 'direct-via-' + firmware if firmware else 'direct' if arch == 'amd64' else 'direct-' + arch
    result = BootResult(firmware=label, nic=None, mac=None, ok=False, marker=None, serial_log=serial_log)
    return _run(argv, result, log_dir, name, timeout)


def _run(argv, result, log_dir, name, timeout):
    """Start QEMU in its own process group, watch the serial log, and never leave it running."""
    result.serial_log.write_bytes(b'')
    (log_dir / ('%s.cmd' % name)).write_text(shlex.join(argv) + '\n')
    with open(log_dir / ('%s.stderr' % name), 'wb') as stderr:
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stderr, stderr=stderr, start_new_session=True)
        result.pid = proc.pid
        try:
            _watch(proc, result, started, timeout)
        finally:
            _stop(proc)
            result.duration = time.monotonic() - started
    result.returncode = proc.returncode
    if not result.ok:
        # QEMU has exited, so a last line without its newline is complete now.
        result.marker, result.fields = read_marker(result.serial_log)
        if result.marker is not None:
            result.ok = True
            result.seconds = time.monotonic() - started
    return result


def _watch(proc, result, started, timeout):
    """Poll the serial log until QEMU exits or ``timeout`` passes; record when the marker appeared."""
    deadline = started + timeout
    while True:
        if not result.ok:
            result.marker, result.fields = read_marker(result.serial_log, complete_only=True)
            if result.marker is not None:
                result.ok = True
                result.seconds = time.monotonic() - started
        if proc.poll() is not None:
            return
        if time.monotonic() >= deadline:
            result.timed_out = True
            return
        time.sleep(POLL_INTERVAL)


def _stop(proc):
    """Terminate QEMU's process group (the group of the PID we started), escalating to SIGKILL.

    Only signals the group while its leader is unreaped (alive or a zombie), so the group id cannot
    have been reused by an unrelated process.
    """
    if proc.poll() is not None:
        return
    try:
        _signal_group(proc, signal.SIGTERM)
        proc.wait(timeout=TERM_GRACE)
    except subprocess.TimeoutExpired:
        pass
    finally:
        # Also reached on a second Ctrl-C during the grace period.
        if proc.poll() is None:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()


def _signal_group(proc, signum):
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass
