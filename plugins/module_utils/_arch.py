# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PXE client architectures: the IANA "Processor Architecture Types" registry.

DHCPv4 option 93 and DHCPv6 option 61 carry one of these codes. This module is
the single source of truth for them in the collection: filters, modules, role
templates, argument validation and tests all read it.

Private to the collection (leading underscore): no API stability promise.
"""

from __future__ import annotations

import collections

# One registry row. ``name`` is the canonical short name the collection uses
# everywhere else; several codes may share one name (see code 9 below).
ArchCode = collections.namedtuple(
    'ArchCode',
    ['code', 'name', 'description', 'family', 'transport', 'cpu', 'dnsmasq_csa', 'deprecated'],
)

# One canonical architecture, grouping all the codes that map to it.
Arch = collections.namedtuple(
    'Arch',
    ['name', 'codes', 'description', 'family', 'transport', 'cpu', 'dnsmasq_csa', 'deprecated'],
)

FAMILIES = ('bios', 'uefi', 'uboot', 'ofw', 'opal', 's390', 'rpiboot', 'legacy')
TRANSPORTS = ('tftp', 'http')


class ArchError(ValueError):
    """An architecture code or name that the registry does not know."""


def _row(code, name, description, family, transport, cpu, dnsmasq_csa=None, deprecated=False):
    return ArchCode(code, name, description, family, transport, cpu, dnsmasq_csa, deprecated)


# dnsmasq_csa: the Client System Architecture name dnsmasq's ``pxe-service``
# accepts (its names, not RFC 4578's: x86-64_EFI is 7, BC_EFI is 9).
REGISTRY = (
    _row(0, 'bios', 'Intel x86PC (PC/AT BIOS)', 'bios', 'tftp', 'x86', 'x86PC'),
    _row(1, 'pc98', 'NEC/PC98', 'legacy', 'tftp', 'x86', 'PC98', deprecated=True),
    _row(2, 'efi-ia64', 'EFI Itanium', 'uefi', 'tftp', 'ia64', 'IA64_EFI'),
    _row(3, 'alpha', 'DEC Alpha', 'legacy', 'tftp', 'alpha', 'Alpha', deprecated=True),
    _row(4, 'arc-x86', 'Arc x86', 'legacy', 'tftp', 'x86', 'Arc_x86', deprecated=True),
    _row(5, 'intel-lean-client', 'Intel Lean Client', 'legacy', 'tftp', 'x86', 'Intel_Lean_Client',
         deprecated=True),
    _row(6, 'efi-ia32', 'x86 UEFI', 'uefi', 'tftp', 'x86', 'IA32_EFI'),
    _row(7, 'efi-x86_64', 'x64 UEFI', 'uefi', 'tftp', 'x86_64', 'x86-64_EFI'),
    _row(8, 'xscale', 'Xscale', 'legacy', 'tftp', 'arm', 'Xscale_EFI', deprecated=True),
    # RFC 4578 as printed gives 7 = EFI BC and 9 = EFI x86-64; erratum 4624 swapped
    # them, so firmware in the field sends 7 or 9 for x86-64 and no real client sends
    # 9 for EFI Byte Code. Both must therefore select the x86-64 UEFI boot file.
    _row(9, 'efi-x86_64', 'EFI BC (sent by x86-64 UEFI firmware, RFC 4578 erratum 4624)',
         'uefi', 'tftp', 'x86_64', 'BC_EFI'),
    _row(10, 'efi-arm32', 'ARM 32-bit UEFI', 'uefi', 'tftp', 'arm', 'ARM32_EFI'),
    _row(11, 'efi-arm64', 'ARM 64-bit UEFI', 'uefi', 'tftp', 'aarch64', 'ARM64_EFI'),
    _row(12, 'ofw-ppc', 'PowerPC Open Firmware', 'ofw', 'tftp', 'ppc'),
    _row(13, 'epapr-ppc', 'PowerPC ePAPR', 'ofw', 'tftp', 'ppc'),
    _row(14, 'opal-ppc64le', 'POWER OPAL v3', 'opal', 'tftp', 'ppc64le'),
    _row(15, 'http-ia32', 'x86 UEFI boot from HTTP', 'uefi', 'http', 'x86'),
    _row(16, 'http-x86_64', 'x64 UEFI boot from HTTP', 'uefi', 'http', 'x86_64'),
    _row(17, 'http-ebc', 'EBC boot from HTTP', 'uefi', 'http', 'ebc'),
    _row(18, 'http-arm32', 'ARM 32-bit UEFI boot from HTTP', 'uefi', 'http', 'arm'),
    _row(19, 'http-arm64', 'ARM 64-bit UEFI boot from HTTP', 'uefi', 'http', 'aarch64'),
    _row(20, 'http-bios', 'PC/AT BIOS boot from HTTP', 'bios', 'http', 'x86'),
    _row(21, 'uboot-arm32', 'ARM 32-bit U-Boot', 'uboot', 'tftp', 'arm'),
    _row(22, 'uboot-arm64', 'ARM 64-bit U-Boot', 'uboot', 'tftp', 'aarch64'),
    _row(23, 'uboot-http-arm32', 'ARM 32-bit U-Boot boot from HTTP', 'uboot', 'http', 'arm'),
    _row(24, 'uboot-http-arm64', 'ARM 64-bit U-Boot boot from HTTP', 'uboot', 'http', 'aarch64'),
    _row(25, 'efi-riscv32', 'RISC-V 32-bit UEFI', 'uefi', 'tftp', 'riscv32'),
    _row(26, 'http-riscv32', 'RISC-V 32-bit UEFI boot from HTTP', 'uefi', 'http', 'riscv32'),
    _row(27, 'efi-riscv64', 'RISC-V 64-bit UEFI', 'uefi', 'tftp', 'riscv64'),
    _row(28, 'http-riscv64', 'RISC-V 64-bit UEFI boot from HTTP', 'uefi', 'http', 'riscv64'),
    _row(29, 'efi-riscv128', 'RISC-V 128-bit UEFI', 'uefi', 'tftp', 'riscv128'),
    _row(30, 'http-riscv128', 'RISC-V 128-bit UEFI boot from HTTP', 'uefi', 'http', 'riscv128'),
    _row(31, 's390-basic', 's390 Basic', 's390', 'tftp', 's390x'),
    _row(32, 's390-extended', 's390 Extended', 's390', 'tftp', 's390x'),
    _row(33, 'efi-mips32', 'MIPS 32-bit UEFI', 'uefi', 'tftp', 'mips'),
    _row(34, 'efi-mips64', 'MIPS 64-bit UEFI', 'uefi', 'tftp', 'mips64'),
    _row(35, 'efi-sw32', 'Sunway 32-bit UEFI', 'uefi', 'tftp', 'sw_32'),
    _row(36, 'efi-sw64', 'Sunway 64-bit UEFI', 'uefi', 'tftp', 'sw_64'),
    _row(37, 'efi-loongarch32', 'LoongArch 32-bit UEFI', 'uefi', 'tftp', 'loongarch32'),
    _row(38, 'http-loongarch32', 'LoongArch 32-bit UEFI boot from HTTP', 'uefi', 'http', 'loongarch32'),
    _row(39, 'efi-loongarch64', 'LoongArch 64-bit UEFI', 'uefi', 'tftp', 'loongarch64'),
    _row(40, 'http-loongarch64', 'LoongArch 64-bit UEFI boot from HTTP', 'uefi', 'http', 'loongarch64'),
    _row(41, 'rpiboot', 'ARM rpiboot', 'rpiboot', 'tftp', 'arm'),
)

_BY_CODE = dict((row.code, row) for row in REGISTRY)


def _group():
    grouped = collections.OrderedDict()
    for row in REGISTRY:
        grouped.setdefault(row.name, []).append(row)
    result = collections.OrderedDict()
    for name, rows in grouped.items():
        first = rows[0]
        result[name] = Arch(
            name=name,
            codes=tuple(r.code for r in rows),
            description=first.description,
            family=first.family,
            transport=first.transport,
            cpu=first.cpu,
            dnsmasq_csa=first.dnsmasq_csa,
            deprecated=all(r.deprecated for r in rows),
        )
    return result


_BY_NAME = _group()

# Codes of the highest assigned value; anything above is unassigned today.
MAX_CODE = max(_BY_CODE)


def names():
    """All canonical architecture names, in registry order."""
    return list(_BY_NAME)


def parse_code(value):
    """Turn an option-93 value (int, decimal string, or 0x-hex string) into an int.

    Raises ArchError naming the value when it is not a 16-bit unsigned integer.
    """
    if isinstance(value, bool):
        raise ArchError('client architecture code must be an integer, got boolean %r' % (value,))
    if isinstance(value, int):
        code = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            code = int(text, 16) if text.lower().startswith('0x') else int(text, 10)
        except ValueError:
            raise ArchError('client architecture code %r is not a number (expected e.g. 7 or "0x0007")' % (value,))
    else:
        raise ArchError('client architecture code must be an integer or numeric string, got %s %r'
                        % (type(value).__name__, value))
    if not 0 <= code <= 0xFFFF:
        raise ArchError('client architecture code %r is outside the 16-bit range of DHCP option 93' % (value,))
    return code


def by_code(value):
    """The :class:`Arch` for an option-93 code; ArchError if the registry has no such code."""
    code = parse_code(value)
    row = _BY_CODE.get(code)
    if row is None:
        raise ArchError('client architecture code %d is not assigned in the IANA registry (known: 0-%d)'
                        % (code, MAX_CODE))
    return _BY_NAME[row.name]


def by_name(name):
    """The :class:`Arch` for a canonical name; ArchError listing the valid names otherwise."""
    if not isinstance(name, str):
        raise ArchError('client architecture name must be a string, got %s %r' % (type(name).__name__, name))
    arch = _BY_NAME.get(name.strip().lower())
    if arch is None:
        raise ArchError('unknown client architecture %r; valid names: %s' % (name, ', '.join(_BY_NAME)))
    return arch


def check_keys(mapping, served, var, served_var):
    """Check that every key of a per-architecture ``mapping`` is a known name listed in ``served``.

    Raises ArchError starting with ``var``; returns the mapping keyed by canonical names.
    """
    if not isinstance(mapping, dict):
        raise ArchError('%s: must be a dict keyed by architecture name, got %r' % (var, mapping))
    result = {}
    for name, value in mapping.items():
        try:
            canonical = by_name(name).name
        except ArchError as exc:
            raise ArchError('%s: %s' % (var, exc))
        if canonical not in served:
            raise ArchError('%s: architecture %r is not in %s' % (var, name, served_var))
        result[canonical] = value
    return result


def code_row(value):
    """The registry row (with the code's own description) for an option-93 code."""
    by_code(value)
    return _BY_CODE[parse_code(value)]


def as_dict(arch):
    """A plain-data view of an Arch, for templates and module results."""
    result = arch._asdict()
    result['codes'] = list(arch.codes)
    return dict(result)
