# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""boot_artifact against a real HTTP server on loopback: verification, atomicity, idempotence, extraction."""
from __future__ import annotations

import hashlib
import json
import os
import sys

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.netboot.pxe.plugins.modules import boot_artifact

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'module_utils'))
from test_artifact import make_deb, time_bound  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture
def server(tmp_path, loopback_http):
    return loopback_http(tmp_path / 'www')


class Exit(Exception):
    def __init__(self, result):
        super().__init__(result.get('msg', ''))
        self.result = result


def run_module(args, check_mode=False, capsys=None):
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=True)
    with patch_module_args(args):
        with pytest.raises(SystemExit) as excinfo:
            boot_artifact.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result['rc'] = excinfo.value.code
    return result


def sha(data):
    return 'sha256:' + hashlib.sha256(data).hexdigest()


def test_download_verify_and_idempotence(server, tmp_path, capsys):
    data = os.urandom(300000)
    (server.root / 'linux').write_bytes(data)
    dest = tmp_path / 'boot' / 'linux'
    dest.parent.mkdir()
    args = {'src': server.url + '/linux', 'dest': str(dest), 'checksum': sha(data)}
    first = run_module(args, capsys=capsys)
    assert first['changed'] and first['downloaded'] and first['rc'] == 0
    assert dest.read_bytes() == data and first['size'] == len(data) and first['checksum'] == sha(data)
    second = run_module(args, capsys=capsys)
    assert not second['changed'] and not second['downloaded']
    assert server.requests == ['/linux']
    assert not [p for p in dest.parent.iterdir() if p.name.endswith('.part')]


def test_wrong_checksum_keeps_the_old_file(server, tmp_path, capsys):
    (server.root / 'initrd.gz').write_bytes(b'new content')
    dest = tmp_path / 'initrd.gz'
    dest.write_bytes(b'old, working content')
    result = run_module({'src': server.url + '/initrd.gz', 'dest': str(dest), 'checksum': sha(b'something else')}, capsys=capsys)
    assert result['rc'] == 1 and 'checksum mismatch' in result['msg'] and 'left untouched' in result['msg']
    assert dest.read_bytes() == b'old, working content'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['initrd.gz', 'www']


def test_checksums_file_and_base_url(server, tmp_path, capsys):
    data = b'installer kernel'
    (server.root / 'netboot').mkdir()
    (server.root / 'netboot' / 'linux').write_bytes(data)
    (server.root / 'SHA256SUMS').write_text('%s  ./netboot/linux\n' % hashlib.sha256(data).hexdigest())
    dest = tmp_path / 'linux'
    result = run_module({'base_url': server.url, 'src': 'netboot/linux', 'checksum_url': 'SHA256SUMS', 'dest': str(dest)}, capsys=capsys)
    assert result['changed'] and dest.read_bytes() == data


def test_check_mode_changes_nothing(server, tmp_path, capsys):
    data = b'abc'
    (server.root / 'f').write_bytes(data)
    dest = tmp_path / 'f'
    result = run_module({'src': server.url + '/f', 'dest': str(dest), 'checksum': sha(data)}, check_mode=True, capsys=capsys)
    assert result['changed'] and not dest.exists() and not server.requests
    assert result['diff']['after'].strip() == hashlib.sha256(data).hexdigest()


def test_member_of_a_deb(server, tmp_path, capsys):
    kernel = os.urandom(5000)
    deb = make_deb({'./boot/vmlinuz-6.1.0-99-amd64': kernel})
    (server.root / 'linux-image.deb').write_bytes(deb)
    dest = tmp_path / 'vmlinuz'
    args = {'src': server.url + '/linux-image.deb', 'checksum': sha(deb), 'member': './boot/vmlinuz-6.1.0-99-amd64',
            'dest': str(dest), 'member_checksum': sha(kernel)}
    first = run_module(args, capsys=capsys)
    assert first['changed'] and dest.read_bytes() == kernel
    second = run_module(args, capsys=capsys)
    assert not second['changed'] and len(server.requests) == 1


