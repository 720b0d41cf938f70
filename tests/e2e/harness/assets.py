# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build and cache the boot content the end-to-end tests serve: a Debian kernel and a tiny initramfs.

The kernel is Debian's signed one, so the same file also serves the Secure Boot path. The initramfs
only reports how it was booted (one marker line on the console) and powers off, which is all a PXE
test needs to prove the firmware -> loader -> kernel chain worked. Both are expensive to make and
never change between runs, so they are cached under ``DEFAULT_CACHE`` and written atomically:
concurrent test processes may build the same file, and the last complete one wins.

Another architecture's files (arm64 on an amd64 host) come from that architecture's .debs, fetched
through an apt state of their own under the cache (``apt-<arch>/``) and only unpacked: the host's
dpkg never learns about the foreign architecture.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import re
import shutil
import struct
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get('NETBOOT_PXE_CACHE', '/var/cache/netboot-pxe-test'))

REPO_ROOT = Path(__file__).resolve().parents[3]
# mtools and gdisk build the local disk image (local_disk()).
HOST_PACKAGES = ('qemu-system-x86', 'ovmf', 'ipxe-qemu', 'busybox-static', 'mtools', 'gdisk')
# qemu-system-aarch64 and AAVMF (qemu.FIRMWARE['arm64']); only installed on request, they are big.
ARM64_HOST_PACKAGES = ('qemu-system-arm', 'qemu-efi-aarch64')
BUSYBOX = Path('/bin/busybox')

# The first word the tests look for on the serial console; qemu.py parses the rest of the line.
MARKER = 'PXE-E2E-OK'

# /init of the test initramfs. efivarfs is a module in Debian's kernel (absent here), so the Secure
# Boot state comes from the kernel's own "Secure boot enabled/disabled" log line. Besides
# /proc/cmdline the marker carries init's environment (``environ=``, qemu.BootResult.init_environ):
# the values the kernel itself parsed. The leading empty line makes the marker start a fresh
# console line even if firmware left a partial one.
INIT_SCRIPT = r'''#!/bin/sh
# netboot.pxe end-to-end test initramfs: report how this kernel was booted, then power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
fw=bios
sb=na
if [ -d /sys/firmware/efi ]; then
  fw=uefi
  sb=$(dmesg | grep -o -i -m1 -E 'secure boot (enabled|disabled)' | cut -d' ' -f3 | tr 'A-Z' 'a-z')
  [ -n "$sb" ] || sb=unknown
fi
# The environment the kernel handed to init (unknown name=value parameters land there, as the
# kernel parsed them), hex-encoded so any byte in a value survives the console line.
environ=$(od -An -v -tx1 /proc/1/environ | tr -d ' \n')
printf '\n%s arch=%s machine=%s secureboot=%s environ=%s cmdline=%s\n' \
  '@MARKER@' "$fw" "$(uname -m)" "$sb" "$environ" "$(cat /proc/cmdline)"
sync
poweroff -f
'''.replace('@MARKER@', MARKER)

# Directories and device nodes of the initramfs, as (path, mode). dev/console must exist before
# devtmpfs is mounted: the kernel opens it for init's stdin/stdout/stderr.
_DIRS = ('bin', 'dev', 'proc', 'sys', 'tmp')
_CONSOLE = ('dev/console', 0o020600, (5, 1))
_LAYOUT_VERSION = 'newc-v1 ' + ' '.join(_DIRS) + ' ' + repr(_CONSOLE)

_LOCK_MESSAGES = ('Could not get lock', 'Unable to acquire the dpkg frontend lock')
_DEB_ARCH = re.compile(r'^[a-z0-9]+$')


