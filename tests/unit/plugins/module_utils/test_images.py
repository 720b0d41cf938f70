# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The images role's planner: merge, placeholders, mirrors, archives, errors naming the variable."""
from __future__ import annotations

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _images

SUM = 'sha256:' + 'a' * 64
CATALOG = {
    'deb-amd64': {
        'title': 'Debian {version}', 'family': 'debian', 'version': 'trixie', 'architectures': ['bios', 'efi-x86_64'],
        'files': {
            'kernel': {'src': 'dists/{version}/netboot/linux', 'checksum_url': 'dists/{version}/SHA256SUMS',
                       'checksum_name': './netboot/linux'},
            'initrd': [{'src': 'dists/{version}/netboot/initrd.gz', 'checksum_url': 'dists/{version}/SHA256SUMS'}],
        },
        'cmdline': {'mirror/{mirror_scheme}/hostname': '{mirror_host}', 'mirror/{mirror_scheme}/directory': '{mirror_path}'},
    },
    'fed': {
        'title': 'Fedora', 'family': 'fedora', 'version': '43', 'vars': {'tree': 'releases/43/os'},
        'architectures': ['bios'],
        'files': {'kernel': {'src': '{tree}/images/pxeboot/vmlinuz', 'checksum_url': '{tree}/.treeinfo',
                             'checksum_name': 'images/pxeboot/vmlinuz'},
                  'initrd': {'src': '{tree}/images/pxeboot/initrd.img', 'checksum': SUM}},
        'cmdline': {'inst.repo': '{mirror}/{tree}', 'ip': 'dhcp'},
    },
    'tool-bios': {
        'title': 'Tool', 'family': 'memtest86plus', 'mirror': 'debian', 'architectures': ['bios'],
        'files': {'kernel': {'src': 'pool/tool_1_amd64.deb', 'checksum': SUM, 'member': './boot/tool.bin', 'archive_format': 'deb'}},
    },
    'tool-efi': {
        'from': 'tool-bios', 'title': 'Tool EFI', 'architectures': ['efi-x86_64'],
        'files': {'kernel': {'member': 'boot/tool.efi', 'member_checksum': SUM}},
    },
    'menu': {'title': 'Menu', 'family': 'netbootxyz', 'architectures': ['bios', 'efi-x86_64'], 'chain': '{mirror}/menu.ipxe'},
}
MIRRORS = {'debian': 'https://deb.debian.org/debian/', 'fedora': 'https://dl.fedoraproject.org/pub/fedora/linux',
           'netbootxyz': 'https://boot.netboot.xyz'}


def plan(**changes):
    settings = {'catalog': CATALOG, 'default_mirrors': MIRRORS, 'enabled': list(CATALOG), 'dir': '/var/cache/img'}
    settings.update(changes)
    return _images.plan(settings)


def test_server_entries_in_the_server_roles_format():
    result = plan()
    assert result['server_entries'] == [
        {'name': 'deb-amd64', 'title': 'Debian trixie', 'kernel': '/var/cache/img/deb-amd64/linux',
         'initrd': ['/var/cache/img/deb-amd64/initrd.gz'], 'remote_src': True, 'architectures': ['bios', 'efi-x86_64'],
         'cmdline': 'mirror/https/hostname=deb.debian.org mirror/https/directory=/debian'},
        {'name': 'fed', 'title': 'Fedora', 'kernel': '/var/cache/img/fed/vmlinuz', 'initrd': ['/var/cache/img/fed/initrd.img'],
         'cmdline': 'inst.repo=https://dl.fedoraproject.org/pub/fedora/linux/releases/43/os ip=dhcp', 'remote_src': True,
         'architectures': ['bios']},
        {'name': 'tool-bios', 'title': 'Tool', 'kernel': '/var/cache/img/tool-bios/tool.bin', 'initrd': [], 'cmdline': '',
         'remote_src': True, 'architectures': ['bios']},
        {'name': 'tool-efi', 'title': 'Tool EFI', 'kernel': '/var/cache/img/tool-efi/tool.efi', 'initrd': [], 'cmdline': '',
         'remote_src': True, 'architectures': ['efi-x86_64']},
        {'name': 'menu', 'title': 'Menu', 'chain': 'https://boot.netboot.xyz/menu.ipxe', 'architectures': ['bios', 'efi-x86_64']},
    ]