def test_member_traversal_refused(server, tmp_path, capsys):
    (server.root / 'a.tar').write_bytes(b'x')
    result = run_module({'src': server.url + '/a.tar', 'checksum': sha(b'x'), 'member': '../../etc/passwd',
                         'dest': str(tmp_path / 'p')}, capsys=capsys)
    assert result['rc'] == 1 and 'refused' in result['msg'] and not server.requests


def test_local_path_source_and_missing_file(tmp_path, capsys):
    src = tmp_path / 'local.img'
    src.write_bytes(b'image')
    dest = tmp_path / 'out.img'
    result = run_module({'src': str(src), 'dest': str(dest), 'checksum': sha(b'image'), 'mode': '0640'}, capsys=capsys)
    assert result['changed'] and dest.read_bytes() == b'image' and oct(dest.stat().st_mode & 0o777) == '0o640'
    missing = run_module({'src': str(tmp_path / 'nope'), 'dest': str(tmp_path / 'x'), 'checksum': sha(b'')}, capsys=capsys)
    assert missing['rc'] == 1 and missing['msg'].startswith('src: cannot read')


def test_missing_url_names_src(server, tmp_path, capsys):
    result = run_module({'src': server.url + '/nope.img', 'dest': str(tmp_path / 'x'), 'checksum': sha(b'')}, capsys=capsys)
    assert result['rc'] == 1 and result['msg'].startswith('src: cannot fetch %s/nope.img: 404' % server.url)
    assert not (tmp_path / 'x').exists()


# -- OpenPGP-verified checksums files ----------------------------------------------------------

def publish_signed(server, gpg_keys, kernel=b'installer kernel'):
    """www/images/{netboot/linux, SHA256SUMS, SHA256SUMS.sign (detached), SHA256SUMS.inline (clearsigned)}."""
    images = server.root / 'images'
    (images / 'netboot').mkdir(parents=True)
    (images / 'netboot' / 'linux').write_bytes(kernel)
    sums = b'%s  ./netboot/linux\n' % hashlib.sha256(kernel).hexdigest().encode()
    (images / 'SHA256SUMS').write_bytes(sums)
    (images / 'SHA256SUMS.sign').write_bytes(gpg_keys['archive'].detach_sign(sums))
    (images / 'SHA256SUMS.inline').write_bytes(gpg_keys['archive'].clearsign(sums))
    return {'base_url': server.url + '/images', 'src': 'netboot/linux', 'checksum_url': 'SHA256SUMS',
            'checksum_name': './netboot/linux'}


def test_detached_signature_good(server, tmp_path, capsys, gpg_keys):
    args = publish_signed(server, gpg_keys)
    dest = tmp_path / 'linux'
    args = dict(args, dest=str(dest), checksum_signature_url='SHA256SUMS.sign', gpg_key=gpg_keys['archive'].public_armored.decode())
    checked = run_module(args, check_mode=True, capsys=capsys)
    assert checked['rc'] == 0 and checked['changed'] and not dest.exists()
    assert checked['signed_by'] == [gpg_keys['archive'].fingerprint]
    result = run_module(args, capsys=capsys)
    assert result['rc'] == 0 and result['changed'] and dest.read_bytes() == b'installer kernel'
    assert result['signed_by'] == [gpg_keys['archive'].fingerprint]
    assert server.requests == ['/images/SHA256SUMS', '/images/SHA256SUMS.sign'] * 2 + ['/images/netboot/linux']


def test_inline_signature_with_keyring_file(server, tmp_path, capsys, gpg_keys):
    args = publish_signed(server, gpg_keys)
    keyring = tmp_path / 'archive.asc'
    keyring.write_bytes(gpg_keys['archive'].public_armored)
    dest = tmp_path / 'linux'
    result = run_module(dict(args, checksum_url='SHA256SUMS.inline', dest=str(dest), gpg_keyring=str(keyring)), capsys=capsys)
    assert result['rc'] == 0 and dest.read_bytes() == b'installer kernel'
    again = run_module(dict(args, checksum_url='SHA256SUMS.inline', dest=str(dest), gpg_keyring=str(keyring)), capsys=capsys)
    assert again['rc'] == 0 and not again['changed'] and again['signed_by'] == [gpg_keys['archive'].fingerprint]