def ensure_host_packages(packages=HOST_PACKAGES, lock_wait=900.0, arm64=False):
    """Install the Debian packages the harness runs (QEMU, firmware, busybox) if they are missing.

    ``arm64=True`` adds ARM64_HOST_PACKAGES (qemu-system-aarch64 and AAVMF) for the ``arm64``
    firmware row and arm64 direct boots; the default call leaves them out.

    Goes through the project's tools/apt-install.sh (found relative to this file, so a checkout
    anywhere works) so there is one way packages get installed. Another apt run may hold the dpkg
    lock for minutes on a fresh machine; wait for it instead of failing the whole test session.
    """
    if arm64:
        packages = tuple(packages) + tuple(name for name in ARM64_HOST_PACKAGES if name not in packages)
    script = REPO_ROOT / 'tools' / 'apt-install.sh'
    deadline = time.monotonic() + lock_wait
    while True:
        proc = subprocess.run([str(script), *packages], capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            return
        output = proc.stdout + proc.stderr
        if not any(msg in output for msg in _LOCK_MESSAGES) or time.monotonic() > deadline:
            raise RuntimeError('%s %s failed (rc=%d):\n%s' % (script, ' '.join(packages), proc.returncode, output))
        time.sleep(10)


def _atomic_write(target, write):
    """Create ``target`` via a temp file in the same directory so readers never see half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix='.' + target.name + '.', dir=target.parent)
    try:
        with os.fdopen(fd, 'wb') as stream:
            write(stream)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return target


def _run(argv, **kwargs):
    """Run a helper command; on failure raise with its output, which is what one needs to debug it."""
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    if proc.returncode != 0:
        raise RuntimeError('%s failed (rc=%d):\n%s%s' % (' '.join(argv), proc.returncode, proc.stdout, proc.stderr))
    return proc.stdout


def _host_arch():
    return _run(['dpkg', '--print-architecture']).strip()


def newest_kernel_package(arch='amd64', apt_options=()):
    """Name of the newest ``linux-image-6.1.0-N-<arch>`` in the apt lists (highest N).

    The host's lists, or a foreign architecture's when ``apt_options`` come from foreign_apt().
    Older ABI numbers disappear from the mirror after point releases, so a pinned name would break;
    the newest one is always downloadable.
    """
    pattern = r'^linux-image-6\.1\.0-([0-9]+)-%s$' % re.escape(arch)
    found = {}
    for line in _run(['apt-cache', *apt_options, 'search', '--names-only', pattern]).splitlines():
        name = line.split(' ', 1)[0]
        match = re.match(pattern, name)
        if match:
            found[int(match.group(1))] = name
    if not found:
        raise RuntimeError('no package matches %s in the apt lists (run apt-get update?)' % pattern)
    return found[max(found)]


@contextmanager
def _flock(path):
    """Hold an exclusive lock on ``path`` (created if needed): one process at a time past this point."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, 'a+b') as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _apt_state_options(state, arch):
    # pkgcache.bin: Debian's container images switch the binary cache off (docker-clean), which costs
    # every apt-cache call ~2 s of list parsing; with it one takes ~0.1 s (cached kernel + initramfs: ~0.5 s).
    return ['-q', '-o', 'APT::Architecture=%s' % arch, '-o', 'APT::Architectures::=%s' % arch,
            '-o', 'Dir::State::Lists=%s' % (state / 'lists'), '-o', 'Dir::Cache=%s' % (state / 'cache'),
            '-o', 'Dir::Cache::pkgcache=pkgcache.bin', '-o', 'Dir::State::status=%s' % (state / 'status')]


def foreign_apt(arch, cache_dir=DEFAULT_CACHE, refresh=False):
    """apt-get/apt-cache options for an isolated ``arch`` apt state under ``<cache_dir>/apt-<arch>``.

    The host's sources, but its own lists, package cache and an empty dpkg status, so ``arch`` is
    the only architecture apt sees and nothing can be installed. The lists are fetched
    (``apt-get update``) the first time, or again with ``refresh``; otherwise this works offline.
    A lock file keeps concurrent test processes from updating the same lists at once.
    """
    if not _DEB_ARCH.match(arch or ''):
        raise ValueError('not a Debian architecture name: %r' % (arch,))
    state = Path(cache_dir).resolve() / ('apt-' + arch)
    options = _apt_state_options(state, arch)
    with _flock(state.parent / ('.apt-%s.lock' % arch)):
        if refresh or not any((state / 'lists').glob('*_Packages*')):
            for sub in ('lists/partial', 'cache/archives/partial'):
                (state / sub).mkdir(parents=True, exist_ok=True)
            (state / 'status').touch()
            _run(['apt-get', *options, 'update'])
    return options


def _download(package, arch, work, cache_dir, foreign):
    """``apt-get download`` one package into ``work`` and return its .deb.

    Foreign lists are only refreshed on demand, so a failed download (the mirror dropped that
    version) refreshes them once and retries; the host's lists are never touched here.
    """
    if foreign:
        argv = ['apt-get', *foreign_apt(arch, cache_dir), 'download', '%s:%s' % (package, arch)]
        try:
            _run(argv, cwd=work)
        except RuntimeError:
            argv = ['apt-get', *foreign_apt(arch, cache_dir, refresh=True), 'download', '%s:%s' % (package, arch)]
            _run(argv, cwd=work)
    else:
        _run(['apt-get', 'download', '-q', package], cwd=work)
    debs = sorted(work.glob(package + '_*.deb'))
    if len(debs) != 1:
        raise RuntimeError('apt-get download %s left %s' % (package, [d.name for d in debs]))
    return debs[0]


def kernel(arch='amd64', cache_dir=DEFAULT_CACHE):
    """Path of a cached ``vmlinuz`` from the newest Debian 6.1 kernel package for ``arch``.

    The package is fetched with ``apt-get download`` and only unpacked, never installed: the test
    host's own boot setup must not change. The host's architecture comes from the host's apt lists,
    any other (arm64 on amd64) from an isolated apt state, see foreign_apt().
    """
    cache_dir = Path(cache_dir)
    foreign = arch != _host_arch()
    package = newest_kernel_package(arch, foreign_apt(arch, cache_dir) if foreign else ())
    target = cache_dir / ('vmlinuz-' + package.replace('linux-image-', ''))
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='.kernel-', dir=cache_dir) as work:
        work = Path(work)
        deb = _download(package, arch, work, cache_dir, foreign)
        vmlinuz = _unpack_vmlinuz(deb, work / 'root')
        with vmlinuz.open('rb') as source:
            return _atomic_write(target, lambda stream: shutil.copyfileobj(source, stream))