def test_downloads_resolve_against_the_mirror_and_share_archives():
    result = plan()
    by_dest = dict((d['dest'], d) for d in result['downloads'])
    assert by_dest['/var/cache/img/deb-amd64/linux'] == {
        'entry': 'deb-amd64', 'role': 'kernel', 'dest': '/var/cache/img/deb-amd64/linux',
        'src': 'https://deb.debian.org/debian/dists/trixie/netboot/linux',
        'checksum_url': 'https://deb.debian.org/debian/dists/trixie/SHA256SUMS', 'checksum_name': './netboot/linux'}
    assert by_dest['/var/cache/img/deb-amd64/initrd.gz']['checksum_name'] == 'initrd.gz'
    assert by_dest['/var/cache/img/fed/initrd.img']['checksum'] == SUM
    archive = '/var/cache/img/_archives/tool_1_amd64.deb'
    assert [d['dest'] for d in result['downloads']].count(archive) == 1
    assert result['extracts'] == [
        {'entry': 'tool-bios', 'role': 'kernel', 'archive': archive, 'src': 'https://deb.debian.org/debian/pool/tool_1_amd64.deb',
         'dest': '/var/cache/img/tool-bios/tool.bin', 'member': 'boot/tool.bin', 'archive_format': 'deb'},
        {'entry': 'tool-efi', 'role': 'kernel', 'archive': archive, 'src': 'https://deb.debian.org/debian/pool/tool_1_amd64.deb',
         'dest': '/var/cache/img/tool-efi/tool.efi', 'member': 'boot/tool.efi', 'archive_format': 'deb', 'member_checksum': SUM},
    ]
    assert result['directories'] == ['/var/cache/img', '/var/cache/img/deb-amd64', '/var/cache/img/fed', '/var/cache/img/tool-bios',
                                     '/var/cache/img/tool-efi', '/var/cache/img/_archives']


def test_user_mirror_overrides_and_installer_follows():
    result = plan(enabled=['deb-amd64'], mirrors={'debian': 'http://127.0.0.1:8080/debian'})
    assert result['downloads'][0]['src'] == 'http://127.0.0.1:8080/debian/dists/trixie/netboot/linux'
    assert result['server_entries'][0]['cmdline'] == 'mirror/http/hostname=127.0.0.1:8080 mirror/http/directory=/debian'


def test_overrides_merge_recursively_and_custom_entries_add():
    overrides = {'fed': {'version': '44', 'vars': {'tree': 'releases/44/os'}, 'cmdline': {'inst.text': True}},
                 'fed-44': {'from': 'fed', 'title': 'Fedora 44'}}
    custom = [{'name': 'mine', 'architectures': ['efi-arm64'],
               'files': {'kernel': {'src': 'https://example.org/k/Image', 'checksum': SUM}}, 'cmdline': 'console=ttyAMA0'}]
    result = plan(enabled=['fed', 'fed-44', 'mine'], catalog_overrides=overrides, custom=custom)
    fed, fed44, mine = result['server_entries']
    assert fed['cmdline'] == 'inst.repo=https://dl.fedoraproject.org/pub/fedora/linux/releases/44/os ip=dhcp inst.text'
    assert fed44['cmdline'] == fed['cmdline'] and fed44['title'] == 'Fedora 44'
    assert mine == {'name': 'mine', 'title': 'mine', 'kernel': '/var/cache/img/mine/Image', 'initrd': [], 'cmdline': 'console=ttyAMA0',
                    'remote_src': True, 'architectures': ['efi-arm64']}