def assert_failed_untouched(result, dest, server, *words):
    assert result['rc'] == 1, result
    for word in words:
        assert word in result['msg'], result['msg']
    assert dest.read_bytes() == b'old kernel'
    assert '/images/netboot/linux' not in server.requests
    assert [p.name for p in dest.parent.iterdir() if p.name.startswith('.')] == []


@pytest.fixture
def old_dest(tmp_path):
    dest = tmp_path / 'boot' / 'linux'
    dest.parent.mkdir()
    dest.write_bytes(b'old kernel')
    return dest


def test_tampered_checksums_file(server, old_dest, capsys, gpg_keys):
    args = publish_signed(server, gpg_keys)
    # A mirror swaps kernel and checksum line; the signature still is the archive's original one.
    (server.root / 'images' / 'netboot' / 'linux').write_bytes(b'evil kernel')
    (server.root / 'images' / 'SHA256SUMS').write_bytes(b'%s  ./netboot/linux\n' % hashlib.sha256(b'evil kernel').hexdigest().encode())
    result = run_module(dict(args, dest=str(old_dest), checksum_signature_url='SHA256SUMS.sign',
                             gpg_key=gpg_keys['archive'].public_armored.decode()), capsys=capsys)
    assert_failed_untouched(result, old_dest, server, 'checksum_signature_url', 'gpg_key', 'BAD signature', 'nothing was downloaded')


def test_signature_by_the_wrong_key(server, old_dest, tmp_path, capsys, gpg_keys):
    args = publish_signed(server, gpg_keys)
    keyring = tmp_path / 'stranger.gpg'
    keyring.write_bytes(gpg_keys['stranger'].public_binary)
    result = run_module(dict(args, dest=str(old_dest), checksum_signature_url='SHA256SUMS.sign', gpg_keyring=str(keyring)), capsys=capsys)
    assert_failed_untouched(result, old_dest, server, 'checksum_signature_url', 'gpg_keyring', 'not in the given keyring')
    result = run_module(dict(args, dest=str(old_dest), checksum_url='SHA256SUMS.inline', gpg_keyring=str(keyring)), capsys=capsys)
    assert_failed_untouched(result, old_dest, server, 'checksum_url', 'gpg_keyring', 'not in the given keyring')


def test_missing_signature(server, old_dest, capsys, gpg_keys):
    args = publish_signed(server, gpg_keys)
    key = gpg_keys['archive'].public_armored.decode()
    result = run_module(dict(args, dest=str(old_dest), checksum_signature_url='SHA256SUMS.gpg', gpg_key=key), capsys=capsys)
    assert_failed_untouched(result, old_dest, server, 'checksum_signature_url: cannot fetch', '404')
    result = run_module(dict(args, dest=str(old_dest), gpg_key=key), capsys=capsys)  # unsigned file, no detached signature
    assert_failed_untouched(result, old_dest, server, 'checksum_url', 'not an inline-signed', 'give checksum_signature_url')


@pytest.mark.parametrize('args,message', [
    ({'checksum_signature_url': 'SHA256SUMS.sign'}, 'checksum_signature_url needs gpg_keyring or gpg_key'),
    ({'checksum_release_url': 'InRelease'}, 'checksum_release_url needs gpg_keyring or gpg_key'),
    ({'gpg_key': 'x', 'gpg_keyring': '/k'}, 'mutually exclusive'),
    ({'checksum_release_name': 'x'}, 'required by'),
])
def test_signature_option_checks(server, tmp_path, capsys, args, message):
    result = run_module(dict({'src': server.url + '/x', 'checksum_url': 'SHA256SUMS', 'base_url': server.url,
                              'dest': str(tmp_path / 'x')}, **args), capsys=capsys)
    assert result['rc'] == 1 and message in result['msg'] and not server.requests