def busybox_binary(arch='amd64', cache_dir=DEFAULT_CACHE):
    """Path of a static busybox for ``arch``: the host's /bin/busybox, or one from the foreign .deb.

    A foreign busybox-static is downloaded and unpacked (``dpkg-deb -x``) once per package version
    and cached as ``busybox-<version>-<arch>``; the version comes from the isolated lists, offline.
    """
    if arch == _host_arch():
        return BUSYBOX
    cache_dir = Path(cache_dir)
    options = foreign_apt(arch, cache_dir)
    shown = _run(['apt-cache', *options, 'show', '--no-all-versions', 'busybox-static:%s' % arch])
    version = re.search(r'^Version: (\S+)$', shown, re.MULTILINE)
    if version is None:
        raise RuntimeError('no busybox-static:%s version in the %s lists' % (arch, arch))
    target = cache_dir / ('busybox-%s-%s' % (re.sub(r'[^A-Za-z0-9.+~-]', '_', version.group(1)), arch))
    if target.is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='.busybox-', dir=cache_dir) as work:
        work = Path(work)
        deb = _download('busybox-static', arch, work, cache_dir, foreign=True)
        _run(['dpkg-deb', '-x', str(deb), str(work / 'root')])
        found = [path for path in (work / 'root' / 'bin' / 'busybox', work / 'root' / 'usr' / 'bin' / 'busybox') if path.is_file()]
        if not found:
            raise RuntimeError('%s holds no bin/busybox' % deb.name)
        with found[0].open('rb') as source:
            return _atomic_write(target, lambda stream: shutil.copyfileobj(source, stream))


