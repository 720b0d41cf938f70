# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Values that must never change the commands around them in a boot script (issue 12, loader scripts).

One test per class of defect; test_render_properties.py checks the same rules on arbitrary text.
"""
from __future__ import annotations

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _bootstr, _entries, _hosts, _render, _server

BASE = {
    'dhcp_mode': 'full', 'allow_full_dhcp': True, 'interface': 'pxe0', 'server_address': '10.77.0.1',
    'network': '10.77.0.0/24', 'ipxe_script_url': 'http://10.77.0.1/boot.ipxe', 'base_url': 'http://10.77.0.1',
    'architectures': ['bios', 'efi-x86_64'],
    'entries': [{'name': 'debian', 'title': 'Debian', 'kernel': '/k/linux', 'initrd': '/k/initrd.gz'},
                {'name': 'xyz', 'title': 'netboot.xyz', 'chain': 'https://boot.netboot.xyz/menu.ipxe'}],
    'menu': {'timeout': 5},
}
GRUB_EFI = {'bios': 'pxelinux', 'efi-x86_64': 'grub'}


def plan(**changes):
    settings = dict(BASE)
    settings.update(changes)
    return _server.plan(settings)


def entries(*items):
    return [dict({'name': 'debian', 'title': 'Debian', 'kernel': '/k/linux', 'initrd': '/k/initrd.gz'}, **item) for item in items]


def host(**fields):
    return dict({'mac': '52:54:00:aa:00:01', 'ip': None, 'hostname': None, 'lease_time': None, 'entry': None,
                 'menu': False, 'cmdline': '', 'boot_once': False}, **fields)


# 1. A backslash at the end of an iPXE line joins the next line to it (src/image/script.c).

@pytest.mark.parametrize('changes,var', [
    ({'entries': [BASE['entries'][0], dict(BASE['entries'][1], title='netboot.xyz \\')]}, 'server_entries[1].title'),
    ({'menu': {'timeout': 5, 'title': 'Lab \\'}}, 'server_menu.title'),
    ({'menu': {'timeout': 5, 'items': ['debian', {'text': 'tools\\'}, 'xyz']}}, 'server_menu.items[1].text'),
    ({'menu': {'timeout': 5, 'items': [{'menu': 'More \\', 'items': ['debian']}]}}, 'server_menu.items[0].menu'),
    ({'menu': {'timeout': 5, 'items': [{'entry': 'debian', 'title': 'D\\'}]}}, 'server_menu.items[0].title'),
    ({'entries': entries({'cmdline': 'quiet x=\\'})}, 'server_entries[0].cmdline'),
    ({'entries': entries({'cmdline': {'x': 'a\\'}})}, 'server_entries[0].cmdline'),
    ({'entries': [BASE['entries'][0], dict(BASE['entries'][1], chain='https://boot.netboot.xyz/menu.ipxe\\')]},
     'server_entries[1].chain'),
])
def test_a_trailing_backslash_is_refused_naming_the_setting(changes, var):
    with pytest.raises(_server.ServerError, match=r'^%s' % var.replace('[', r'\[').replace(']', r'\]')) as info:
        plan(**changes)
    assert 'backslash' in str(info.value)


def test_a_host_cmdline_ending_in_a_backslash_is_refused():
    site = plan()['site']
    with pytest.raises(_hosts.HostError, match=r'^hosts\[0\] \(52:54:00:aa:00:01\): cmdline: .*backslash'):
        _hosts.validate([{'mac': '52:54:00:aa:00:01', 'entry': 'debian', 'cmdline': 'x=1\\'}], site)


def test_a_header_comment_cannot_swallow_the_next_line():
    site = dict(plan()['site'], header='Managed by Ansible \\\nsecond line\\\\\r\nthird\u2028fourth\x00')
    for text in (_render.ipxe(site), _render.ipxe(site, host(entry='debian'))):
        lines = text.splitlines()
        assert not any(line.endswith('\\') for line in lines)
        assert lines[1:5] == ['# Managed by Ansible', '# second line', '# third', '# fourth']
    assert not any(line.endswith('\\') for line in _render.grub(plan(boot_loaders=GRUB_EFI)['site']).splitlines())


# 2. iPXE's getopt reads a first word starting with "-" as an option; "--" ends the options.

def test_titles_starting_with_a_dash_follow_a_double_dash():
    site = plan(menu={'timeout': 5, 'title': '-= Lab boot menu =-',
                      'items': [{'menu': '--- Tools ---', 'items': ['debian']}, {'text': '-- text --'}]})['site']
    text = _render.ipxe(site)
    assert 'menu -- -= Lab boot menu =-' in text.splitlines()
    assert 'menu -- --- Tools ---' in text.splitlines()
    assert 'item --gap -- -- text --' in text.splitlines()
    grub_site = plan(boot_loaders=GRUB_EFI, menu={'timeout': 5, 'items': [{'menu': '--id x', 'items': ['debian']}]})['site']
    assert "  submenu --id 'menu-1-0' -- '--id x' {" in _render.grub(grub_site).splitlines()


# 3. GRUB: one word per kernel parameter, as the kernel splits the command line.

LATE = {'preseed/late_command': 'in-target systemctl enable ssh', 'quiet': True}


def test_grub_passes_a_value_with_spaces_as_one_parameter():
    site = plan(boot_loaders=GRUB_EFI, entries=entries({'cmdline': LATE}))['site']
    linux = [line.strip() for line in _render.grub(site).splitlines() if line.strip().startswith('linux ')]
    assert linux == ["linux /entries/debian/linux 'preseed/late_command=in-target systemctl enable ssh' 'quiet'"]
    words = ['preseed/late_command=in-target systemctl enable ssh', 'quiet']
    assert _bootstr.kernel_params(_bootstr.grub_loader_cmdline(words)) == [
        ('preseed/late_command', 'in-target systemctl enable ssh'), ('quiet', None)]
    string = plan(boot_loaders=GRUB_EFI, entries=entries({'cmdline': 'a="x y" "b=z w" c'}))['site']
    assert "linux /entries/debian/linux 'a=x y' 'b=z w' 'c'" in _render.grub(string)
    # iPXE and PXELINUX keep the command line as given.
    assert 'preseed/late_command="in-target systemctl enable ssh" quiet' in _render.pxelinux(site)
    assert 'preseed/late_command="in-target systemctl enable ssh" quiet' in _render.ipxe(plan(entries=entries({'cmdline': LATE}))['site'])


@pytest.mark.parametrize('cmdline', ["x='a b'", 'path=C:\\boot', {'x': "it's"}, 'x=a"b c"'])
def test_grub_refuses_values_it_would_change(cmdline):
    with pytest.raises(_server.ServerError, match=r'^server_entries\[0\]\.cmdline: .*GRUB.*efi-x86_64'):
        plan(boot_loaders=GRUB_EFI, entries=entries({'cmdline': cmdline}))
    plan(entries=entries({'cmdline': cmdline}))  # iPXE passes them unchanged
    site = plan(boot_loaders=GRUB_EFI)['site']
    with pytest.raises(_hosts.HostError, match=r'^hosts\[0\] \(52:54:00:aa:00:01\): cmdline: .*GRUB boots efi-x86_64'):
        _hosts.validate([{'mac': '52:54:00:aa:00:01', 'entry': 'debian', 'cmdline': cmdline}], site)


def test_cmdlines_that_ipxe_would_change_are_refused():
    with pytest.raises(_server.ServerError, match=r'^server_entries\[0\]\.cmdline: .*run of spaces'):
        plan(entries=entries({'cmdline': {'x': 'a  b'}}))
    with pytest.raises(_server.ServerError, match=r'^server_entries\[0\]\.cmdline: .*unmatched double quote'):
        plan(entries=entries({'cmdline': 'x="a b'}))


# 4. server_pxelinux_serial: port [baud [flow]], digits only.

@pytest.mark.parametrize('value', ['0', '0 115200', '1 9600 0', 0])
def test_pxelinux_serial_accepts_port_baud_flow(value):
    site = plan(boot_loaders=GRUB_EFI, pxelinux_serial=value)['site']
    assert 'SERIAL %s\n' % value in _render.pxelinux(site)


@pytest.mark.parametrize('value', ['0 115200\nDEFAULT evil\nLABEL evil\n  KERNEL http://x/k', '0 115200\n', '0\r',
                                   ' 0', '0 ', '0  115200', 'ttyS0', '0 115200 8n1', '1 2 3 4', True, ['0']])
def test_pxelinux_serial_refuses_anything_else(value):
    with pytest.raises(_server.ServerError, match=r'^server_pxelinux_serial must be "port \[baud \[flow\]\]"'):
        plan(boot_loaders=GRUB_EFI, pxelinux_serial=value)
    site = dict(plan(boot_loaders=GRUB_EFI)['site'], pxelinux_serial=value)
    with pytest.raises(_render.RenderError, match='^pxelinux_serial must be'):
        _render.pxelinux(site)


# 5 (these files). Full matches: "$" would accept a trailing newline.

@pytest.mark.parametrize('suffix', ['\n', '\r', ' ', '\t'])
def test_entry_validators_refuse_trailing_line_ends_and_spaces(suffix):
    for item, message in (({'name': 'debian' + suffix}, r'\.name must be'), ({'kernel': '/k/linux' + suffix}, r'\.kernel'),
                          ({'initrd': '/k/initrd.gz' + suffix}, r'\.initrd'),
                          ({'kernel': None, 'initrd': None, 'chain': 'http://x/menu.ipxe' + suffix}, r'\.chain')):
        with pytest.raises(_entries.EntryError, match=r'^server_entries\[0\]' + message):
            _entries.entries(entries(item))
    with pytest.raises(_bootstr.BootStringError, match='invalid kernel parameter name'):
        _bootstr.kernel_cmdline({'console' + suffix: 'ttyS0'})


# 12. The NIC that booted: iPXE's netX, never net0.

def test_ipxe_refers_to_the_booting_nic():
    text = _render.ipxe(plan(ipxe_chainload_bios_rom=True)['site'])
    assert 'net0' not in text
    assert 'chain --replace --autofree ${base}/hosts/${netX/mac:hexhyp}.ipxe || goto netboot_menu' in text
    assert 'iseq ${netX/chip} undionly || chain' in text


# 13. PXELINUX labels: entries get "entry-<name>", the renderer's own labels "netboot-*".

def test_pxelinux_labels_never_collide_with_entry_names():
    names = ['back', 'netboot-back', 'netboot-local', 'netboot-text', 'entry-back', '-']
    items = [{'name': name, 'title': 'T %s' % name, 'kernel': '/k/%d/linux' % index}
             for index, name in enumerate(names) if name != '-']
    site = plan(boot_loaders=GRUB_EFI, entries=items, default_entry='back',
                menu={'timeout': 5, 'items': [{'menu': 'Sub', 'items': ['back', 'entry-back']}, {'text': 'x'},
                                              'netboot-back', 'netboot-local', 'netboot-text', 'local']})['site']
    text = _render.pxelinux(site)
    labels = [line.split(None, 1)[1] for line in text.splitlines() if line.strip().upper().startswith('LABEL ')]
    assert len(labels) == len(set(labels)), labels
    assert 'DEFAULT entry-back' in text.splitlines() and 'ONTIMEOUT entry-back' in text.splitlines()
    assert set(labels) >= {'entry-back', 'entry-netboot-back', 'entry-netboot-local', 'entry-entry-back', 'netboot-local',
                           'netboot-back-1', 'netboot-text-2'}