def test_gpg_key_is_content_not_a_path(server, tmp_path, capsys, gpg_keys):
    args = publish_signed(server, gpg_keys)
    result = run_module(dict(args, dest=str(tmp_path / 'x'), checksum_signature_url='SHA256SUMS.sign',
                             gpg_key='/usr/share/keyrings/debian-archive-keyring.gpg'), capsys=capsys)
    assert result['rc'] == 1 and 'gpg_key must be the armored public key itself' in result['msg'] and 'use gpg_keyring' in result['msg']


def test_key_needs_a_checksums_file(tmp_path, capsys):
    result = run_module({'src': '/x', 'checksum': sha(b''), 'gpg_key': 'k', 'dest': str(tmp_path / 'x')}, capsys=capsys)
    assert result['rc'] == 1 and "required by 'gpg_key': checksum_url" in result['msg']


# -- the Debian Release chain ------------------------------------------------------------------

def publish_release(server, gpg_keys, kernel=b'installer kernel'):
    """A Debian-like dists/stable tree: InRelease, Release + Release.gpg listing images/SHA256SUMS."""
    dists = server.root / 'dists' / 'stable'
    images = dists / 'main' / 'installer-amd64' / 'current' / 'images'
    (images / 'netboot').mkdir(parents=True)
    (images / 'netboot' / 'linux').write_bytes(kernel)
    sums = b'%s  ./netboot/linux\n' % hashlib.sha256(kernel).hexdigest().encode()
    (images / 'SHA256SUMS').write_bytes(sums)
    release = ('Origin: Debian\nSuite: stable\nSHA256:\n %s %8d main/installer-amd64/current/images/SHA256SUMS\n'
               % (hashlib.sha256(sums).hexdigest(), len(sums))).encode()
    (dists / 'Release').write_bytes(release)
    (dists / 'Release.gpg').write_bytes(gpg_keys['archive'].detach_sign(release))
    (dists / 'InRelease').write_bytes(gpg_keys['archive'].clearsign(release, gpg_keys['stranger']))
    return {'base_url': server.url + '/dists/stable', 'src': 'main/installer-amd64/current/images/netboot/linux',
            'checksum_url': 'main/installer-amd64/current/images/SHA256SUMS', 'checksum_name': './netboot/linux',
            'gpg_key': gpg_keys['archive'].public_armored.decode()}


def test_release_chain_inrelease(server, tmp_path, capsys, gpg_keys):
    args = publish_release(server, gpg_keys)
    dest = tmp_path / 'linux'
    result = run_module(dict(args, checksum_release_url='InRelease', dest=str(dest)), capsys=capsys)
    assert result['rc'] == 0 and dest.read_bytes() == b'installer kernel', result
    assert result['signed_by'] == [gpg_keys['archive'].fingerprint]


def test_release_chain_detached(server, tmp_path, capsys, gpg_keys):
    args = publish_release(server, gpg_keys)
    dest = tmp_path / 'linux'
    result = run_module(dict(args, checksum_release_url='Release', checksum_signature_url='Release.gpg', dest=str(dest),
                             checksum_release_name='main/installer-amd64/current/images/SHA256SUMS'), capsys=capsys)
    assert result['rc'] == 0 and dest.read_bytes() == b'installer kernel', result


def test_release_chain_tampered_checksums_file(server, old_dest, capsys, gpg_keys):
    args = publish_release(server, gpg_keys)
    sums = server.root / 'dists/stable/main/installer-amd64/current/images/SHA256SUMS'
    sums.write_bytes(b'%s  ./netboot/linux\n' % hashlib.sha256(b'evil').hexdigest().encode())
    result = run_module(dict(args, checksum_release_url='InRelease', dest=str(old_dest)), capsys=capsys)
    assert result['rc'] == 1 and 'does not match its entry' in result['msg'] and 'checksum_url' in result['msg']
    assert old_dest.read_bytes() == b'old kernel'
    (server.root / 'dists/stable/Release').write_bytes(b'Origin: Evil\n')
    result = run_module(dict(args, checksum_release_url='Release', checksum_signature_url='Release.gpg', dest=str(old_dest)),
                        capsys=capsys)
    assert result['rc'] == 1 and 'BAD signature' in result['msg'] and 'checksum_signature_url' in result['msg']


