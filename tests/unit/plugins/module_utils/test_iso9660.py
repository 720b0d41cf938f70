# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ISO9660 reader against images built by xorriso and genisoimage (see conftest.py)."""
from __future__ import annotations

import io

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _artifact, _iso9660


def extract(image, member, archive_format='auto'):
    out = io.BytesIO()
    size = _artifact.extract_member(image, member, out, archive_format)
    assert size == len(out.getvalue())
    return out.getvalue()


@pytest.mark.parametrize('kind', ['rockridge', 'plain', 'joliet'])
@pytest.mark.parametrize('member,path', [
    ('install.amd/vmlinuz', 'install.amd/vmlinuz'),        # 200 KiB: > 64 KiB, many sectors
    ('/casper/vmlinuz', 'casper/vmlinuz'),                 # absolute = relative to the image root
    ('./install.amd/initrd.gz', 'install.amd/initrd.gz'),
    ('INSTALL.AMD/VMLINUZ', 'install.amd/vmlinuz'),       # case-insensitive fallback
    ('README', 'README'),
])
def test_extract_by_path(iso_images, kind, member, path):
    assert _artifact.detect_format(iso_images[kind]) == 'iso'
    assert extract(iso_images[kind], member) == iso_images['files'][path]


@pytest.mark.parametrize('kind', ['rockridge', 'joliet'])
def test_long_mixed_case_names_need_rock_ridge_or_joliet(iso_images, kind):
    assert extract(iso_images[kind], 'a/b/c/Deep-File.txt', 'iso') == b'deep\n'


def test_plain_iso9660_names(iso_images):
    image = iso_images['plain']
    with open(image, 'rb') as handle:
        iso = _iso9660.IsoImage(handle)
        assert not iso.rock_ridge and not iso.joliet
        names = sorted(entry.name for entry in iso.listdir(iso.root))
    assert names == ['A', 'CASPER', 'INSTALL.AMD', 'README']  # "README.;1" -> README
    assert extract(image, 'a/b/c/deep_fil.txt') == b'deep\n'    # the 8.3 name, any case
    with pytest.raises(_artifact.ArtifactError, match=r"no 'Deep-File.txt' in /A/B/C, which holds: DEEP_FIL.TXT"):
        extract(image, 'a/b/c/Deep-File.txt')


def test_rock_ridge_names_win(iso_images):
    with open(iso_images['rockridge'], 'rb') as handle:
        iso = _iso9660.IsoImage(handle)
        assert iso.rock_ridge
        names = sorted(entry.name for entry in iso.listdir(iso.root))
    assert names == ['README', 'a', 'casper', 'install.amd']


def test_relocated_deep_directories(iso_images):
    assert extract(iso_images['deep'], '1/2/3/4/5/6/7/8/9/10/file') == b'deepest\n'


def test_missing_member_lists_nearby_names(iso_images):
    with pytest.raises(_artifact.ArtifactError) as excinfo:
        extract(iso_images['rockridge'], 'install.amd/vmlinux')
    message = str(excinfo.value)
    assert "'install.amd/vmlinux' not found in the ISO image" in message
    assert 'which holds: initrd.gz, vmlinuz' in message and 'closest: vmlinuz' in message
    with pytest.raises(_artifact.ArtifactError, match=r"no 'nothere' in /, which holds: README, a/, casper/, install.amd/"):
        extract(iso_images['rockridge'], 'nothere/vmlinuz')


@pytest.mark.parametrize('member,message', [
    ('casper/link', 'symbolic link'),
    ('install.amd', 'is a directory'),
    ('README/x', 'is a file, not a directory'),
    ('../install.amd/vmlinuz', 'climbs out'),
    ('install.amd/../../etc/passwd', 'climbs out'),
    ('/', 'root directory'),
])
def test_refused_members(iso_images, member, message):
    with pytest.raises(_artifact.ArtifactError, match=message):
        extract(iso_images['rockridge'], member)


def test_not_an_iso_and_truncated(iso_images, tmp_path):
    other = tmp_path / 'zeros.iso'
    other.write_bytes(b'\0' * 40000)
    with pytest.raises(_artifact.ArtifactError, match='not an ISO9660 image'):
        extract(str(other), 'x', 'iso')
    data = open(iso_images['rockridge'], 'rb').read()
    cut = tmp_path / 'cut.iso'
    start = data.find(iso_images['files']['install.amd/vmlinuz'][:256])
    assert start > 0
    cut.write_bytes(data[:start + 4096])  # the directories are intact, the kernel is cut off
    with pytest.raises(_artifact.ArtifactError, match='truncated|beyond the end'):
        extract(str(cut), 'install.amd/vmlinuz')


def test_reads_only_what_it_needs(iso_images):
    """Seeks: the bytes read are about the directories on the path plus the file, not the image."""
    class Counting(io.FileIO):
        total = 0

        def read(self, size=-1):
            data = super().read(size)
            Counting.total += len(data)
            return data

    with Counting(iso_images['rockridge'], 'rb') as handle:
        iso = _iso9660.IsoImage(handle)
        iso.copy(iso.lookup('casper/vmlinuz'), io.BytesIO())
    assert Counting.total < 64 * 1024 < len(iso_images['files']['install.amd/vmlinuz'])
