# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shipped OS catalog, checked offline: URL form, checksum sources, architectures, installer parameters.

Nothing here reaches the mirrors; the role README says which entries were verified how.
"""
from __future__ import annotations

import pathlib
import re
import urllib.parse

import pytest
import yaml

from ansible_collections.netboot.pxe.plugins.module_utils import _arch, _images

ROLE = pathlib.Path(__file__).resolve().parents[3] / 'roles' / 'images'
VARS = yaml.safe_load((ROLE / 'vars' / 'main.yml').read_text())
CATALOG = VARS['__images_catalog']
MIRRORS = VARS['__images_default_mirrors']
KEYRINGS = VARS['__images_default_keyrings']
NAMES = sorted(CATALOG)
PLAN = _images.plan({'catalog': CATALOG, 'default_mirrors': MIRRORS, 'default_keyrings': KEYRINGS, 'enabled': NAMES,
                     'dir': '/var/cache/netboot-pxe/images'})
ENTRIES = dict((item['name'], item) for item in PLAN['entries'])
SERVER = dict((item['name'], item) for item in PLAN['server_entries'])
# Hosts the catalog may point at (each distribution's own download service).
HOSTS = {'deb.debian.org', 'releases.ubuntu.com', 'cdimage.ubuntu.com', 'dl.fedoraproject.org', 'download.rockylinux.org',
         'repo.almalinux.org', 'dl-cdn.alpinelinux.org', 'geo.mirror.pkgbuild.com', 'download.opensuse.org', 'boot.netboot.xyz'}


def urls(name):
    item = ENTRIES[name]
    found = [item['chain']] if item['kind'] == 'chain' else []
    for spec in ([item['kernel']] + item['initrds']) if item['kind'] == 'kernel' else []:
        found += [spec[key] for key in ('src', 'checksum_url', 'checksum_signature_url', 'checksum_release_url') if key in spec]
    found += re.findall(r'https?://\S+', item['cmdline'])
    return found


def test_the_issue_lists_are_covered():
    families = set(entry['family'] for entry in ENTRIES.values())
    assert families == set(_images.FAMILIES) - {'custom'}
    assert {'debian-13-amd64', 'debian-13-arm64', 'ubuntu-24.04-amd64', 'fedora-43-amd64', 'rocky-9-amd64', 'almalinux-9-amd64',
            'alpine-3.22-amd64', 'archlinux-amd64', 'opensuse-leap-15.6-amd64', 'memtest86plus-bios', 'memtest86plus-efi',
            'netbootxyz'} <= set(NAMES)


@pytest.mark.parametrize('name', NAMES)
def test_urls_have_https_a_known_host_and_a_path(name):
    for url in urls(name):
        parts = urllib.parse.urlparse(url)
        assert parts.scheme == 'https', url
        assert parts.hostname in HOSTS, url
        assert parts.path not in ('', '/') and '//' not in parts.path and '{' not in url and ' ' not in url, url
        assert not re.search(r'/\.\.?/', parts.path), url


@pytest.mark.parametrize('name', NAMES)
def test_names_architectures_and_titles(name):
    item = ENTRIES[name]
    assert re.match(r'^[a-z0-9][a-z0-9.-]*$', name)
    assert item['title'] and '{' not in item['title']
    for arch in item['architectures']:
        assert _arch.by_name(arch).name == arch
    cpus = set(_arch.by_name(arch).cpu for arch in item['architectures'])
    if name.endswith('-arm64'):
        assert cpus == {'aarch64'}
    if name.endswith('-amd64'):
        assert item['architectures'] == ['bios', 'efi-x86_64']


@pytest.mark.parametrize('name', NAMES)
def test_every_file_has_an_upstream_or_pinned_checksum(name):
    item = ENTRIES[name]
    if item['kind'] == 'chain':
        return
    for spec in [item['kernel']] + item['initrds']:
        if 'checksum' in spec:
            assert re.match(r'^sha256:[0-9a-f]{64}$', spec['checksum'])
        else:
            assert urllib.parse.urlparse(spec['checksum_url']).path.rsplit('/', 1)[-1] in (
                'SHA256SUMS', 'sha256sums.txt', '.treeinfo', 'CHECKSUMS') or spec['checksum_url'].endswith('.sha256')
        if 'member' in spec:
            assert spec['archive_format'] in ('deb', 'tar', 'iso')


# How each family's checksums file is signed upstream (None: it is not), and the keyring that checks it.
SIGNED = {
    'debian': 'release', 'ubuntu': 'detached', 'fedora': None, 'rocky': None, 'almalinux': None, 'alpine': None, 'arch': None,
    'opensuse': None, 'memtest86plus': None, 'netbootxyz': None,
}


def test_only_debians_keyring_is_shipped_and_it_is_the_packaged_one():
    # A Debian target has no package with Ubuntu's, Fedora's or Alpine's signing keys (images_keyrings supplies them).
    assert KEYRINGS == {'debian': {'path': '/usr/share/keyrings/debian-archive-keyring.gpg', 'package': 'debian-archive-keyring'}}
    assert PLAN['packages'] == ['debian-archive-keyring', 'gpgv']
    assert sorted(item['name'] for item in PLAN['unchecked']) == sorted(n for n in NAMES if ENTRIES[n]['family'] == 'ubuntu')


@pytest.mark.parametrize('name', NAMES)
def test_signed_checksums_files(name):
    item = ENTRIES[name]
    kind = SIGNED[item['family']]
    files = [item['kernel']] + item['initrds'] if item['kind'] == 'kernel' else []
    downloads = [d for d in PLAN['downloads'] if d['entry'] == name]
    assert item['keyring'] == item['family']
    for spec in files:
        assert 'checksum_clearsigned' not in spec
        if kind is None:
            assert not set(spec) & {'checksum_signature_url', 'checksum_release_url', 'checksum_release_name'}, spec
        elif kind == 'detached':
            # Ubuntu: SHA256SUMS.gpg beside SHA256SUMS (releases.ubuntu.com/<ver>/, cdimage .../release/).
            assert spec['checksum_signature_url'] == spec['checksum_url'] + '.gpg' and 'checksum_release_url' not in spec
        else:
            # Debian: the suite's InRelease lists main/installer-<arch>/current/images/SHA256SUMS.
            suite = spec['checksum_url'].split('/dists/')[0] + '/dists/' + item['version'] + '/'
            assert spec['checksum_release_url'] == suite + 'InRelease'
            assert spec['checksum_release_name'] == spec['checksum_url'][len(suite):]
            assert re.match(r'^main/installer-(amd64|arm64)/current/images/SHA256SUMS$', spec['checksum_release_name'])
            assert 'checksum_signature_url' not in spec
    if kind == 'release':
        assert item['signature'] == 'checked'
        assert downloads and all(d['gpg_keyring'] == '/usr/share/keyrings/debian-archive-keyring.gpg' for d in downloads)
    elif kind == 'detached':
        assert item['signature'] == 'no keyring' and not [d for d in downloads if 'gpg_keyring' in d]
    else:
        assert item['signature'] == 'none' and not [d for d in downloads if set(d) & {'gpg_keyring', 'checksum_signature_url'}]


# The parameters each installer cannot boot without, as the family rules demand them.
REQUIRED = {
    'debian': ['mirror/country=manual'],
    'ubuntu': ['ip=dhcp', 'url=https://', 'cloud-config-url=/dev/null'],
    'fedora': ['inst.repo=https://', 'ip=dhcp'],
    'rocky': ['inst.repo=https://download.rockylinux.org/pub/rocky/', 'ip=dhcp'],
    'almalinux': ['inst.repo=https://repo.almalinux.org/almalinux/', 'ip=dhcp'],
    'alpine': ['ip=dhcp', 'alpine_repo=https://', 'modloop=https://', 'modules=loop,squashfs'],
    'arch': ['ip=dhcp', 'archiso_http_srv=https://', 'archisobasedir=arch'],
    'opensuse': ['install=https://', 'netsetup=dhcp'],
    'memtest86plus': [],
    'netbootxyz': [],
}


@pytest.mark.parametrize('name', NAMES)
def test_installer_parameters(name):
    item = ENTRIES[name]
    for param in REQUIRED[item['family']]:
        assert param in item['cmdline'], (name, param, item['cmdline'])


def test_installer_repositories_match_the_files():
    # The repository an installer is pointed at is the tree its kernel came from.
    for name, item in ENTRIES.items():
        if item['family'] in ('fedora', 'rocky', 'almalinux'):
            repo = re.search(r'inst\.repo=(\S+)', item['cmdline']).group(1)
            assert item['kernel']['src'] == repo + '/images/pxeboot/vmlinuz', name
        if item['family'] == 'opensuse':
            repo = re.search(r'install=(\S+)', item['cmdline']).group(1)
            assert item['kernel']['src'].startswith(repo + '/boot/x86_64/loader/'), name
        if item['family'] == 'arch':
            assert re.search(r'archiso_http_srv=(\S+)', item['cmdline']).group(1) == item['kernel']['src'].rsplit('/', 1)[0] + '/'
        if item['family'] == 'ubuntu':
            iso = re.search(r'url=(\S+)', item['cmdline']).group(1)
            assert iso.rsplit('/', 1)[0] == item['kernel']['src'].rsplit('/', 1)[0] and iso.endswith('-live-server-%s.iso' % name[-5:])
        if item['family'] == 'alpine':
            assert item['version'] in re.search(r'modloop=(\S+)', item['cmdline']).group(1)


def test_server_entries_are_what_the_server_role_takes():
    for name, entry in SERVER.items():
        if ENTRIES[name]['kind'] == 'chain':
            assert set(entry) == {'name', 'title', 'chain', 'architectures'}
        else:
            assert set(entry) == {'name', 'title', 'kernel', 'initrd', 'cmdline', 'remote_src', 'architectures'}
            assert entry['remote_src'] is True and entry['kernel'].startswith('/var/cache/netboot-pxe/images/%s/' % name)


def test_argument_spec_lists_every_default():
    spec = yaml.safe_load((ROLE / 'meta' / 'argument_specs.yml').read_text())['argument_specs']['main']['options']
    defaults = yaml.safe_load((ROLE / 'defaults' / 'main.yml').read_text())
    assert set(spec) == set(defaults)
    for name, value in defaults.items():
        assert spec[name]['default'] == value, name


def test_readme_table_lists_every_entry():
    readme = (ROLE / 'README.md').read_text()
    for name in NAMES:
        assert '| `%s` |' % name in readme, name