def test_release_chain_needs_the_name_outside_its_directory(server, tmp_path, capsys, gpg_keys):
    args = publish_release(server, gpg_keys)
    result = run_module(dict(args, checksum_url=server.url + '/elsewhere/SHA256SUMS', checksum_release_url='InRelease',
                             dest=str(tmp_path / 'x')), capsys=capsys)
    assert result['rc'] == 1 and 'checksum_release_name is needed' in result['msg']


# -- ISO images --------------------------------------------------------------------------------

def test_member_of_an_iso(server, tmp_path, capsys, iso_images):
    iso = open(iso_images['rockridge'], 'rb').read()
    (server.root / 'netinst.iso').write_bytes(iso)
    kernel = iso_images['files']['install.amd/vmlinuz']
    dest = tmp_path / 'vmlinuz'
    args = {'src': server.url + '/netinst.iso', 'checksum': sha(iso), 'member': '/install.amd/vmlinuz',
            'member_checksum': sha(kernel), 'dest': str(dest)}
    first = run_module(args, capsys=capsys)
    assert first['rc'] == 0 and first['changed'] and dest.read_bytes() == kernel
    second = run_module(args, capsys=capsys)
    assert not second['changed'] and server.requests == ['/netinst.iso']
    (tmp_path / 'casper').write_bytes(b'old')
    wrong = run_module(dict(args, member='casper/vmlinuz', dest=str(tmp_path / 'casper')), capsys=capsys)
    assert wrong['rc'] == 1 and 'checksum mismatch for member casper/vmlinuz' in wrong['msg']
    assert (tmp_path / 'casper').read_bytes() == b'old'


def test_iso_member_missing_and_format(server, tmp_path, capsys, iso_images):
    iso = open(iso_images['plain'], 'rb').read()
    (server.root / 'image.bin').write_bytes(iso)
    args = {'src': server.url + '/image.bin', 'checksum': sha(iso), 'member': 'install.amd/linux', 'dest': str(tmp_path / 'k')}
    result = run_module(args, capsys=capsys)
    assert result['rc'] == 1 and 'member:' in result['msg'] and 'which holds: INITRD.GZ, VMLINUZ' in result['msg']
    absolute = run_module(dict(args, member='/install.amd/vmlinuz'), capsys=capsys)
    assert absolute['rc'] == 1 and 'set archive_format to iso' in absolute['msg']
    explicit = run_module(dict(args, member='/install.amd/vmlinuz', archive_format='iso'), capsys=capsys)
    assert explicit['rc'] == 0 and (tmp_path / 'k').read_bytes() == iso_images['files']['install.amd/vmlinuz']


# -- file:// sources (fetch_url reports status None for them: they are read as local files) ---------

def test_file_url_plain_file(tmp_path, capsys):
    data = os.urandom(70000)
    (tmp_path / 'mirror').mkdir()
    (tmp_path / 'mirror' / 'linux').write_bytes(data)
    dest = tmp_path / 'linux'
    args = {'src': 'file://%s/mirror/linux' % tmp_path, 'dest': str(dest), 'checksum': sha(data)}
    first = run_module(args, capsys=capsys)
    assert first['rc'] == 0 and first['changed'] and first['downloaded'] and dest.read_bytes() == data, first
    second = run_module(args, capsys=capsys)
    assert second['rc'] == 0 and not second['changed']
    wrong = run_module(dict(args, checksum=sha(b'other')), capsys=capsys)
    assert wrong['rc'] == 1 and 'checksum mismatch' in wrong['msg'] and dest.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ['linux', 'mirror']