KEYRINGS = {'debian': {'path': '/usr/share/keyrings/debian-archive-keyring.gpg', 'package': 'debian-archive-keyring'}}
SIGNED = {
    'deb-amd64': {'files': {
        'kernel': {'checksum_release_url': 'dists/{version}/InRelease', 'checksum_release_name': 'main/SHA256SUMS'},
        'initrd': [{'src': 'dists/{version}/netboot/initrd.gz', 'checksum_url': 'dists/{version}/SHA256SUMS',
                    'checksum_release_url': 'dists/{version}/InRelease'}]}},
    'ubu': {'title': 'Ubuntu', 'family': 'ubuntu', 'mirror': 'debian', 'architectures': ['bios'],
            'files': {'kernel': {'src': 'u/netboot.tar.gz', 'checksum_url': 'u/SHA256SUMS', 'checksum_signature_url': 'u/SHA256SUMS.gpg',
                                 'member': 'amd64/linux', 'archive_format': 'tar'}},
            'cmdline': {'ip': 'dhcp', 'url': '{mirror}/u.iso'}},
    'fed': {'keyring': 'fedora', 'files': {'kernel': {'checksum_clearsigned': True}}},
}


def signed_plan(**changes):
    settings = dict(catalog_overrides=SIGNED, enabled=['deb-amd64', 'ubu', 'fed', 'tool-bios'], default_keyrings=KEYRINGS)
    settings.update(changes)
    return plan(**settings)


def test_signed_checksums_get_the_keyring_and_the_signature_options():
    result = signed_plan(keyrings={'ubuntu': '/etc/keys/ubuntu-cdimage.gpg', 'fedora': '/etc/keys/fedora.asc'})
    by_dest = dict((d['dest'], d) for d in result['downloads'])
    assert by_dest['/var/cache/img/deb-amd64/linux'] == {
        'entry': 'deb-amd64', 'role': 'kernel', 'dest': '/var/cache/img/deb-amd64/linux',
        'src': 'https://deb.debian.org/debian/dists/trixie/netboot/linux', 'checksum_name': './netboot/linux',
        'checksum_url': 'https://deb.debian.org/debian/dists/trixie/SHA256SUMS',
        'checksum_release_url': 'https://deb.debian.org/debian/dists/trixie/InRelease', 'checksum_release_name': 'main/SHA256SUMS',
        'gpg_keyring': '/usr/share/keyrings/debian-archive-keyring.gpg'}
    # Without checksum_release_name boot_artifact takes the path below the Release file's directory.
    assert 'checksum_release_name' not in by_dest['/var/cache/img/deb-amd64/initrd.gz']
    assert by_dest['/var/cache/img/deb-amd64/initrd.gz']['gpg_keyring'] == '/usr/share/keyrings/debian-archive-keyring.gpg'
    archive = by_dest['/var/cache/img/_archives/netboot.tar.gz']
    assert archive['checksum_signature_url'] == 'https://deb.debian.org/debian/u/SHA256SUMS.gpg'
    assert archive['gpg_keyring'] == '/etc/keys/ubuntu-cdimage.gpg'
    # Inline-signed: the keyring alone (boot_artifact then wants a clearsigned checksums file).
    fed = by_dest['/var/cache/img/fed/vmlinuz']
    assert fed['gpg_keyring'] == '/etc/keys/fedora.asc' and not set(fed) & {'checksum_signature_url', 'checksum_release_url'}
    assert 'checksum_clearsigned' not in fed
    # Pinned checksums and unsigned checksums files pass no signature options.
    assert 'gpg_keyring' not in by_dest['/var/cache/img/fed/initrd.img']
    assert 'gpg_keyring' not in by_dest['/var/cache/img/_archives/tool_1_amd64.deb']
    assert result['packages'] == ['debian-archive-keyring', 'gpgv']
    assert result['unchecked'] == []
    assert [(e['name'], e['keyring'], e['signature']) for e in result['entries']] == [
        ('deb-amd64', 'debian', 'checked'), ('ubu', 'ubuntu', 'checked'), ('fed', 'fedora', 'checked'), ('tool-bios', 'memtest86plus', 'none')]