def _unpack_vmlinuz(deb, dest):
    """Extract ``/boot/vmlinuz-*`` from a kernel .deb (``dpkg-deb --fsys-tarfile | tar``)."""
    dest.mkdir()
    with subprocess.Popen(['dpkg-deb', '--fsys-tarfile', str(deb)], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as unpack:
        tar = subprocess.run(['tar', '-x', '-C', str(dest), '--wildcards', './boot/vmlinuz-*'],
                             stdin=unpack.stdout, capture_output=True, text=True, check=False)
        unpack.stdout.close()
        unpack_err = unpack.stderr.read().decode(errors='replace')
        unpack.wait()
    if unpack.returncode != 0 or tar.returncode != 0:
        raise RuntimeError('unpacking %s failed: dpkg-deb rc=%d %s tar rc=%d %s'
                           % (deb, unpack.returncode, unpack_err, tar.returncode, tar.stderr))
    found = sorted((dest / 'boot').glob('vmlinuz-*'))
    if len(found) != 1:
        raise RuntimeError('%s holds %d /boot/vmlinuz-* files' % (deb, len(found)))
    return found[0]


def _newc_entry(name, mode, data=b'', rdev=(0, 0), ino=0):
    """One cpio "newc" record. Owner root and mtime 0 keep the archive byte-for-byte reproducible."""
    encoded = name.encode() + b'\0'
    fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0)
    header = b'070701' + b''.join(b'%08X' % value for value in fields)
    record = header + encoded
    record += b'\0' * (-len(record) % 4)
    return record + data + b'\0' * (-len(data) % 4)


def build_cpio(busybox_bytes, init_script):
    """The uncompressed newc archive: busybox (also as /bin/sh), /init and the directories it mounts on.

    Built in Python rather than with cpio + mknod so it needs no root and no scratch tree.
    """
    entries = [('.', 0o040755, b'', (0, 0))]
    entries += [(name, 0o040755, b'', (0, 0)) for name in _DIRS]
    entries += [
        ('bin/busybox', 0o100755, busybox_bytes, (0, 0)),
        ('bin/sh', 0o120777, b'busybox', (0, 0)),
        (_CONSOLE[0], _CONSOLE[1], b'', _CONSOLE[2]),
        ('init', 0o100755, init_script.encode(), (0, 0)),
    ]
    parts = [_newc_entry(name, mode, data, rdev, ino) for ino, (name, mode, data, rdev) in enumerate(entries, start=1)]
    parts.append(_newc_entry('TRAILER!!!', 0))
    return b''.join(parts)


def initramfs(cache_dir=DEFAULT_CACHE, busybox=None, arch='amd64'):
    """Path of a cached gzip'd initramfs whose /init prints the marker line and powers off.

    ``busybox`` defaults to busybox_binary(arch): the host's /bin/busybox for the host's
    architecture, the foreign busybox-static .deb's otherwise (arm64 on amd64).
    The file name carries a hash of the init script, busybox and the archive layout, so editing
    any of them (or a busybox package update) produces a new file while unchanged inputs reuse it.
    """
    if busybox is None:
        busybox = busybox_binary(arch, cache_dir)
    busybox_bytes = Path(busybox).read_bytes()
    digest = hashlib.sha256()
    for part in (INIT_SCRIPT.encode(), busybox_bytes, _LAYOUT_VERSION.encode()):
        digest.update(hashlib.sha256(part).digest())
    target = Path(cache_dir) / ('initramfs-%s.cpio.gz' % digest.hexdigest()[:16])
    if target.is_file():
        return target
    archive = build_cpio(busybox_bytes, INIT_SCRIPT)
    return _atomic_write(target, lambda stream: stream.write(gzip.compress(archive, compresslevel=9, mtime=0)))


