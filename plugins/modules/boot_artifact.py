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
    it is a C(.deb) or tar archive, verifies it against a pinned checksum or a C(SHA256SUMS)-style checksums file,
    and only then moves it over O(dest) with a rename, so clients never see a half-written or unverified file.
  - A wrong checksum fails the task and leaves the previous O(dest) untouched.
  - Idempotent - when O(dest) already has the expected checksum nothing is downloaded.
  - Archive members are looked up by path; absolute paths, C(..) and links are refused.
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
      - A relative value is appended to O(base_url) (mirrors, air-gapped sites).
    type: str
    required: true
  base_url:
    description: Base URL (or directory) that a relative O(src) and O(checksum_url) are resolved against.
    type: str
  dest:
    description: Where the file goes. Its directory must exist.
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
    type: str
  checksum_name:
    description: Name of O(src) in the checksums file; default is the last component of O(src).
    type: str
  member:
    description: Path of the file to take out of the archive O(src) (for example C(./boot/vmlinuz-6.1.0-13-amd64)).
    type: str
  archive_format:
    description: Archive type of O(src) when O(member) is given.
    type: str
    choices: [auto, deb, tar]
    default: auto
  member_checksum:
    description:
      - Checksum of the extracted member, C(sha256:<hex>) or C(sha512:<hex>).
      - With it, an up-to-date O(dest) is recognised without downloading the archive.
    type: str
  timeout:
    description: Network timeout in seconds.
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
'''

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


def open_source(module, location):
    """A readable binary stream for a URL or a local path; fails the module with the reason."""
    scheme = urllib.parse.urlparse(location).scheme
    if not scheme:
        try:
            return open(location, 'rb')  # pylint: disable=consider-using-with
        except OSError as exc:
            module.fail_json(msg='cannot read %s: %s' % (location, exc), src=location)
    if scheme not in ('http', 'https', 'file'):
        module.fail_json(msg='unsupported URL scheme %r in %s (use http, https or file)' % (scheme, location), src=location)
    response, info = fetch_url(module, location, timeout=module.params['timeout'])
    if response is None or info.get('status', 200) >= 400:
        module.fail_json(msg='cannot fetch %s: %s %s' % (location, info.get('status'), info.get('msg')), src=location)
    return response


def expected_checksum(module, src):
    params = module.params
    try:
        if params['checksum']:
            return _artifact.parse_checksum(params['checksum'])
        url = resolve(params['checksum_url'], params['base_url'])
        algorithm = 'sha512' if '512' in os.path.basename(urllib.parse.urlparse(url).path) else 'sha256'
        stream = open_source(module, url)
        try:
            text = stream.read(16 * 1024 * 1024).decode('utf-8', 'replace')
        finally:
            stream.close()
        name = params['checksum_name'] or os.path.basename(urllib.parse.urlparse(src).path)
        return algorithm, _artifact.checksum_from_file(text, name, algorithm)
    except _artifact.ArtifactError as exc:
        module.fail_json(msg=str(exc), src=src)


def fetch_verified(module, src, algorithm, digest, dest):
    """Download src into a temporary file beside dest and verify it; return the temp path."""
    writer, temp = _artifact.temp_beside(dest)
    try:
        stream = open_source(module, src)
        try:
            with writer:
                got, _size = _artifact.copy_hashing(stream, writer, algorithm)
        finally:
            stream.close()
    except BaseException:
        os.unlink(temp)
        raise
    if got != digest:
        os.unlink(temp)
        module.fail_json(msg='%s checksum mismatch for %s: expected %s, got %s; %s was left untouched'
                         % (algorithm, src, digest, got, dest), src=src, dest=dest)
    return temp


def run(module):
    params = module.params
    dest = params['dest']
    src = resolve(params['src'], params['base_url'])
    algorithm, digest = expected_checksum(module, src)
    member = params['member']
    member_sum = None
    try:
        if params['member_checksum']:
            if not member:
                module.fail_json(msg='member_checksum needs member (the file to take out of the archive)')
            member_sum = _artifact.parse_checksum(params['member_checksum'])
        if member:
            _artifact.safe_member(member)
    except _artifact.ArtifactError as exc:
        module.fail_json(msg=str(exc), src=src)

    # What must dest hold? Known without downloading unless a member is taken without member_checksum.
    want = member_sum if member else (algorithm, digest)
    current = _artifact.file_digest(dest, want[0]) if want else None
    result = {'dest': dest, 'src': src, 'changed': False, 'downloaded': False}
    if want and current == want[1]:
        result.update(checksum='%s:%s' % want, size=os.path.getsize(dest))
        return result
    if want and module.check_mode:
        result.update(changed=True, checksum='%s:%s' % want, size=None,
                      diff={'before': '%s\n' % (current or '(absent)'), 'after': '%s\n' % want[1]})
        return result

    temp = fetch_verified(module, src, algorithm, digest, dest)
    result['downloaded'] = True
    if member:
        archive = temp
        writer, temp = _artifact.temp_beside(dest)
        try:
            with writer:
                _artifact.extract_member(archive, member, writer, params['archive_format'])
        except _artifact.ArtifactError as exc:
            os.unlink(temp)
            module.fail_json(msg='%s: %s' % (src, exc), src=src, dest=dest)
        finally:
            os.unlink(archive)
        check = member_sum or (algorithm, None)
        got = _artifact.file_digest(temp, check[0])
        if check[1] is not None and got != check[1]:
            os.unlink(temp)
            module.fail_json(msg='%s checksum mismatch for member %s of %s: expected %s, got %s; %s was left untouched'
                             % (check[0], member, src, check[1], got, dest), src=src, dest=dest)
        want = (check[0], got)
        current = _artifact.file_digest(dest, check[0])
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
    os.chmod(temp, 0o644)
    _artifact.replace_atomically(temp, dest)
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
            archive_format=dict(type='str', default='auto', choices=['auto', 'deb', 'tar']),
            member_checksum=dict(type='str'),
            timeout=dict(type='int', default=30),
            validate_certs=dict(type='bool', default=True),
        ),
        mutually_exclusive=[('checksum', 'checksum_url')],
        required_one_of=[('checksum', 'checksum_url')],
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
