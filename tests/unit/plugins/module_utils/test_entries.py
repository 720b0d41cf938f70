# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _entries


def test_entry_files_and_cmdline():
    result = _entries.entries([{
        'name': 'debian', 'title': 'Debian 12', 'kernel': '/files/vmlinuz-6.1', 'initrd': '/files/initrd.gz',
        'cmdline': {'console': 'ttyS0', 'quiet': True, 'token': 'abc'},
    }], default='debian')
    assert result == [{
        'name': 'debian', 'kind': 'kernel', 'chain': '', 'title': 'Debian 12', 'kernel_src': '/files/vmlinuz-6.1', 'kernel': 'vmlinuz-6.1',
        'initrd_srcs': ['/files/initrd.gz'], 'initrds': ['initrd.gz'], 'cmdline': 'console=ttyS0 quiet token=abc',
        'remote_src': False, 'dir': 'entries/debian',
    }]


def test_string_cmdline_and_several_initrds():
    result = _entries.entries([{'name': 'x', 'kernel': 'k', 'initrd': ['a.gz', 'b.gz'], 'cmdline': 'ro quiet'}])
    assert result[0]['initrds'] == ['a.gz', 'b.gz'] and result[0]['cmdline'] == 'ro quiet'


def test_chain_entry():
    result = _entries.entries([{'name': 'netboot.xyz', 'title': 'netboot.xyz menu', 'chain': 'https://boot.netboot.xyz/menu.ipxe',
                                'architectures': ['bios']}], default='netboot.xyz')
    assert result == [{
        'name': 'netboot.xyz', 'kind': 'chain', 'title': 'netboot.xyz menu', 'chain': 'https://boot.netboot.xyz/menu.ipxe',
        'kernel_src': '', 'kernel': '', 'initrd_srcs': [], 'initrds': [], 'cmdline': '', 'remote_src': False,
        'dir': 'entries/netboot.xyz',
    }]


@pytest.mark.parametrize('item,message', [
    ({'chain': 'ftp://example.org/menu.ipxe'}, '[0].chain must be an http:// or https:// URL'),
    ({'chain': 'https://example.org/a b'}, '[0].chain must be an http:// or https:// URL'),
    ({'chain': 'https://example.org/${x}'}, 'iPXE would expand'),
    ({'chain': 'https://example.org/m.ipxe', 'kernel': 'k', 'cmdline': 'quiet'}, '[0]: a chain entry has no cmdline, kernel'),
])
def test_chain_entry_errors(item, message):
    with pytest.raises(_entries.EntryError) as excinfo:
        _entries.entries([dict(item, name='x')])
    assert message in str(excinfo.value)


def test_no_entries_no_default():
    assert not _entries.entries(None)


@pytest.mark.parametrize('items,default,message', [
    ('x', None, 'must be a list'),
    ([{'name': 'Bad Name', 'kernel': 'k'}], None, "[0].name must be lowercase"),
    ([{'name': 'a', 'kernel': 'k'}, {'name': 'a', 'kernel': 'k'}], None, "[1].name 'a' is used"),
    ([{'name': 'a'}], None, '[0].kernel must be a file path'),
    ([{'name': 'a', 'kernel': '/x/vm linuz'}], None, 'letters, digits'),
    ([{'name': 'a', 'kernel': '/x/k', 'initrd': '/y/k'}], None, 'different file names'),
    ([{'name': 'a', 'kernel': 'k', 'cmdline': 'quiet || shell'}], None, 'command separator'),
    ([{'name': 'a', 'kernel': 'k', 'cmdline': {'x': 'a"b'}}], None, 'double quote'),
    ([{'name': 'a', 'kernel': 'k', 'kernal': 'k'}], None, 'unknown keys kernal'),
    ([{'name': 'a', 'kernel': 'k'}], 'b', "server_default_entry 'b' is not the name"),
])
def test_entry_errors(items, default, message):
    with pytest.raises(_entries.EntryError) as excinfo:
        _entries.entries(items, default=default)
    assert message in str(excinfo.value)
    assert 'server_' in str(excinfo.value)