def test_without_a_keyring_or_with_verification_off_only_checksums_are_checked():
    result = signed_plan()
    assert result['unchecked'] == [{'name': 'ubu', 'keyring': 'ubuntu'}, {'name': 'fed', 'keyring': 'fedora'}]
    for download in result['downloads']:
        if download['entry'] != 'deb-amd64':
            assert not set(download) & {'gpg_keyring', 'checksum_signature_url', 'checksum_release_url', 'checksum_release_name'}
    # The resolved entries keep what upstream signs, for the README and the catalog tests.
    assert result['entries'][1]['kernel']['checksum_signature_url'] == 'https://deb.debian.org/debian/u/SHA256SUMS.gpg'
    off = signed_plan(verify_signatures=False)
    assert off['packages'] == [] and off['unchecked'] == []
    assert [e['signature'] for e in off['entries']] == ['off', 'off', 'off', 'none']
    assert not [d for d in off['downloads'] if 'gpg_keyring' in d]
    # A user's null drops a shipped keyring; a user's path replaces it (no package needed then).
    dropped = signed_plan(keyrings={'debian': None})
    assert dropped['packages'] == [] and {'name': 'deb-amd64', 'keyring': 'debian'} in dropped['unchecked']
    own = signed_plan(keyrings={'debian': '/srv/keys/debian.gpg'}, enabled=['deb-amd64'])
    assert own['packages'] == ['gpgv'] and own['downloads'][0]['gpg_keyring'] == '/srv/keys/debian.gpg'


@pytest.mark.parametrize('changes,message', [
    ({'keyrings': ['/k.gpg']}, 'images_keyrings must be a dict'),
    ({'keyrings': {'ubuntu': 'keys/u.gpg'}}, 'images_keyrings.ubuntu must be the absolute path'),
    ({'keyrings': {'Ubuntu': '/k.gpg'}}, "images_keyrings.Ubuntu: 'Ubuntu' is not a keyring name"),
    ({'verify_signatures': 'maybe'}, 'images_verify_signatures: must be a boolean'),
    ({'catalog_overrides': {'fed': {'files': {'initrd': {'checksum_signature_url': 'x.gpg'}}}}},
     'images_catalog_overrides.fed.files.initrd[0].checksum_signature_url needs checksum_url'),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'checksum_release_name': 'main/SHA256SUMS'}}}}},
     'images_catalog_overrides.fed.files.kernel.checksum_release_name needs checksum_release_url'),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'checksum_clearsigned': True, 'checksum_signature_url': 'x.gpg'}}}}},
     'images_catalog_overrides.fed.files.kernel.checksum_clearsigned: an inline-signed checksums file takes neither'),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'checksum_clearsigned': 'yes'}}}}},
     'images_catalog_overrides.fed.files.kernel.checksum_clearsigned must be true or false'),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'checksum_signature_url': '/abs.gpg'}}}}},
     'images_catalog_overrides.fed.files.kernel.checksum_signature_url'),
    ({'catalog_overrides': {'fed': {'keyring': 'Fedora Keys'}}}, 'images_catalog_overrides.fed.keyring must be a key of images_keyrings'),
])
def test_signature_errors_name_the_variable(changes, message):
    with pytest.raises(_images.ImagesError) as excinfo:
        plan(**changes)
    assert message in str(excinfo.value)


def test_merge_keeps_the_base_untouched():
    base = {'a': {'b': 1, 'c': [1]}}
    assert _images.merge(base, {'a': {'c': [2]}, 'd': 3}) == {'a': {'b': 1, 'c': [2]}, 'd': 3}
    assert base == {'a': {'b': 1, 'c': [1]}}


def broken(name, **fields):
    entry = dict(CATALOG[name])
    entry.update(fields)
    return {name: entry}


