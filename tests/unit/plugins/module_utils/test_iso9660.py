# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ISO9660 reader against images built by xorriso and genisoimage (see conftest.py)."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings

from ansible_collections.netboot.pxe.plugins.module_utils import _artifact, _iso9660

sys.path.insert(0, os.path.dirname(__file__))
from test_artifact import extract_bounded, mutated  # noqa: E402  pylint: disable=wrong-import-position


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


# -- hostile images: every length and location from the image is bounded ---------------------------

SMALL_KERNEL = bytes(range(256)) * 9 + b'end'   # 2307 bytes: two sectors


def small_images(base):
    """Small images to mutate: Rock Ridge with continuation areas (long names), relocated directories, Joliet."""
    tree = base / 'tree'
    for path, data in {'boot/vmlinuz': SMALL_KERNEL, 'boot/' + 'n' * 240: b'long name\n', 'README': b'r\n'}.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_bytes(data)
    deep = base / 'deep'
    (deep / '1/2/3/4/5/6/7/8/9').mkdir(parents=True)
    (deep / '1/2/3/4/5/6/7/8/9/vmlinuz').write_bytes(SMALL_KERNEL)
    images = {}
    for name, argv, root, member in (('rockridge', ['xorriso', '-as', 'mkisofs', '-R', '-J'], tree, 'boot/vmlinuz'),
                                     ('joliet', ['genisoimage', '-quiet', '-J'], tree, 'boot/vmlinuz'),
                                     ('deep', ['genisoimage', '-quiet', '-R'], deep, '1/2/3/4/5/6/7/8/9/vmlinuz')):
        path = base / (name + '.iso')
        subprocess.run(argv + ['-o', str(path), str(root)], check=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        images[name] = (path.read_bytes(), member)
    return images


def le32_both(value):
    return value.to_bytes(4, 'little') + value.to_bytes(4, 'big')


def iso_fields(data):
    """(offset, bytes) header corruptions: descriptors, every directory record, every SUSP entry."""
    blocks = len(data) // 2048
    numbers = [0, 1, 16, blocks - 1, blocks, blocks + 1, 0x7FFFFFFF, 0xFFFFFFFF]
    fields = []
    for descriptor in range(16, 20):
        base = descriptor * 2048
        fields += [(base + 128, value.to_bytes(2, 'little')) for value in (0, 1, 7, 512, 4096, 65535)]
        fields += [(base + 156, bytes([value])) for value in (0, 1, 33, 255)]
    directories = [(int.from_bytes(data[16 * 2048 + 158:16 * 2048 + 162], 'little'),
                    int.from_bytes(data[16 * 2048 + 166:16 * 2048 + 170], 'little'))]
    seen = set()
    while directories:
        extent, size = directories.pop()
        if extent in seen or extent * 2048 + size > len(data):
            continue
        seen.add(extent)
        pos = extent * 2048
        while pos < extent * 2048 + size:
            length = data[pos]
            if length == 0:
                pos = (pos // 2048 + 1) * 2048
                continue
            fields += [(pos, bytes([value])) for value in (0, 1, 33, 34, 255)]
            fields += [(pos + 1, bytes([255]))]
            fields += [(pos + 2, le32_both(value)) for value in numbers + [extent]]
            fields += [(pos + 10, le32_both(value)) for value in numbers + [2048 * 4096]]
            fields += [(pos + 25, bytes([value])) for value in (0, 2, 0x80, 0xFF)] + [(pos + 26, b'\x01')]
            fields += [(pos + 32, bytes([value])) for value in (0, 1, 200, 255)]
            name_length = data[pos + 32]
            if data[pos + 25] & 2 and data[pos + 33:pos + 33 + name_length] not in (b'\0', b'\1'):
                directories.append((int.from_bytes(data[pos + 2:pos + 6], 'little'), int.from_bytes(data[pos + 10:pos + 14], 'little')))
            system_use = pos + 33 + name_length + (1 - name_length % 2)
            for signature in (b'SP', b'CE', b'NM', b'CL', b'RE', b'PL', b'SL', b'PX', b'ST', b'ER'):
                at = data.find(signature, system_use, pos + length)
                if at < 0:
                    continue
                fields += [(at + 2, bytes([value])) for value in (0, 3, 4, 5, 255)]
                if signature in (b'CE', b'CL'):
                    fields += [(at + 4, le32_both(value)) for value in numbers]
                if signature == b'CE':
                    fields += [(at + 12, le32_both(value)) for value in (0, 2000, 2047, 2048, 0xFFFFFFFF)]
                    fields += [(at + 20, le32_both(value)) for value in (0, 1, 2048, 65536, 0xFFFFFFFF)]
            pos += length
    # The continuation areas themselves (CE entries pointing onward, lengths).
    for at in range(data.find(b'CE\x1c\x01'), len(data)) if b'CE\x1c\x01' in data else ():
        if data.startswith(b'CE\x1c\x01', at):
            fields += [(at + 4, le32_both(value)) for value in numbers]
    return fields


@pytest.fixture(scope='module')
def hostile_bases(tmp_path_factory):
    for tool in ('xorriso', 'genisoimage'):
        if not shutil.which(tool):
            pytest.fail('%s is not installed (make deps installs it: APT_TEST in the Makefile)' % tool)
    images = small_images(tmp_path_factory.mktemp('hostile-iso'))
    return {name: (data, member, iso_fields(data)) for name, (data, member) in images.items()}


def test_small_images_have_what_the_fuzzing_needs(hostile_bases):
    rockridge = hostile_bases['rockridge'][0]
    assert b'CE\x1c\x01' in rockridge  # the 240-character name needs a continuation area
    assert b'CL\x0c\x01' in hostile_bases['deep'][0] and b'RE\x04\x01' in hostile_bases['deep'][0]
    for data, member, fields in hostile_bases.values():
        assert extract_bounded(data, member, 'iso') == (SMALL_KERNEL, None)
        assert len(fields) > 100


@pytest.mark.parametrize('kind', ['rockridge', 'joliet', 'deep'])
def test_fuzz_iso(hostile_bases, kind):
    original, member, fields = hostile_bases[kind]

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                     HealthCheck.function_scoped_fixture])
    @given(data=mutated(original, fields))
    def run(data):
        got, _error = extract_bounded(data, member, 'iso')
        if got is not None:
            assert got == SMALL_KERNEL if data == original else got in data
    run()


