# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.netboot.pxe.plugins.module_utils import _arch

# The IANA "Processor Architecture Types" registry, code -> canonical name,
# written out independently of the module so a typo in either shows up.
EXPECTED = {
    0: 'bios', 1: 'pc98', 2: 'efi-ia64', 3: 'alpha', 4: 'arc-x86', 5: 'intel-lean-client',
    6: 'efi-ia32', 7: 'efi-x86_64', 8: 'xscale', 9: 'efi-x86_64', 10: 'efi-arm32', 11: 'efi-arm64',
    12: 'ofw-ppc', 13: 'epapr-ppc', 14: 'opal-ppc64le', 15: 'http-ia32', 16: 'http-x86_64',
    17: 'http-ebc', 18: 'http-arm32', 19: 'http-arm64', 20: 'http-bios', 21: 'uboot-arm32',
    22: 'uboot-arm64', 23: 'uboot-http-arm32', 24: 'uboot-http-arm64', 25: 'efi-riscv32',
    26: 'http-riscv32', 27: 'efi-riscv64', 28: 'http-riscv64', 29: 'efi-riscv128',
    30: 'http-riscv128', 31: 's390-basic', 32: 's390-extended', 33: 'efi-mips32', 34: 'efi-mips64',
    35: 'efi-sw32', 36: 'efi-sw64', 37: 'efi-loongarch32', 38: 'http-loongarch32',
    39: 'efi-loongarch64', 40: 'http-loongarch64', 41: 'rpiboot',
}

CPU = {
    7: 'x86_64', 9: 'x86_64', 11: 'aarch64', 19: 'aarch64', 27: 'riscv64', 37: 'loongarch32',
    39: 'loongarch64', 31: 's390x', 33: 'mips', 35: 'sw_32',
}


def test_registry_is_complete_and_contiguous():
    assert [row.code for row in _arch.REGISTRY] == list(range(42))
    assert _arch.MAX_CODE == 41


@pytest.mark.parametrize('code,name', sorted(EXPECTED.items()))
def test_code_maps_to_canonical_name(code, name):
    assert _arch.by_code(code).name == name


@pytest.mark.parametrize('code,cpu', sorted(CPU.items()))
def test_cpu_of_code(code, cpu):
    assert _arch.by_code(code).cpu == cpu


def test_x86_64_uefi_matches_both_7_and_9():
    assert _arch.by_name('efi-x86_64').codes == (7, 9)


def test_arm64_is_not_lumped_with_x86_64():
    # Bifrost put 7, 9 and 11 on one tag and served arm64 an x86-64 binary.
    assert 11 not in _arch.by_name('efi-x86_64').codes
    assert _arch.by_name('efi-arm64').codes == (11,)


def test_loongarch_is_not_riscv():
    # Cobbler labelled 0x25/0x27 (37/39) as RISC-V.
    assert _arch.by_code(0x25).cpu == 'loongarch32'
    assert _arch.by_code(0x27).cpu == 'loongarch64'


def test_every_row_has_known_family_and_transport():
    for row in _arch.REGISTRY:
        assert row.family in _arch.FAMILIES, row
        assert row.transport in _arch.TRANSPORTS, row
        assert row.cpu, row
        assert row.description, row


def test_http_names_use_http_transport():
    for arch in (_arch.by_name(n) for n in _arch.names()):
        assert (arch.transport == 'http') == ('http' in arch.name), arch


def test_uefi_http_boot_codes():
    assert {_arch.by_code(c).transport for c in (15, 16, 17, 18, 19)} == {'http'}
    assert _arch.by_code(16).family == 'uefi'
    assert _arch.by_code(20).family == 'bios'


def test_dnsmasq_csa_names_follow_dnsmasq_not_rfc():
    assert _arch.by_code(0).dnsmasq_csa == 'x86PC'
    assert _arch.by_code(7).dnsmasq_csa == 'x86-64_EFI'
    assert _arch.code_row(9).dnsmasq_csa == 'BC_EFI'
    assert _arch.by_code(11).dnsmasq_csa == 'ARM64_EFI'
    assert _arch.by_code(16).dnsmasq_csa is None


def test_names_are_unique_and_in_registry_order():
    names = _arch.names()
    assert len(names) == len(set(names)) == 41
    assert names[:3] == ['bios', 'pc98', 'efi-ia64']


def test_deprecated_flags():
    assert _arch.by_name('pc98').deprecated
    assert not _arch.by_name('efi-x86_64').deprecated


@pytest.mark.parametrize('value,expected', [(7, 7), ('7', 7), (' 11 ', 11), ('0x0007', 7), ('0X0B', 11), (0, 0)])
def test_parse_code_accepts_int_decimal_and_hex(value, expected):
    assert _arch.parse_code(value) == expected


@pytest.mark.parametrize('value', [True, None, 7.0, [7], '', 'seven', '7a', -1, 65536, '0x10000', '0xZZ'])
def test_parse_code_rejects_garbage(value):
    with pytest.raises(_arch.ArchError):
        _arch.parse_code(value)


def test_unassigned_code_error_names_the_code():
    with pytest.raises(_arch.ArchError, match=r'code 42 is not assigned'):
        _arch.by_code(42)


def test_unknown_name_error_lists_valid_names():
    with pytest.raises(_arch.ArchError, match=r"unknown client architecture 'efi64'.*efi-x86_64"):
        _arch.by_name('efi64')


def test_name_lookup_is_case_insensitive_and_strips():
    assert _arch.by_name(' EFI-ARM64 ').name == 'efi-arm64'


def test_by_name_rejects_non_strings():
    with pytest.raises(_arch.ArchError, match='must be a string'):
        _arch.by_name(7)


def test_as_dict_is_plain_data():
    data = _arch.as_dict(_arch.by_name('efi-x86_64'))
    assert data == {
        'name': 'efi-x86_64', 'codes': [7, 9], 'description': 'x64 UEFI', 'family': 'uefi',
        'transport': 'tftp', 'cpu': 'x86_64', 'dnsmasq_csa': 'x86-64_EFI', 'deprecated': False,
    }


@given(st.sampled_from([row.code for row in _arch.REGISTRY]), st.sampled_from(['%d', '0x%04x', '0X%X', ' %d ']))
def test_code_name_code_round_trip(code, spelling):
    arch = _arch.by_code(spelling % code)
    assert code in arch.codes
    assert _arch.by_name(arch.name) is arch


@given(st.integers(min_value=_arch.MAX_CODE + 1, max_value=0xFFFF))
def test_every_unassigned_code_is_rejected(code):
    with pytest.raises(_arch.ArchError):
        _arch.by_code(code)


@given(st.integers().filter(lambda n: n < 0 or n > 0xFFFF))
def test_out_of_range_codes_are_rejected(code):
    with pytest.raises(_arch.ArchError, match='16-bit'):
        _arch.parse_code(code)


def test_check_keys():
    assert _arch.check_keys({'EFI-X86_64': 'grub'}, ['bios', 'efi-x86_64'], 'v', 'w') == {'efi-x86_64': 'grub'}
    with pytest.raises(_arch.ArchError, match=r"^v: architecture 'efi-arm64' is not in w$"):
        _arch.check_keys({'efi-arm64': 'grub'}, ['bios'], 'v', 'w')
    with pytest.raises(_arch.ArchError, match=r"^v: unknown client architecture 'x'"):
        _arch.check_keys({'x': 1}, ['bios'], 'v', 'w')
    with pytest.raises(_arch.ArchError, match='must be a dict'):
        _arch.check_keys(['bios'], ['bios'], 'v', 'w')