@pytest.mark.parametrize('changes,message', [
    ({'enabled': ['deb-amd64', 'fedra']}, "images_enabled[1]: 'fedra' is not in the catalog (did you mean fed?)"),
    ({'enabled': ['fed', 'fed']}, "images_enabled[1]: 'fed' is listed twice"),
    ({'enabled': 'fed'}, 'images_enabled must be a list'),
    ({'dir': 'relative'}, 'images_dir must be an absolute path'),
    ({'mirrors': {'debian': 'deb.debian.org'}}, 'images_mirrors.debian must be an http://, https:// or file:// base URL'),
    ({'catalog_overrides': {'fed': {'cmdline': {'inst.repo': None}}}},
     'images_catalog_overrides.fed.cmdline: the fedora installer needs inst.repo= or inst.stage2='),
    ({'catalog_overrides': broken('fed', architectures=['efi64'])},
     "images_catalog_overrides.fed.architectures[0]: unknown client architecture 'efi64'"),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'checksum': SUM}}}}},
     'images_catalog_overrides.fed.files.kernel needs exactly one of checksum'),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'checksum_url': None, 'checksum': 'md5:abc'}}}}},
     "images_catalog_overrides.fed.files.kernel.checksum: checksum algorithm 'md5' is not supported"),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'srcx': 'a'}}}}}, 'images_catalog_overrides.fed.files.kernel has unknown keys srcx'),
    ({'catalog_overrides': {'fed': {'cmdline': {'inst.repo': '{mirrror}/x'}}}},
     'images_catalog_overrides.fed.cmdline: unknown placeholder {mirrror}'),
    ({'catalog_overrides': {'fed': {'family': 'gentoo'}}}, "images_catalog_overrides.fed.family must be one of"),
    ({'catalog_overrides': {'fed': {'mirror': 'nope'}}}, "images_catalog_overrides.fed.mirror: 'nope' is not a key of images_mirrors"),
    ({'catalog_overrides': {'fed': {'files': {'kernel': {'src': '/abs/vmlinuz'}}}}}, 'must be a URL or a path relative to the mirror'),
    ({'catalog_overrides': {'fed': {'files': {'initrd': {'src': '{tree}/images/pxeboot/vmlinuz'}}}}},
     'images_catalog_overrides.fed.files: kernel and initrds must be served under different file names'),
    ({'catalog_overrides': {'tool-bios': {'files': {'kernel': {'member': '../../etc/passwd'}}}}, 'enabled': ['tool-bios']},
     'images_catalog_overrides.tool-bios.files.kernel.member: archive member'),
    ({'catalog_overrides': {'tool-bios': {'files': {'kernel': {'archive_format': 'zip'}}}}, 'enabled': ['tool-bios']},
     'images_catalog_overrides.tool-bios.files.kernel.archive_format must be one of auto, deb, tar, iso'),
    ({'catalog_overrides': {'x': {'from': 'y'}}, 'enabled': []}, "images_catalog_overrides.x.from: 'y' is not in the catalog"),
    ({'catalog_overrides': {'x': {'from': 'z'}, 'z': {'from': 'x'}}}, 'inherits from itself'),
    ({'catalog_overrides': {'menu': {'cmdline': 'quiet'}}, 'enabled': ['menu']}, 'images_catalog_overrides.menu: a chain entry has no files'),
    ({'custom': [{'name': 'fed'}]}, "images_custom[0].name 'fed' is already in the catalog; change it with images_catalog_overrides.fed"),
    ({'custom': [{'name': 'Big', 'architectures': ['bios'], 'files': {'kernel': {'src': 'https://e.org/k', 'checksum': SUM}}}],
      'enabled': ['Big']}, "images_custom[0]: the name 'Big' must be lowercase"),
    ({'custom': [{'name': 'rel', 'architectures': ['bios'], 'files': {'kernel': {'src': 'k', 'checksum': SUM}}}], 'enabled': ['rel']},
     "images_custom[0].files.kernel.src: 'k' is relative, but the entry has no mirror"),
    ({'custom': [{'name': 'q', 'architectures': ['bios'], 'files': {'kernel': {'src': 'https://e.org/k', 'checksum': SUM}},
                  'cmdline': 'a || b'}], 'enabled': ['q']}, 'images_custom[0].cmdline: iPXE argument'),
])
def test_errors_name_the_variable(changes, message):
    with pytest.raises(_images.ImagesError) as excinfo:
        plan(**changes)
    assert message in str(excinfo.value)


@pytest.mark.parametrize('value', ['false', 'no', 'off', '0'])
def test_verify_signatures_false_strings_turn_verification_off(value):
    """-e images_verify_signatures=false (a string) was refused; it is false, as the argument spec says."""
    assert signed_plan(verify_signatures=value) == signed_plan(verify_signatures=False)


@pytest.mark.parametrize('value', ['true', 'yes', '1'])
def test_verify_signatures_true_strings(value):
    assert signed_plan(verify_signatures=value) == signed_plan(verify_signatures=True)
