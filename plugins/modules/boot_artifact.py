#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: boot_artifact
author: netboot.pxe contributors (@netboot-pxe)
version_added: 0.1.0
short_description: Fetch a kernel, initrd or image into the boot root, verified and replaced atomically
description:
  - Downloads O(src) (http, https or file URL, or a path on the managed host) or takes one member out of it when
    it is a C(.deb), a tar archive or an ISO9660 image, verifies it against a pinned checksum or a C(SHA256SUMS)-style
    checksums file, and only then moves it over O(dest) with a rename, so clients never see a half-written or unverified file.
  - The checksums file itself can be verified with OpenPGP (O(gpg_keyring) or O(gpg_key)) - a detached signature
    (O(checksum_signature_url)), an inline-signed (clearsigned) checksums file, or a signed Debian C(Release)/C(InRelease)
    file that lists the checksums file's SHA256 (O(checksum_release_url)). The signature is checked with C(gpgv) against
    the given keys only, in a temporary directory; no keyring on the managed host is read or changed.
  - A wrong checksum or signature fails the task and leaves the previous O(dest) untouched.
  - Idempotent - when O(dest) already has the expected checksum nothing is downloaded.
  - Archive members are looked up by path; C(..) and links are refused, and so are absolute paths in C(.deb) and tar
    archives (in an ISO image a leading C(/) is the image root).
  - ISO images are read by a small built-in ISO9660 reader (no external tools) that uses Rock Ridge names when the
    image has them, else Joliet names, else the plain ISO9660 names, which are matched case-insensitively and without
    the C(;1) version suffix (C(INSTALL/VMLINUZ.;1) is found as C(install/vmlinuz)).
  - A damaged or hostile archive or image fails the task with an error naming O(src), in time and memory bounded by
    its size - every size and location read from its headers is checked against the file, and a compressed tar
    (C(data.tar.*) in a C(.deb)) may expand to at most 200 times its size plus 1 GiB. gzip, bzip2, xz and lzma
    compression are read; zstd (C(data.tar.zst) in newer Ubuntu packages) is not. Sparse tar members are refused.