def test_file_url_member_of_a_deb_on_a_mirror(tmp_path, capsys):
    """The documented flow: a kernel out of a .deb on a local mirror, checked against the mirror's checksums file."""
    kernel = os.urandom(5000)
    deb = make_deb({'./boot/vmlinuz-6.1.0-99-amd64': kernel})
    pool = tmp_path / 'mirror' / 'pool'
    pool.mkdir(parents=True)
    (pool / 'linux-image.deb').write_bytes(deb)
    (tmp_path / 'mirror' / 'SHA256SUMS').write_text('%s  pool/linux-image.deb\n' % hashlib.sha256(deb).hexdigest())
    dest = tmp_path / 'vmlinuz'
    args = {'base_url': 'file://%s/mirror' % tmp_path, 'src': 'pool/linux-image.deb', 'checksum_url': 'SHA256SUMS',
            'member': './boot/vmlinuz-6.1.0-99-amd64', 'member_checksum': sha(kernel), 'dest': str(dest)}
    first = run_module(args, capsys=capsys)
    assert first['rc'] == 0 and first['changed'] and dest.read_bytes() == kernel, first
    second = run_module(args, capsys=capsys)
    assert second['rc'] == 0 and not second['changed'] and not second['downloaded']
    pinned = run_module({'src': 'file://%s' % (pool / 'linux-image.deb'), 'checksum': sha(deb),
                         'member': './boot/vmlinuz-6.1.0-99-amd64', 'dest': str(tmp_path / 'pinned')}, capsys=capsys)
    assert pinned['rc'] == 0 and (tmp_path / 'pinned').read_bytes() == kernel, pinned


def test_file_url_checksums_signature_and_release(tmp_path, capsys, gpg_keys):
    """Every URL the module reads - checksums file, detached signature, Release file - works as file:// too."""
    root = tmp_path / 'www'
    base = 'file://%s/dists/stable' % root
    args = publish_release(type('Mirror', (), {'root': root, 'url': 'file://%s' % root})(), gpg_keys)
    dest = tmp_path / 'linux'
    result = run_module(dict(args, base_url=base, checksum_release_url='Release', checksum_signature_url='Release.gpg',
                             dest=str(dest)), capsys=capsys)
    assert result['rc'] == 0 and dest.read_bytes() == b'installer kernel', result
    assert result['signed_by'] == [gpg_keys['archive'].fingerprint]
    sums = args['checksum_url']
    (root / 'dists/stable' / (sums + '.sign')).write_bytes(gpg_keys['archive'].detach_sign((root / 'dists/stable' / sums).read_bytes()))
    dest.unlink()
    detached = run_module(dict(args, base_url=base, checksum_signature_url=sums + '.sign', dest=str(dest)), capsys=capsys)
    assert detached['rc'] == 0 and dest.read_bytes() == b'installer kernel', detached


@pytest.mark.parametrize('option', ['src', 'checksum_url'])
def test_file_url_errors_name_the_option(tmp_path, capsys, option):
    (tmp_path / 'dir').mkdir()
    (tmp_path / 'SHA256SUMS').write_text('%s  nope\n' % ('a' * 64))
    args = {'src': 'file://%s/nope' % tmp_path, 'dest': str(tmp_path / 'x')}
    args.update({'checksum': sha(b'')} if option == 'src' else {'checksum_url': 'file://%s/SHA256SUMS' % tmp_path})
    for value, words in (('file://%s/missing' % tmp_path, 'No such file'), ('file://%s/dir' % tmp_path, 'is a directory'),
                         ('file://otherhost/srv/x', "names the host 'otherhost'")):
        result = run_module(dict(args, **{option: value}), capsys=capsys)
        assert result['rc'] == 1 and result['msg'].startswith('%s: cannot read %s' % (option, value)) and words in result['msg'], result
    assert sorted(p.name for p in tmp_path.iterdir()) == ['SHA256SUMS', 'dir']


# -- bad option values: clear errors naming the option, nothing changed, no temporary file ------------