# The local disk the local-boot tests leave the network for (local_disk()). Both programs on it
# print one line starting with LOCAL_DISK_MARKER on the serial console and power the machine off.
LOCAL_DISK_MARKER = 'PXE-E2E-LOCAL-DISK'
LOCAL_DISK_EFI_LINE = LOCAL_DISK_MARKER + ' efi: /EFI/BOOT/BOOTX64.EFI started from the local disk'
LOCAL_DISK_BIOS_LINE = LOCAL_DISK_MARKER + ' bios: MBR boot code started from the local disk'
# 8 MiB GPT disk, one 6 MiB EFI System Partition from sector 2048 (FAT16).
_DISK_SECTORS = 16384
_ESP_FIRST, _ESP_LAST = 2048, 14335
_DISK_LAYOUT = 'gpt-esp-v1 %d %d %d' % (_DISK_SECTORS, _ESP_FIRST, _ESP_LAST)


def efi_app_x64(message):
    """A minimal x86_64 EFI application (PE32+) that prints ``message`` on ConOut and shuts down.

    Hand-assembled, position independent (no relocations), so it needs no toolchain:
    ``SystemTable->ConOut->OutputString(ConOut, message)`` then
    ``SystemTable->RuntimeServices->ResetSystem(EfiResetShutdown, 0, 0, NULL)``; OVMF routes
    ConOut to the serial console and the shutdown ends QEMU.
    """
    text = ('\r\n' + message + '\r\n').encode('utf-16-le') + b'\0\0'
    code = bytearray()
    code += bytes.fromhex('4883EC28')             # sub rsp, 0x28 (shadow space, 16-byte alignment)
    code += bytes.fromhex('4889D3')               # mov rbx, rdx           ; EFI_SYSTEM_TABLE *
    code += bytes.fromhex('488B4B40')             # mov rcx, [rbx+0x40]    ; ->ConOut
    lea = len(code)
    code += bytes.fromhex('488D1500000000')       # lea rdx, [rip+text]
    code += bytes.fromhex('FF5108')               # call [rcx+0x08]        ; ->OutputString
    code += bytes.fromhex('488B4358')             # mov rax, [rbx+0x58]    ; ->RuntimeServices
    code += bytes.fromhex('B902000000')           # mov ecx, 2             ; EfiResetShutdown
    code += bytes.fromhex('31D24531C04531C9')     # xor edx, edx; xor r8d, r8d; xor r9d, r9d
    code += bytes.fromhex('FF5068')               # call [rax+0x68]        ; ->ResetSystem
    code += bytes.fromhex('EBFE')                 # jmp $
    code += b'\x90' * (len(code) % 2)
    struct.pack_into('<i', code, lea + 3, len(code) - (lea + 7))
    body = bytes(code) + text
    file_align, section_align = 0x200, 0x1000
    raw_size = -(-len(body) // file_align) * file_align
    image_size = section_align + -(-len(body) // section_align) * section_align
    dos = bytearray(64)
    dos[0:2] = b'MZ'
    struct.pack_into('<I', dos, 0x3c, len(dos))
    # COFF: AMD64, one section, 240-byte optional header, executable | large address aware.
    coff = struct.pack('<4sHHIIIHH', b'PE\0\0', 0x8664, 1, 0, 0, 0, 240, 0x0022)
    optional = struct.pack('<HBBIIIIIQIIHHHHHHIIIIHHQQQQII',
                           0x20b, 0, 0, raw_size, 0, 0, section_align, section_align,  # entry = start of .text
                           0x140000000, section_align, file_align, 0, 0, 0, 0, 0, 0, 0,
                           image_size, file_align, 0, 10, 0,  # subsystem 10: EFI application
                           0x100000, 0x1000, 0x100000, 0x1000, 0, 16) + b'\0' * (16 * 8)
    section = struct.pack('<8sIIIIIIHHI', b'.text', len(body), section_align, raw_size, file_align,
                          0, 0, 0, 0, 0x60000020)  # code | execute | read
    headers = bytes(dos) + coff + optional + section
    return headers + b'\0' * (file_align - len(headers)) + body + b'\0' * (raw_size - len(body))


def mbr_boot_code(message):
    """16-bit MBR boot code (<= 440 bytes) that writes ``message`` to COM1 and powers QEMU's PC off.

    It writes the UART directly (SeaBIOS's teletype output goes to the absent VGA), then ACPI S5
    through the PIIX4 PM1a control register SeaBIOS sets up on QEMU's ``pc`` machine (port 0x604).
    """
    code = bytearray(bytes.fromhex('FAFC31C08ED8'))  # cli; cld; xor ax, ax; mov ds, ax
    mov_si = len(code)
    code += bytes.fromhex('BE0000')                  # mov si, text
    code += bytes.fromhex('BAF803')                  # mov dx, 0x3f8
    code += bytes.fromhex('AC84C07403EEEBF8')        # lodsb; test al, al; jz +3; out dx, al; jmp lodsb
    code += bytes.fromhex('BA0406B80020EF')          # mov dx, 0x604; mov ax, 0x2000; out dx, ax
    code += bytes.fromhex('F4EBFD')                  # hlt; jmp hlt
    struct.pack_into('<H', code, mov_si + 1, 0x7c00 + len(code))
    code += ('\r\n' + message + '\r\n').encode('ascii') + b'\0'
    if len(code) > 440:
        raise ValueError('MBR boot code of %d bytes does not fit in 440' % len(code))
    return bytes(code)


def _build_local_disk(path, efi_app, boot_code):
    # Fixed GUIDs and volume serial: the same inputs give the same layout.
    _run(['sgdisk', '--clear', '--disk-guid=4e425058-0000-4000-8000-000000000001',
          '--new=1:%d:%d' % (_ESP_FIRST, _ESP_LAST), '--typecode=1:ef00', '--change-name=1:ESP',
          '--partition-guid=1:4e425058-0000-4000-8000-000000000002', str(path)])
    fat = '%s@@%d' % (path, _ESP_FIRST * 512)
    env = dict(os.environ, MTOOLS_SKIP_CHECK='1')
    _run(['mformat', '-i', fat, '-T', str(_ESP_LAST - _ESP_FIRST + 1), '-h', '1', '-s', '32', '-H', str(_ESP_FIRST),
          '-N', '4e425058', '-v', 'ESP', '::'], env=env)
    _run(['mmd', '-i', fat, '::/EFI', '::/EFI/BOOT'], env=env)
    app = path.parent / 'BOOTX64.EFI'
    app.write_bytes(efi_app)
    _run(['mcopy', '-i', fat, str(app), '::/EFI/BOOT/BOOTX64.EFI'], env=env)
    # The protective MBR sgdisk wrote keeps its partition table and signature; only the code area changes.
    with open(path, 'r+b') as disk:
        disk.write(boot_code)


def local_disk(cache_dir=DEFAULT_CACHE):
    """Path of a cached raw 8 MiB disk image that boots on UEFI and on BIOS, with a recognisable line.

    A GPT disk with one FAT EFI System Partition holding /EFI/BOOT/BOOTX64.EFI (efi_app_x64(),
    prints LOCAL_DISK_EFI_LINE) and, in the protective MBR's code area, mbr_boot_code() (prints
    LOCAL_DISK_BIOS_LINE). Nothing the PXE server serves prints these lines, so seeing one proves
    the firmware (or a loader) really started the disk. Attach it with qemu.boot(disk=...), which
    never writes to it. Built with sgdisk (gdisk) and mtools; the name carries a hash of the inputs.
    """
    efi_app = efi_app_x64(LOCAL_DISK_EFI_LINE)
    boot_code = mbr_boot_code(LOCAL_DISK_BIOS_LINE)
    digest = hashlib.sha256()
    for part in (efi_app, boot_code, _DISK_LAYOUT.encode()):
        digest.update(hashlib.sha256(part).digest())
    target = Path(cache_dir) / ('local-disk-%s.img' % digest.hexdigest()[:16])
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='.local-disk-', dir=target.parent) as work:
        image = Path(work) / 'disk.img'
        with open(image, 'wb') as stream:
            stream.truncate(_DISK_SECTORS * 512)
        _build_local_disk(image, efi_app, boot_code)
        with image.open('rb') as source:
            return _atomic_write(target, lambda stream: shutil.copyfileobj(source, stream))
