#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pxe_hosts
author: netboot.pxe contributors (@netboot-pxe)
version_added: 0.1.0
short_description: Assign PXE hosts to boot entries and write every loader's per-MAC file in one call
description:
  - Writes, for each host, what each boot loader of the server reads for that MAC - the iPXE script
    C(hosts/<mac>.ipxe), C(pxelinux.cfg/01-<mac>) and C(grub/grub.cfg-01-<mac>) - and its dnsmasq
    C(dhcp-hostsdir) reservation (fixed IP, hostname). Only loaders the server uses get files.
  - Hot - dnsmasq picks up new reservations by itself; when reservations change or go it is told to
    re-read them (C(systemctl reload), a SIGHUP), never restarted, so TFTP transfers in flight continue.
  - The whole host list is validated before anything is written - duplicate MACs, IPs or hostnames,
    IPs outside the served networks and unknown entries fail naming the host.
  - Files are replaced atomically and only when their content changes. The module records the files it
    wrote in O(state_file) and removes only those (and only while they still carry its marker line);
    files it did not write are never touched.
  - Boot-once - a host with C(boot_once) boots its entry until it reports a finished boot (an
    HTTP request to C(<base_url>/netboot-pxe/report/<mac>), logged by the server role's nginx to
    O(report_log)) or is listed in O(completed); from the next run on it boots from its local disk.
    Changing the host's entry or command line arms boot-once again.
  - A report counts only when it came from the address the server gave that MAC - the host's reserved
    C(ip), or, for a host without one, an address O(lease_file) leases to it (unexpired at the report's
    time). Any other report for a waiting host is listed in RV(ignored_reports) with the reason, warned
    about, and never switches the host. A host without C(ip) and without a readable lease file
    (C(server_lease_file="") keeps leases in memory only; proxy DHCP leases nothing) cannot report -
    give it an C(ip) or use O(completed).
  - Reads the server's boot entries, menu and loaders from O(site), which the C(netboot.pxe.server) role
    writes.
notes:
  - No-change shortcut - the state file records a digest of everything the files depend on (the host list or
    the bytes of O(hosts_file) or O(hosts_src), the O(site) file, the options, the module's own code and, while a boot-once host
    waits for its report, the O(report_log)'s and O(lease_file)'s size and mtime) and each written file's size and mtime. When a run
    finds the same digest and every managed file still matching, nothing is validated or rendered (result
    C(input_unchanged=true)); a deleted or edited managed file, a changed entry, site or option, a new report or
    a collection upgrade takes the full path, which puts every file right.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
    details: The action plugin reads O(hosts_src) on the controller and ships it only when the server needs it.
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff lists the files that would be written and removed.
  platform:
    platforms: posix