def long_name_continuation(data):
    """Offset of the CE entry of the 240-character name's record (in the same block as the name's start)."""
    block = data.find(b'n' * 20) // 2048
    at = data.find(b'CE\x1c\x01', block * 2048)
    assert at // 2048 == block
    return at


def test_continuation_areas_are_bounded(hostile_bases, monkeypatch):
    data, _member, _fields = hostile_bases['rockridge']
    name = 'boot/' + 'n' * 240
    assert extract_bounded(data, name, 'iso') == (b'long name\n', None)
    at = long_name_continuation(data)
    area = int.from_bytes(data[at + 4:at + 8], 'little') * 2048 + int.from_bytes(data[at + 12:at + 16], 'little')
    crossing = data[:at + 20] + le32_both(4096) + data[at + 28:]
    got, error = extract_bounded(crossing, name, 'iso')
    assert got is None and 'crosses a block or the end of the image' in str(error)
    # The continuation area starts with a CE entry pointing at itself: every hop reads the same area again.
    looping = data[:area] + b'CE\x1c\x01' + le32_both(area // 2048) + le32_both(area % 2048) + le32_both(28) + data[area + 28:]
    got, error = extract_bounded(looping, name, 'iso')
    assert got is None and 'too many Rock Ridge continuation areas' in str(error)
    monkeypatch.setattr(_iso9660, '_CONTINUATION_BUDGET', 100)
    got, error = extract_bounded(data, name, 'iso')
    assert got is None and 'more than 100 bytes of Rock Ridge continuation areas' in str(error)


def test_joliet_block_size_is_checked(hostile_bases):
    data, member, _fields = hostile_bases['joliet']
    for descriptor in range(17, 20):
        if data[descriptor * 2048] == 2:
            data = data[:descriptor * 2048 + 128] + (7).to_bytes(2, 'little') + data[descriptor * 2048 + 130:]
    got, error = extract_bounded(data, member, 'iso')
    assert got is None and 'unsupported logical block size 7' in str(error)