extends_documentation_fragment:
  - ansible.builtin.files
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  src:
    description:
      - URL (C(http://), C(https://), C(file://)) or absolute path on the managed host.
      - A C(file://) URL (C(file:///srv/mirror/x.deb) or C(file://localhost/...); C(%XX) escapes are decoded) and a path
        are read as a regular file on the managed host; so are O(checksum_url), O(checksum_signature_url) and
        O(checksum_release_url) when they are C(file://) URLs or paths.
      - A relative value is appended to O(base_url) (mirrors, air-gapped sites).
    type: str
    required: true
  base_url:
    description:
      - Base URL (or directory) that a relative O(src), O(checksum_url), O(checksum_signature_url) and O(checksum_release_url)
        are resolved against.
    type: str
  dest:
    description:
      - Where the file goes - the path of a file, not of a directory. Its directory must exist.
      - A directory (or a path ending in C(/)), a device, FIFO or socket, or a missing or non-directory parent fails the task
        with an error naming O(dest) before anything is fetched or written.
    type: path
    required: true
  checksum:
    description: Pinned checksum of what O(src) delivers, C(sha256:<hex>) or C(sha512:<hex>).
    type: str
  checksum_url:
    description:
      - URL or path of a checksums file listing O(src) - C(sha256sum) output (C(SHA256SUMS), C(SHA512SUMS)),
        BSD-style C(SHA256 (file) = hex) lines (Fedora's C(CHECKSUM)) or a C(.treeinfo) C([checksums]) section
        (C(images/pxeboot/vmlinuz = sha256:hex), Fedora, Rocky Linux and AlmaLinux trees).
      - The algorithm is sha512 when the file's name contains C(512), otherwise sha256.
      - A relative value is resolved against O(base_url).
    type: str
  checksum_name:
    description: Name of O(src) in the checksums file; default is the last component of O(src).
    type: str
  checksum_signature_url:
    description:
      - URL or path of a detached OpenPGP signature (armored or binary) of the checksums file, for example Debian's
        C(SHA256SUMS.sign) or Ubuntu's C(SHA256SUMS.gpg); with O(checksum_release_url), the detached signature of
        the C(Release) file (C(Release.gpg)).
      - Without it, and with O(gpg_keyring) or O(gpg_key), the checksums file (or the O(checksum_release_url) file)
        must be inline-signed (clearsigned, like Debian's C(InRelease)); only the signed text is used.
      - A relative value is resolved against O(base_url). Needs O(gpg_keyring) or O(gpg_key).
    type: str
  checksum_release_url:
    description:
      - URL or path of a signed Debian C(InRelease) (clearsigned) or C(Release) file (with O(checksum_signature_url)
        pointing to its C(Release.gpg)) whose C(SHA256) (or C(SHA512)) field lists the checksums file O(checksum_url).
      - The chain is then signature -> C(Release) -> checksums file -> O(src); the checksums file needs no signature
        of its own. A C(Release) file whose C(Valid-Until) date has passed is refused.
      - A relative value is resolved against O(base_url). Needs O(gpg_keyring) or O(gpg_key).
    type: str
  checksum_release_name:
    description:
      - Path of the checksums file as the C(Release) file lists it, for example C(main/installer-amd64/current/images/SHA256SUMS).
      - Default is O(checksum_url) relative to the directory of O(checksum_release_url).
    type: str
  gpg_keyring:
    description:
      - Path on the managed host of the OpenPGP public key(s) the signature must come from - a binary keyring
        (C(.gpg), for example C(/usr/share/keyrings/debian-archive-keyring.gpg)) or an armored key file (C(.asc)).
      - With it the checksums file must be signed (see O(checksum_signature_url) and O(checksum_release_url)); a bad
        signature, one made by a key that is not in this keyring, or a missing signature fails the task before
        anything is downloaded or written.
      - Needs the C(gpgv) binary on the managed host (Debian package C(gpgv)).
    type: path
  gpg_key:
    description:
      - Like O(gpg_keyring), but the armored public key(s) themselves (C(-----BEGIN PGP PUBLIC KEY BLOCK-----) ...),
        for example from a C(lookup('file', ...)) on the controller.
    type: str
  member:
    description:
      - Path of the file to take out of the archive O(src) (for example C(./boot/vmlinuz-6.1.0-13-amd64) in a C(.deb),
        or C(install.amd/vmlinuz) or C(/casper/vmlinuz) in an ISO image).
    type: str
  archive_format:
    description:
      - Archive type of O(src) when O(member) is given.
      - V(auto) recognises a C(.deb) and an ISO9660 image by their contents and takes anything else for a tar archive
        (optionally gzip, bzip2 or xz compressed).
    type: str
    choices: [auto, deb, tar, iso]
    default: auto
  member_checksum:
    description:
      - Checksum of the extracted member, C(sha256:<hex>) or C(sha512:<hex>).
      - With it, an up-to-date O(dest) is recognised without downloading the archive.
    type: str
  timeout:
    description: Network timeout in seconds (a positive number).
    type: int
    default: 30
  validate_certs:
    description: Verify HTTPS certificates.
    type: bool
    default: true
'''

EXAMPLES = r'''
- name: Debian installer kernel, checked against the release's SHA256SUMS
  netboot.pxe.boot_artifact:
    base_url: http://deb.debian.org/debian/dists/bookworm/main/installer-amd64/current/images
    src: netboot/debian-installer/amd64/linux
    checksum_url: SHA256SUMS
    checksum_name: ./netboot/debian-installer/amd64/linux
    dest: /srv/netboot/entries/debian/linux
    owner: dnsmasq
    mode: "0644"

- name: A kernel out of a .deb on a local mirror
  netboot.pxe.boot_artifact:
    src: file:///srv/mirror/linux-image-6.1.0-13-amd64_6.1.55-1_amd64.deb
    checksum: sha256:0000000000000000000000000000000000000000000000000000000000000000
    member: ./boot/vmlinuz-6.1.0-13-amd64
    dest: /srv/netboot/entries/rescue/vmlinuz

- name: Installer kernel whose SHA256SUMS is checked through Debian's signed InRelease
  netboot.pxe.boot_artifact:
    base_url: http://deb.debian.org/debian/dists/bookworm
    src: main/installer-amd64/current/images/netboot/debian-installer/amd64/linux
    checksum_url: main/installer-amd64/current/images/SHA256SUMS
    checksum_name: ./netboot/debian-installer/amd64/linux
    checksum_release_url: InRelease
    gpg_keyring: /usr/share/keyrings/debian-archive-keyring.gpg
    dest: /srv/netboot/entries/debian/linux

- name: Kernel out of a Debian netinst ISO, its SHA256SUMS signed by the Debian CD key (detached)
  netboot.pxe.boot_artifact:
    base_url: https://cdimage.debian.org/debian-cd/current/amd64/iso-cd
    src: debian-12.8.0-amd64-netinst.iso
    checksum_url: SHA256SUMS
    checksum_signature_url: SHA256SUMS.sign
    gpg_key: "{{ lookup('ansible.builtin.file', 'debian-cd-signing-key.asc') }}"
    member: install.amd/vmlinuz
    member_checksum: sha256:0000000000000000000000000000000000000000000000000000000000000000
    dest: /srv/netboot/entries/debian-iso/vmlinuz

- name: Ubuntu live kernel from an ISO on the managed host
  netboot.pxe.boot_artifact:
    src: /srv/iso/ubuntu-24.04.1-live-server-amd64.iso
    checksum: sha256:0000000000000000000000000000000000000000000000000000000000000000
    archive_format: iso
    member: /casper/vmlinuz
    dest: /srv/netboot/entries/ubuntu/vmlinuz
'''

RETURN = r'''
dest:
  description: The destination path.
  returned: always
  type: str
src:
  description: The URL or path that was (or would have been) fetched.
  returned: always
  type: str
checksum:
  description: Checksum of O(dest) after the task, C(<algorithm>:<hex>).
  returned: success
  type: str
size:
  description: Size of O(dest) in bytes after the task (null in check mode when it would be replaced).
  returned: success
  type: int
downloaded:
  description: Whether O(src) was fetched.
  returned: success
  type: bool
signed_by:
  description: Fingerprints of the keys whose good signatures verified the checksums file (or the C(Release) file).
  returned: when O(gpg_keyring) or O(gpg_key) is given
  type: list
  elements: str
  sample: [4D64FEC119C2029067D6E791F8D2585B8783D481]
'''

import hashlib
import os
import urllib.parse

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import fetch_url

from ansible_collections.netboot.pxe.plugins.module_utils import _artifact


def resolve(location, base_url):
    """Join a relative location onto base_url; absolute URLs and paths stay as they are."""
    if not location or urllib.parse.urlparse(location).scheme or location.startswith('/') or not base_url:
        return location
    return base_url.rstrip('/') + '/' + location.lstrip('/')


_SMALL_FILE_LIMIT = 16 * 1024 * 1024


def open_source(module, location, option=None):
    """A readable binary stream for a URL or a local path; fails the module with the reason (and the option).

    ``file://`` URLs are read as local files: fetch_url reports no HTTP status for them.
    """
    prefix = '%s: ' % option if option else ''
    if not location:
        module.fail_json(msg='%smust be a URL or a path, got an empty value' % (option or 'src'))
    scheme = urllib.parse.urlparse(location).scheme.lower()
    if not scheme or scheme == 'file':
        try:
            return _artifact.open_local(_artifact.file_url_path(location) if scheme else location)
        except _artifact.ArtifactError as exc:
            module.fail_json(msg='%scannot read %s: %s' % (prefix, location, exc), src=location)
    if scheme not in ('http', 'https'):
        module.fail_json(msg='%sunsupported URL scheme %r in %s (use http, https or file)' % (prefix, scheme, location), src=location)
    response, info = fetch_url(module, location, timeout=module.params['timeout'])
    status = info.get('status')
    if response is None or not isinstance(status, int) or status >= 400:
        module.fail_json(msg='%scannot fetch %s: %s %s' % (prefix, location, status, info.get('msg')), src=location)
    return response


def read_small(module, location, option):
    """The whole content of a checksums, Release or signature file (at most 16 MiB)."""
    stream = open_source(module, location, option)
    try:
        data = _artifact.read_source(stream, _SMALL_FILE_LIMIT + 1)
    except _artifact.SourceError as exc:
        module.fail_json(msg='%s: cannot read %s: %s' % (option, location, exc), src=location)
    finally:
        stream.close()
    if len(data) > _SMALL_FILE_LIMIT:
        module.fail_json(msg='%s: %s is larger than %d bytes; not a checksums or signature file' % (option, location, _SMALL_FILE_LIMIT))
    return data


def key_option(params):
    return 'gpg_keyring' if params['gpg_keyring'] else 'gpg_key'


def verify_signature(module, data, location, option, signature_url):
    """gpgv-check ``data`` from ``location`` (detached signature at ``signature_url``, else inline).

    Returns (signed bytes, fingerprints); fails the module naming the options involved.
    """
    params = module.params
    keys = key_option(params)
    if params['gpg_keyring']:
        try:
            with open(params['gpg_keyring'], 'rb') as handle:
                keyring = handle.read()
        except OSError as exc:
            module.fail_json(msg='gpg_keyring: cannot read %s: %s' % (params['gpg_keyring'], exc))
    else:
        keyring = params['gpg_key']
        if '-----BEGIN PGP PUBLIC KEY BLOCK-----' not in keyring:
            module.fail_json(msg='gpg_key must be the armored public key itself (-----BEGIN PGP PUBLIC KEY BLOCK----- ...); '
                             'for a key or keyring file on the managed host use gpg_keyring')
    gpgv = module.get_bin_path('gpgv')
    if not gpgv:
        module.fail_json(msg='%s: verifying the signature needs the gpgv binary on the managed host (Debian package gpgv)' % keys)
    signature = None
    if signature_url:
        signature = read_small(module, signature_url, 'checksum_signature_url')
        option = 'checksum_signature_url'

    def run_command(argv, env):
        return module.run_command(argv, environ_update=env)

    try:
        _artifact.dearmor_keys(keyring)
    except _artifact.ArtifactError as exc:
        module.fail_json(msg='%s: %s' % (keys, exc))
    try:
        return _artifact.gpg_verify(run_command, gpgv, keyring, data, signature, module.tmpdir)
    except _artifact.ArtifactError as exc:
        what = 'the detached signature %s of %s' % (signature_url, location) if signature_url else location
        hint = '; give checksum_signature_url for a detached signature' if not signature_url and 'not an inline-signed' in str(exc) else ''
        module.fail_json(msg='%s: signature check of %s against %s failed: %s%s; nothing was downloaded or written'
                         % (option, what, keys, exc, hint))


def release_name(module, release_url, checksum_url):
    if module.params['checksum_release_name']:
        return module.params['checksum_release_name']
    directory = release_url.rsplit('/', 1)[0] + '/'
    if not checksum_url.startswith(directory):
        module.fail_json(msg='checksum_release_name is needed: checksum_url %s is not below the directory of checksum_release_url %s'
                         % (checksum_url, release_url))
    return checksum_url[len(directory):]


def expected_checksum(module, src):
    """(algorithm, hex digest, signing fingerprints or None) that src must have."""
    params = module.params
    if params['checksum']:
        try:
            return _artifact.parse_checksum(params['checksum']) + (None,)
        except _artifact.ArtifactError as exc:
            module.fail_json(msg='checksum: %s' % exc, src=src)
    url = resolve(params['checksum_url'], params['base_url'])
    signature_url = resolve(params['checksum_signature_url'], params['base_url'])
    algorithm = 'sha512' if '512' in os.path.basename(urllib.parse.urlparse(url).path) else 'sha256'
    signed_by = None
    if params['checksum_release_url']:
        release_url = resolve(params['checksum_release_url'], params['base_url'])
        release = read_small(module, release_url, 'checksum_release_url')
        release, signed_by = verify_signature(module, release, release_url, 'checksum_release_url', signature_url)
        name = release_name(module, release_url, url)
        try:
            listed = _artifact.release_checksum(release.decode('utf-8', 'replace'), name)
        except _artifact.ArtifactError as exc:
            module.fail_json(msg='checksum_release_url: %s: %s' % (release_url, exc), src=src)
        data = read_small(module, url, 'checksum_url')
        got = hashlib.new(listed[0], data).hexdigest()
        if (got, len(data)) != listed[1:]:
            module.fail_json(msg='checksum_url: %s does not match its entry %r in the signed Release file %s: expected %s, %d bytes; '
                             'got %s, %d bytes; nothing was downloaded or written' % (url, name, release_url, listed[1], listed[2], got, len(data)),
                             src=src)
    else:
        data = read_small(module, url, 'checksum_url')
        if params['gpg_keyring'] or params['gpg_key']:
            data, signed_by = verify_signature(module, data, url, 'checksum_url', signature_url)
    name = params['checksum_name'] or os.path.basename(urllib.parse.urlparse(src).path)
    try:
        return algorithm, _artifact.checksum_from_file(data.decode('utf-8', 'replace'), name, algorithm), signed_by
    except _artifact.ArtifactError as exc:
        module.fail_json(msg='checksum_url: %s: %s' % (url, exc), src=src)


def check_options(module, src):
    """Option values and combinations argument_spec cannot express; checked before anything is fetched."""
    params = module.params
    try:
        _artifact.check_dest(params['dest'])
    except _artifact.ArtifactError as exc:
        module.fail_json(msg='dest: %s; nothing was downloaded or written' % exc, dest=params['dest'], src=src)
    if not src:
        module.fail_json(msg='src must be a URL or a path, got an empty value', src=src)
    if params['timeout'] <= 0:
        module.fail_json(msg='timeout must be a positive number of seconds, got %d' % params['timeout'])
    for option in ('checksum_signature_url', 'checksum_release_url'):
        if params[option] and not (params['gpg_keyring'] or params['gpg_key']):
            module.fail_json(msg='%s needs gpg_keyring or gpg_key: the public key(s) the signature must come from' % option)
    if params['member_checksum'] and not params['member']:
        module.fail_json(msg='member_checksum needs member (the file to take out of the archive)')
    if params['member'] is not None:
        fmt = params['archive_format']
        iso = fmt == 'iso' or (fmt == 'auto' and urllib.parse.urlparse(src).path.lower().endswith('.iso'))
        try:
            _artifact.safe_member(params['member'], allow_absolute=iso)
        except _artifact.ArtifactError as exc:
            hint = ' (in an ISO image a leading "/" is the image root: set archive_format to iso)' if params['member'].startswith('/') else ''
            module.fail_json(msg='member: %s%s' % (exc, hint), src=src)


def fetch_verified(module, src, algorithm, digest, dest):
    """Download src into a temporary file beside dest and verify it; return the temp path."""
    # staged() removes the temporary file on any failure (disk full included) and names the directory.
    stream = open_source(module, src, 'src')
    try:
        with _artifact.staged(dest) as (writer, temp):
            got, _size = _artifact.copy_hashing(stream, writer, algorithm)
    except _artifact.SourceError as exc:
        module.fail_json(msg='src: cannot read %s: %s; %s was left untouched' % (src, exc, dest), src=src, dest=dest)
    except _artifact.ArtifactError as exc:
        module.fail_json(msg='dest: %s' % exc, src=src, dest=dest)
    finally:
        stream.close()
    if got != digest:
        os.unlink(temp)
        module.fail_json(msg='%s checksum mismatch for %s: expected %s, got %s; %s was left untouched'
                         % (algorithm, src, digest, got, dest), src=src, dest=dest)
    return temp


def dest_digest(module, dest, algorithm, temp=None):
    """The digest of what dest holds now (None when absent); an unreadable dest fails the module."""
    try:
        return _artifact.file_digest(dest, algorithm)
    except _artifact.ArtifactError as exc:
        if temp:
            os.unlink(temp)
        module.fail_json(msg='dest: %s; nothing was written' % exc, dest=dest)


def run(module):
    params = module.params
    dest = params['dest']
    src = resolve(params['src'], params['base_url'])
    check_options(module, src)
    member = params['member']
    member_sum = None
    if params['member_checksum']:
        try:
            member_sum = _artifact.parse_checksum(params['member_checksum'])
        except _artifact.ArtifactError as exc:
            module.fail_json(msg='member_checksum: %s' % exc, src=src)
    algorithm, digest, signed_by = expected_checksum(module, src)

    # What must dest hold? Known without downloading unless a member is taken without member_checksum.
    want = member_sum if member is not None else (algorithm, digest)
    current = dest_digest(module, dest, want[0]) if want else None
    result = {'dest': dest, 'src': src, 'changed': False, 'downloaded': False}
    if signed_by is not None:
        result['signed_by'] = signed_by
    if want and current == want[1]:
        result.update(checksum='%s:%s' % want, size=os.path.getsize(dest))
        return result
    if want and module.check_mode:
        result.update(changed=True, checksum='%s:%s' % want, size=None,
                      diff={'before': '%s\n' % (current or '(absent)'), 'after': '%s\n' % want[1]})
        return result

    temp = fetch_verified(module, src, algorithm, digest, dest)
    result['downloaded'] = True
    if member is not None:
        archive = temp
        try:
            with _artifact.staged(dest) as (writer, temp):
                _artifact.extract_member(archive, member, writer, params['archive_format'])
        except _artifact.ArtifactError as exc:
            prefix = 'dest' if isinstance(exc, _artifact.DestError) else 'member: %s' % src
            module.fail_json(msg='%s: %s; %s was left untouched' % (prefix, exc, dest), src=src, dest=dest)
        finally:
            os.unlink(archive)
        check = member_sum or (algorithm, None)
        got = _artifact.file_digest(temp, check[0])
        if check[1] is not None and got != check[1]:
            os.unlink(temp)
            module.fail_json(msg='%s checksum mismatch for member %s of %s: expected %s, got %s; %s was left untouched'
                             % (check[0], member, src, check[1], got, dest), src=src, dest=dest)
        want = (check[0], got)
        current = dest_digest(module, dest, check[0], temp)
    if current == want[1]:
        os.unlink(temp)
        result.update(checksum='%s:%s' % want, size=os.path.getsize(dest))
        return result
    result.update(changed=True, checksum='%s:%s' % want,
                  diff={'before': '%s\n' % (current or '(absent)'), 'after': '%s\n' % want[1]})
    if module.check_mode:
        os.unlink(temp)
        result['size'] = None
        return result
    try:
        os.chmod(temp, 0o644)
        _artifact.replace_atomically(temp, dest)
    except OSError as exc:
        os.unlink(temp)
        module.fail_json(msg='dest: cannot move the verified file onto %s: %s; %s was left untouched' % (dest, exc.strerror or exc, dest),
                         src=src, dest=dest)
    result['size'] = os.path.getsize(dest)
    return result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='str', required=True),
            base_url=dict(type='str'),
            dest=dict(type='path', required=True),
            checksum=dict(type='str'),
            checksum_url=dict(type='str'),
            checksum_name=dict(type='str'),
            member=dict(type='str'),
            checksum_signature_url=dict(type='str'),
            checksum_release_url=dict(type='str'),
            checksum_release_name=dict(type='str'),
            gpg_keyring=dict(type='path'),
            gpg_key=dict(type='str', no_log=False),
            archive_format=dict(type='str', default='auto', choices=['auto', 'deb', 'tar', 'iso']),
            member_checksum=dict(type='str'),
            timeout=dict(type='int', default=30),
            validate_certs=dict(type='bool', default=True),
        ),
        mutually_exclusive=[('checksum', 'checksum_url'), ('gpg_keyring', 'gpg_key')],
        required_one_of=[('checksum', 'checksum_url')],
        required_by={
            'checksum_signature_url': 'checksum_url',
            'checksum_release_url': 'checksum_url',
            'checksum_release_name': 'checksum_release_url',
            'gpg_keyring': 'checksum_url',
            'gpg_key': 'checksum_url',
        },
        add_file_common_args=True,
        supports_check_mode=True,
    )
    try:
        result = run(module)
    except _artifact.ArtifactError as exc:
        module.fail_json(msg=str(exc), dest=module.params['dest'])
    if not module.check_mode and os.path.exists(module.params['dest']):
        file_args = module.load_file_common_arguments(module.params)
        result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'])
    module.exit_json(**result)


if __name__ == '__main__':
    main()