options:
  hosts:
    description:
      - The hosts to assign, each a dict with these keys (others are refused, naming the host).
      - C(mac) (required) - MAC address in any common spelling (colons, dashes, Cisco dots, bare hex).
      - C(ip) - fixed IPv4 address (a DHCP reservation); must lie in a network the server serves.
      - C(hostname) - host name handed out with the reservation.
      - C(lease_time) - lease time of the reservation, like C(12h), C(3600) or C(infinite).
      - C(entry) - boot entry the host boots (a name from the server's entries), or C(local) for its own disk.
        Without it (and without C(cmdline)) the host gets the server's menu.
      - C(menu) (bool, default false) - show the server's menu with C(entry) as its default instead of booting it directly.
      - C(cmdline) - extra kernel parameters for this host, appended to the entry's (string, dict or list).
      - C(boot_once) (bool, default false) - boot C(entry) until a finished boot is reported, then the local disk.
      - C(state) (C(present) or C(absent), default C(present)) - C(absent) removes the host's files
        (useful with O(exclusive=false)).
      - The keys are checked by the module itself, not by Ansible's suboption validation, which costs
        seconds per 10,000 hosts; the checks are as strict and the errors name the host.
      - Mutually exclusive with O(hosts_file) and O(hosts_src) (give one; an empty list counts as not given).
    type: list
    elements: dict
    default: []
  hosts_file:
    description:
      - Path, on the managed host, of a file holding the host list - the same dicts as O(hosts) - as JSON or,
        when PyYAML is installed there, YAML (unquoted MACs such as C(52:54:00:12:34:56) stay strings). Errors
        name the host as C(hosts_file[N]).
      - For a list that is already on the server. For a file on the controller use O(hosts_src), which ships it
        in the same task and only when it changed.
      - JSON parses tens of times faster than YAML (PyYAML builds every value in Python; seconds at 10,000
        hosts), which only matters for runs that have changes to make.
    type: path
  hosts_src:
    description:
      - Path, on the controller, of a file holding the host list - the same dicts as O(hosts) - as JSON or YAML
        (YAML is turned into JSON on the controller, so the server needs no PyYAML; unquoted MACs stay strings).
        Relative paths are looked up like M(ansible.builtin.copy)'s C(src) (a role's C(files/), then the
        playbook's directory); vault-encrypted files are decrypted. Errors name the host as C(hosts_src[N]).
      - For thousands of hosts. A list argument is templated and shipped by C(ansible-playbook) on every run
        (seconds at 10,000 hosts, before the module starts). With O(hosts_src) the action plugin sends only the
        file's sha256 first; when the server's state records the same input (see the no-change shortcut in the
        notes) the module answers at once and nothing is shipped or parsed. Otherwise the file is copied to the
        task's temporary directory on the server, used, and removed with it.
    type: path
  _hosts_src_digest:
    description:
      - Internal, set by the action plugin (a task setting it fails) - the sha256 of the O(hosts_src) file.
    type: str
  _hosts_src_path:
    description:
      - Internal, set by the action plugin (a task setting it fails) - where O(hosts_src) was shipped on the
        managed host, as JSON.
    type: path
  exclusive:
    description:
      - Remove the files of managed hosts that are not in O(hosts). With C(false) only hosts with
        C(state=absent) lose their files.
    type: bool
    default: false
  completed:
    description: MACs of boot-once hosts whose boot is done; they switch to local boot now.
    type: list
    elements: str
    default: []
  site:
    description: The server description the C(netboot.pxe.server) role writes (entries, menu, loaders, paths).
    type: path
    default: /etc/netboot-pxe/site.json
  boot_root:
    description: The TFTP/HTTP boot root; default from O(site).
    type: path
  dhcp_hosts_dir:
    description: dnsmasq's C(dhcp-hostsdir); default from O(site).
    type: path
  state_file:
    description: Where the module records the files it manages and boot-once progress.
    type: path
    default: /var/lib/netboot-pxe/pxe_hosts.json
  report_log:
    description: Log of boot reports (lines C(<epoch> <client> <uri>)); default from O(site). Empty to ignore reports.
    type: path
  lease_file:
    description:
      - dnsmasq's lease file, to check that a report of a host without a reserved C(ip) came from an address
        leased to its MAC; default from O(site). Empty for none (then only hosts with an C(ip) can report).
    type: path
  owner:
    description: Owner of the boot files (dnsmasq's C(tftp-secure) serves only files its user owns); default from O(site).
    type: str
  reload_service:
    description: systemd unit to reload when reservations change or go; default from O(site). Empty for none.
    type: str
'''

EXAMPLES = r'''
- name: Install two machines, keep a third on the menu with a different default
  netboot.pxe.pxe_hosts:
    hosts:
      - mac: 52:54:00:12:34:01
        ip: 192.168.50.21
        hostname: web01
        entry: debian-12-amd64
        cmdline: {hostname: web01}
        boot_once: true
      - mac: 52-54-00-12-34-02
        entry: rescue
      - mac: 5254.0012.3403
        entry: debian-12-amd64
        menu: true

- name: Manage the whole fleet from inventory; hosts that left lose their files
  netboot.pxe.pxe_hosts:
    hosts: "{{ groups['pxe_clients'] | map('extract', hostvars) | map(attribute='pxe') | list }}"
    exclusive: true

- name: Assign a 10,000-host fleet from a file on the controller (shipped only when it changed)
  netboot.pxe.pxe_hosts:
    hosts_src: files/fleet.json
    exclusive: true

- name: Assign the fleet from a list another tool already put on the server
  netboot.pxe.pxe_hosts:
    hosts_file: /srv/inventory/pxe-hosts.yml
    exclusive: true

- name: Mark an installation as done by hand (boot-once host goes to local boot)
  netboot.pxe.pxe_hosts:
    hosts: "{{ fleet }}"
    completed: [52:54:00:12:34:01]
'''

RETURN = r'''
hosts:
  description: Number of hosts assigned.
  returned: always
  type: int
written:
  description: Files written (absolute paths), at most 100 listed.
  returned: always
  type: list
  elements: str
written_count:
  description: Number of files written.
  returned: always
  type: int
removed:
  description: Managed files removed (absolute paths).
  returned: always
  type: list
  elements: str
unchanged:
  description: Number of files that already had the right content.
  returned: always
  type: int
flipped:
  description: Boot-once hosts that reported a finished boot (or were listed in O(completed)) and now boot locally.
  returned: always
  type: list
  elements: str
boot_once:
  description: Boot-once state per MAC (C(done), C(since), C(at)).
  returned: always
  type: dict
ignored_reports:
  description:
    - Reports of boot-once hosts still waiting for theirs that did not count, one per MAC and client address -
      C(mac), C(address) (the client that sent them), C(count), C(last) (epoch of the latest) and C(reason)
      (e.g. not the host's reserved address, not leased to it, no lease file). They never switch the host.
  returned: always
  type: list
  elements: dict
reloaded:
  description: Whether the reservation service was told to re-read its hosts.
  returned: always
  type: bool
input_unchanged:
  description:
    - Whether the run took the no-change shortcut - same input as the last run and every managed file as written
      then - so nothing was validated or rendered.
  returned: always
  type: bool
'''

import functools
import hashlib
import json
import os
import pwd

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.netboot.pxe.plugins.module_utils import _hosts, _hosts_input, _render


def _load_site(module):
    """The site description and the digest of its bytes (part of the no-change shortcut's input)."""
    path = module.params['site']
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
        data = json.loads(raw.decode('utf-8'))
    except FileNotFoundError:
        module.fail_json(msg='site: %s does not exist; run the netboot.pxe.server role first (it writes it)' % path)
    except ValueError as exc:
        module.fail_json(msg='site: %s is not valid JSON: %s' % (path, exc))
    if not isinstance(data, dict) or not isinstance(data.get('site'), dict):
        module.fail_json(msg='site: %s is not a netboot.pxe site description' % path)
    try:
        # Written into every per-host PXELINUX file: a newline in it would add directives of its own.
        _render.pxelinux_serial(data['site'].get('pxelinux_serial'), 'pxelinux_serial')
    except _render.RenderError as exc:
        module.fail_json(msg='site: %s: %s' % (path, exc))
    return data, hashlib.sha256(raw).hexdigest()


def _split(module, hosts, var):
    """Hosts to assign and hosts to remove, with C(menu)/C(boot_once) spelled as Ansible booleans made bool."""
    present, absent = [], []
    for index, host in enumerate(hosts):
        if not isinstance(host, dict):
            module.fail_json(msg='%s[%d] must be a dict with at least "mac", got %r' % (var, index, host))
        host = dict((k, v) for k, v in host.items() if v is not None)
        state = host.pop('state', 'present')
        if state not in ('present', 'absent'):
            module.fail_json(msg='%s: state must be present or absent, got %r' % (_hosts.host_label(var, index, host), state))
        for key in ('menu', 'boot_once'):
            if key in host and not isinstance(host[key], bool):
                try:
                    host[key] = boolean(host[key], strict=True)
                except TypeError:
                    module.fail_json(msg='%s: %s must be true or false, got %r' % (_hosts.host_label(var, index, host), key, host[key]))
        (absent if state == 'absent' else present).append(host)
    return present, absent


def _read_source(params, var):
    """The host list as given (a file's bytes, or None for hosts_src not shipped yet) and its digest."""
    if var == 'hosts':
        return params['hosts'], _hosts_input.hosts_digest(params['hosts'])
    if var == 'hosts_file':
        data = _hosts_input.read_hosts_file(params['hosts_file'])
        return data, _hosts_input.hosts_digest(data)
    digest = params['_hosts_src_digest']
    if not params['_hosts_src_path']:
        return None, digest
    # The action plugin shipped the bytes it hashed, YAML already turned into JSON.
    return _hosts_input.read_hosts_file(params['_hosts_src_path'], var='hosts_src'), digest


def _ids(module, owner):
    if not owner:
        return None, None
    try:
        entry = pwd.getpwnam(owner)
    except KeyError:
        module.fail_json(msg='owner: no user %r on this host' % owner)
    # The group stays root's, as the server role sets it.
    return entry.pw_uid, None


# Ignored boot-once reports warned about one by one; the rest in one line (all are in ignored_reports).
_WARNED_REPORTS = 10


def _warn_ignored(module, ignored):
    for item in ignored[:_WARNED_REPORTS]:
        module.warn('boot-once report for %s ignored (%d request(s), the last at %.3f): %s'
                    % (item['mac'], item['count'], item['last'], item['reason']))
    if len(ignored) > _WARNED_REPORTS:
        module.warn('%d more ignored boot-once reports: see ignored_reports' % (len(ignored) - _WARNED_REPORTS))


# Hosts echoed back in the result's invocation.module_args; the rest is summarized.
_ECHOED_HOSTS = 100


def _invocation(params):
    """The module arguments echoed in the result, with at most the first _ECHOED_HOSTS hosts.

    AnsibleModule would echo every host: for 10,000 hosts a 2 MB result that the module scrubs
    for no_log values and ansible-playbook decodes, pickles and displays again - seconds of a run
    in which nothing changed. The ``hosts`` return value counts them all.
    """
    args = dict(params)
    if len(args['hosts']) > _ECHOED_HOSTS:
        args['hosts'] = args['hosts'][:_ECHOED_HOSTS]
    return {'module_args': args}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            # Keys are checked by _hosts.validate (strict, errors name the host): suboption
            # validation by AnsibleModule costs seconds at 10,000 hosts.
            hosts=dict(type='list', elements='dict', default=[]),
            hosts_file=dict(type='path'),
            hosts_src=dict(type='path'),
            # Set by the action plugin for hosts_src: the controller file's sha256, then where it was shipped.
            _hosts_src_digest=dict(type='str'),
            _hosts_src_path=dict(type='path'),
            exclusive=dict(type='bool', default=False),
            completed=dict(type='list', elements='str', default=[]),
            site=dict(type='path', default='/etc/netboot-pxe/site.json'),
            boot_root=dict(type='path'),
            dhcp_hosts_dir=dict(type='path'),
            state_file=dict(type='path', default='/var/lib/netboot-pxe/pxe_hosts.json'),
            report_log=dict(type='path'),
            lease_file=dict(type='path'),
            owner=dict(type='str'),
            reload_service=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if len(params['hosts']) > _ECHOED_HOSTS:
        # Every exit, success or failure, echoes the shortened arguments.
        invocation = _invocation(params)
        module.exit_json = functools.partial(module.exit_json, invocation=invocation)
        module.fail_json = functools.partial(module.fail_json, invocation=invocation)
    given = [name for name in ('hosts', 'hosts_file', 'hosts_src') if params[name]]
    if len(given) > 1:
        module.fail_json(msg='%s: give the host list in one of them, not several (each holds the same list)' % ' and '.join(given))
    if params['hosts_src'] and not params['_hosts_src_digest']:
        module.fail_json(msg='hosts_src is a file on the controller, read by the netboot.pxe.pxe_hosts action plugin; '
                             'run the module as a task (for a file already on the server use hosts_file)')
    data, site_digest = _load_site(module)
    site = data['site']
    roots = {'boot': params['boot_root'] or data.get('boot_root'), 'dhcp': params['dhcp_hosts_dir'] or data.get('dhcp_hosts_dir')}
    for key, name in (('boot', 'boot_root'), ('dhcp', 'dhcp_hosts_dir')):
        if not roots[key] or not os.path.isdir(roots[key]):
            module.fail_json(msg='%s: %r is not a directory (set it, or run the netboot.pxe.server role first)' % (name, roots[key]))
    report_log = data.get('report_log') if params['report_log'] is None else params['report_log']
    lease_file = data.get('lease_file') if params['lease_file'] is None else params['lease_file']
    reload_service = data.get('reload_service') if params['reload_service'] is None else params['reload_service']
    owner = params['owner'] if params['owner'] is not None else data.get('owner')

    var = 'hosts_src' if params['hosts_src'] else 'hosts_file' if params['hosts_file'] else 'hosts'
    try:
        state = _hosts.load_state(params['state_file'])
        source, digest = _read_source(params, var)
    except _hosts.HostError as exc:
        module.fail_json(msg=str(exc))
    # Everything the files depend on besides the boot-once reports (added by _hosts_input while one is pending).
    fingerprint = _hosts_input.code_fingerprint()
    parts = [fingerprint, site_digest, 'hosts_src' if params['hosts_src'] else params['hosts_file'], digest,
             params['exclusive'], params['completed'], roots, owner, report_log, lease_file]
    if fingerprint is not None:
        verified = _hosts_input.verify(state, parts, report_log, lease_file)
        if verified is not None:
            ignored = state.get('ignored_reports', [])
            _warn_ignored(module, ignored)
            result = dict(changed=False, hosts=state['input'].get('hosts', 0), written=[], written_count=0, removed=[],
                          unchanged=state['input'].get('files', verified), flipped=[], boot_once=state.get('once', {}),
                          ignored_reports=ignored, reloaded=False, input_unchanged=True)
            if module._diff:
                result['diff'] = {'before': '', 'after': '', 'before_header': 'managed files before',
                                  'after_header': 'managed files after'}
            module.exit_json(**result)
    if source is None:
        # hosts_src, asked with its digest alone: the action plugin ships the file and runs the module again.
        module.exit_json(changed=False, hosts_src_wanted=True)

    try:
        if var != 'hosts':
            source = _hosts_input.parse_hosts_file(params[var], source, var=var)
    except _hosts.HostError as exc:
        module.fail_json(msg=str(exc))
    present, absent = _split(module, source, var)
    try:
        hosts = _hosts.validate(present, site, var=var)
        absent_macs = [_hosts.validate([{'mac': host['mac']}], site, var='%s (absent)' % var)[0]['mac'] for host in absent]
        completed = [_hosts.validate([{'mac': mac}], site, var='completed')[0]['mac'] for mac in params['completed']]
        plan = _hosts.plan_sync(site, hosts, roots, state, exclusive=params['exclusive'], reports=report_log,
                                completed=completed, absent_macs=absent_macs, leases=lease_file)
    except _hosts.HostError as exc:
        module.fail_json(msg=str(exc))
    except _render.RenderError as exc:
        module.fail_json(msg='site: %s' % exc)
    inputs = None
    if fingerprint is not None:
        inputs = {'digest': _hosts_input.input_digest(parts, plan['once'], report_log, lease_file), 'hosts': len(hosts),
                  'files': len(plan['write']) + plan['unchanged']}

    dhcp_root = os.path.join(roots['dhcp'], '')
    dhcp_removed = any(path.startswith(dhcp_root) for path in plan['remove'])
    dhcp_replaced = any(path.startswith(dhcp_root) and os.path.exists(path) for path in plan['write'])
    old_files = state.get('files', {})
    state_changed = (plan['once'] != state.get('once', {}) or set(plan['wanted']) != set(old_files)
                     or any(old_files.get(path) != stamp for path, stamp in plan['records'].items())
                     or state.get('input') != inputs or state.get('ignored_reports', []) != plan['ignored_reports'])
    _warn_ignored(module, plan['ignored_reports'])
    changed = bool(plan['write'] or plan['remove'])
    result = dict(changed=changed, hosts=len(hosts), written=sorted(plan['write'])[:100], written_count=len(plan['write']),
                  removed=plan['remove'], unchanged=plan['unchanged'], flipped=plan['flipped'], boot_once=plan['once'],
                  ignored_reports=plan['ignored_reports'], reloaded=False, input_unchanged=False)
    if module._diff:
        result['diff'] = {
            'before': ''.join('%s\n' % path for path in sorted(list(plan['write']) + plan['remove']) if os.path.exists(path)),
            'after': ''.join('%s\n' % path for path in sorted(plan['write'])),
            'before_header': 'managed files before', 'after_header': 'managed files after'}
    if module.check_mode or not (changed or state_changed):
        module.exit_json(**result)

    uid, gid = _ids(module, owner)
    try:
        _hosts.apply_sync(plan, params['state_file'], uid=uid, gid=gid, inputs=inputs)
    except OSError as exc:
        module.fail_json(msg='writing the host files failed: %s' % exc, **result)
    # New reservation files are read by dnsmasq on its own (inotify); changed and removed
    # ones stay in its memory until it re-reads them (SIGHUP via its unit's reload).
    if reload_service and (dhcp_removed or dhcp_replaced):
        rc, out, err = module.run_command(['systemctl', 'reload', reload_service])
        if rc != 0:
            module.fail_json(msg='reload_service: systemctl reload %s failed: %s' % (reload_service, (err or out).strip()), **result)
        result['reloaded'] = True
    module.exit_json(**result)


if __name__ == '__main__':
    main()