@pytest.mark.parametrize('dest,message', [
    ('boot', 'dest: {tmp}/boot is a directory; give the path of the file to write'),
    ('boot/', 'dest: {tmp}/boot/ names a directory'),
    ('missing/linux', 'dest: the directory {tmp}/missing does not exist; create it first'),
    ('boot/old/linux', 'dest: {tmp}/boot/old is not a directory, so {tmp}/boot/old/linux cannot be created in it'),
])
@pytest.mark.parametrize('check_mode', [False, True])
def test_bad_dest_is_refused_before_anything_is_fetched(server, tmp_path, capsys, dest, message, check_mode):
    """main: a directory dest crashed (IsADirectoryError) after the download and left a .part file beside it."""
    data = b'kernel'
    (server.root / 'linux').write_bytes(data)
    (tmp_path / 'boot').mkdir()
    (tmp_path / 'boot' / 'old').write_bytes(b'old')
    before = sorted(str(p) for p in tmp_path.rglob('*'))
    for member in (None, 'boot/vmlinuz'):
        args = {'src': server.url + '/linux', 'dest': '%s/%s' % (tmp_path, dest), 'checksum': sha(data)}
        if member:
            args['member'] = member
        result = run_module(args, check_mode=check_mode, capsys=capsys)
        assert result['rc'] == 1 and result['msg'].startswith(message.format(tmp=tmp_path)), result
        assert 'nothing was downloaded or written' in result['msg'] and 'Traceback' not in json.dumps(result)
    assert not server.requests
    assert sorted(str(p) for p in tmp_path.rglob('*')) == before and (tmp_path / 'boot' / 'old').read_bytes() == b'old'


@pytest.mark.parametrize('args,message', [
    ({'src': ''}, 'src must be a URL or a path, got an empty value'),
    ({'timeout': 0}, 'timeout must be a positive number of seconds'),
    ({'timeout': -5}, 'timeout must be a positive number of seconds'),
    ({'member': ''}, 'member: archive member must be a non-empty path'),
    ({'src': 'ftp://host/linux'}, "src: unsupported URL scheme 'ftp'"),
])
def test_bad_option_values(tmp_path, capsys, args, message):
    result = run_module(dict({'src': '/srv/linux', 'dest': str(tmp_path / 'linux'), 'checksum': sha(b'')}, **args), capsys=capsys)
    assert result['rc'] == 1 and message in result['msg'], result
    assert list(tmp_path.iterdir()) == []


def test_dest_that_is_not_a_regular_file(tmp_path, capsys):
    (tmp_path / 'src').write_bytes(b'x')
    os.mkfifo(str(tmp_path / 'fifo'))
    result = run_module({'src': str(tmp_path / 'src'), 'dest': str(tmp_path / 'fifo'), 'checksum': sha(b'x')}, capsys=capsys)
    assert result['rc'] == 1 and 'dest: %s exists and is not a regular file' % (tmp_path / 'fifo') in result['msg']
    assert sorted(p.name for p in tmp_path.iterdir()) == ['fifo', 'src']


def test_hostile_deb_member_is_an_error_naming_the_source(tmp_path, capsys):
    """An ar header with a negative size looped forever on main; now the member option fails naming src."""
    deb = make_deb({'./boot/vmlinuz': b'kernel'})
    header = deb.index(b'control.tar.xz')
    deb = deb[:header + 48] + b'-60'.ljust(10) + deb[header + 58:]
    (tmp_path / 'k.deb').write_bytes(deb)
    dest = tmp_path / 'vmlinuz'
    dest.write_bytes(b'old')
    with time_bound(20):
        result = run_module({'src': str(tmp_path / 'k.deb'), 'checksum': sha(deb), 'member': 'boot/vmlinuz', 'dest': str(dest)},
                            capsys=capsys)
    assert result['rc'] == 1 and result['msg'].startswith('member: %s: corrupt ar header' % (tmp_path / 'k.deb')), result
    assert 'was left untouched' in result['msg'] and dest.read_bytes() == b'old'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['k.deb', 'vmlinuz']
