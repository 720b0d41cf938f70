# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad inputs: each stops with a clear message naming the setting, and the live server stays exactly as it was.

One lab, one good configuration applied once; then every bad input is tried against it, through the
server playbook (playbooks/pxe_server.yml, the roles' variables as extra vars) or a module run on the
server (pxe_hosts, boot_artifact, pxe_probe). For each case the server's live state (every file under
/etc/netboot-pxe, the boot root, the nginx site, pxe_hosts' state; dnsmasq's and nginx's processes) is
taken before and after, and boot.ipxe is fetched over TFTP and HTTP from the PXE LAN: it must still be
the very file on disk. Every case goes into the reliability summary table (category "input").

The expected text must be in a failed task's own message (cases.judge), and a case whose expected text
starts with the variable (or module option) it set checks that the refusal names it (column "checked":
msg+var); the few refusals that come from another program name no setting (NAMES_NO_SETTING, msg only).
"""

from __future__ import annotations

import copy
import secrets

import pytest

import bad_input_lab
import cases

pytestmark = pytest.mark.reliability
CATEGORY = 'input'

HOST = {'mac': '52:54:00:e2:01:01', 'ip': '10.77.0.60'}
HOST_BOOTS = {'mac': '52:54:00:e2:01:03', 'entry': 'e2e', 'cmdline': {'netboot_host': 'yes'}}
MENU = {'title': 'netboot.pxe reliability', 'timeout': 5, 'default': 'e2e', 'items': ['e2e', 'local']}
ZERO = 'sha256:' + '0' * 64
LONG = 'x' * 300
# Bytes 0xff 0xfe, which are not UTF-8: text read with lookup('file') or b64decode carries them as lone
# surrogates (surrogateescape), which is how they reach the roles. (A vars file holding the raw bytes, or
# the surrogates escaped in JSON, Ansible itself refuses to load.)
NOT_UTF8 = "{{ 'bWVudSD//g==' | b64decode }}"  # b'menu \xff\xfe'


def entry_with(**changes):
    """The baseline's entry list with the first entry changed (a value None removes the key)."""
    def apply(variables):
        entries = copy.deepcopy(variables['server_entries'])
        for key, value in changes.items():
            if value is None:
                entries[0].pop(key, None)
            else:
                entries[0][key] = value
        return {'server_entries': entries}
    return apply


def cmdline_with(**params):
    """The baseline entry's kernel parameters plus ``params``."""
    def apply(variables):
        entries = copy.deepcopy(variables['server_entries'])
        entries[0]['cmdline'] = dict(entries[0]['cmdline'], **params)
        return {'server_entries': entries}
    return apply


def hosts_plus(*hosts):
    """The baseline's hosts plus ``hosts``."""
    def apply(variables):
        return {'server_hosts': copy.deepcopy(variables['server_hosts']) + list(hosts)}
    return apply


# (case, what was tried, overrides (dict, or a function of the baseline variables), text the error must contain)
PLAYBOOK_CASES = [
    ('unknown arch name', 'server_architectures: [bios, efi64]', {'server_architectures': ['bios', 'efi64']},
     "server_architectures: [1] unknown client architecture 'efi64'"),
    ('arch without a boot loader', 'server_architectures + efi-riscv64',
     {'server_architectures': ['bios', 'efi-x86_64', 'efi-riscv64']}, "server_boot_loaders: no default loader for 'efi-riscv64'"),
    ('loader without a build for the arch', 'server_boot_loaders: {efi-x86_64: pxelinux}',
     {'server_boot_loaders': {'efi-x86_64': 'pxelinux'}}, "server_boot_loaders: loader 'pxelinux' has no build for efi-x86_64"),
    ('GRUB in proxy mode', 'proxy mode with efi-x86_64: grub',
     {'server_dhcp_mode': 'proxy', 'server_allow_full_dhcp': False, 'server_boot_loaders': {'efi-x86_64': 'grub'}},
     "server_boot_loaders: efi-x86_64 gets 'grub', but in proxyDHCP mode GRUB and shim take their files from the site DHCP server"),
    ('unsigned loader under Secure Boot', 'server_secure_boot with efi-x86_64: ipxe',
     {'server_secure_boot': True, 'server_boot_loaders': {'efi-x86_64': 'ipxe'}},
     "server_boot_loaders: efi-x86_64 gets 'ipxe', which is not signed, while server_secure_boot is true"),
    ('relay network overlapping the LAN', 'relay 10.77.0.128/25', {'server_relay_networks': [{'network': '10.77.0.128/25'}]},
     'server_relay_networks: [0] 10.77.0.128/25 overlaps 10.77.0.0/24'),
    ('relay networks overlapping each other', 'relays 10.80.0.0/24 and 10.80.0.0/16',
     {'server_relay_networks': [{'network': '10.80.0.0/24'}, {'network': '10.80.0.0/16'}]},
     'server_relay_networks: [1] 10.80.0.0/16 overlaps 10.80.0.0/24'),
    ('malformed CIDR of a relay network', 'relay network 10.80.0.0/33', {'server_relay_networks': [{'network': '10.80.0.0/33'}]},
     'server_relay_networks: [0]'),
    ('malformed CIDR of the LAN', 'server_network 10.77.0.0/33', {'server_network': '10.77.0.0/33'},
     'server_network:'),
    ('pool outside the subnet', 'pool 10.78.0.10-10.78.0.20', {'server_pool_start': '10.78.0.10', 'server_pool_end': '10.78.0.20'},
     ('server_pool_start', 'pool start 10.78.0.10 is outside the usable hosts of 10.77.0.0/24')),
    ('pool reversed', 'pool 10.77.0.200-10.77.0.150', {'server_pool_start': '10.77.0.200', 'server_pool_end': '10.77.0.150'},
     ('server_pool_start', 'pool start 10.77.0.200 is after pool end 10.77.0.150')),
    ('full DHCP without the opt-in', 'server_allow_full_dhcp: false in full mode', {'server_allow_full_dhcp': False},
     'server_allow_full_dhcp: must be true'),
    ('malformed server address', 'server_address 10.77.0.256', {'server_address': '10.77.0.256'},
     "server_address: must be an IPv4 address, got '10.77.0.256'"),
    ('malformed router', 'server_router 10.77.0', {'server_router': '10.77.0'},
     "server_router: must be an IPv4 address, got '10.77.0'"),
    ('malformed DNS server', 'server_dns_servers [8.8.8]', {'server_dns_servers': ['8.8.8']},
     "server_dns_servers: [0] '8.8.8' is not an IPv4 address"),
    ('bad lease time', 'server_lease_time 12 hours', {'server_lease_time': '12 hours'},
     "server_lease_time: must be like 12h, 3600 or infinite, got '12 hours'"),
    ('invalid MAC in a reservation', 'host mac 52:54:00:e2:01', {'server_hosts': [{'mac': '52:54:00:e2:01', 'ip': '10.77.0.61'}]},
     "server_hosts[0] (52:54:00:e2:01): invalid MAC address '52:54:00:e2:01'"),
    ('malformed host IP', 'host ip 10.77.0.300', hosts_plus({'mac': '52:54:00:e2:01:02', 'ip': '10.77.0.300'}),
     "server_hosts[2] (52:54:00:e2:01:02): ip '10.77.0.300' is not an IPv4 address"),
    ('duplicate host MAC', 'second host with the same MAC in another spelling', hosts_plus({'mac': '52-54-00-E2-01-01', 'ip': '10.77.0.62'}),
     'server_hosts[2] (52-54-00-E2-01-01): MAC 52:54:00:e2:01:01 is also used by server_hosts[0]'),
    ('duplicate host IP', 'second host with the first host\'s IP', hosts_plus({'mac': '52:54:00:e2:01:02', 'ip': '10.77.0.60'}),
     'server_hosts[2] (52:54:00:e2:01:02): ip 10.77.0.60 is also used by server_hosts[0]'),
    ('host IP out of subnet', 'host ip 10.99.0.5', hosts_plus({'mac': '52:54:00:e2:01:02', 'ip': '10.99.0.5'}),
     'server_hosts[2] (52:54:00:e2:01:02): ip 10.99.0.5 is outside the served networks (10.77.0.0/24)'),
    ('host entry that does not exist', 'host entry nope', {'server_hosts': [{'mac': '52:54:00:e2:01:02', 'entry': 'nope'}]},
     "server_hosts[0] (52:54:00:e2:01:02): entry 'nope'"),
    ('newline in a host cmdline', 'host cmdline "quiet\\ninitrd http://evil/x"',
     hosts_plus({'mac': '52:54:00:e2:01:02', 'entry': 'e2e', 'cmdline': 'quiet\ninitrd http://evil/x'}),
     "server_hosts[2] (52:54:00:e2:01:02): cmdline: iPXE argument 'quiet\\ninitrd http://evil/x' contains the control character"),
    ('unknown default entry', 'server_default_entry nope', {'server_default_entry': 'nope'},
     "server_default_entry 'nope' is not the name of an entry"),
    ('menu default pointing nowhere', 'server_menu.default nope', {'server_menu': dict(MENU, default='nope')},
     "server_menu.default 'nope' is not in the menu"),
    ('menu item naming no entry', 'server_menu.items [e2e, ghost]', {'server_menu': dict(MENU, items=['e2e', 'ghost'])},
     "server_menu.items[1].entry 'ghost' is not the name of an entry"),
    ('oversized menu title', 'server_menu.title of 300 characters', {'server_menu': dict(MENU, title=LONG)},
     'server_menu.title is 300 characters long; menu lines hold at most 200'),
    ('newline in the menu title', 'server_menu.title "a\\nchain http://evil/x"', {'server_menu': dict(MENU, title='a\nchain http://evil/x')},
     'server_menu.title: iPXE argument'),
    ('non-UTF-8 bytes in the menu title', 'server_menu.title with bytes ff fe', {'server_menu': dict(MENU, title=NOT_UTF8)},
     ('server_menu.title: iPXE argument', 'is not UTF-8 text')),
    ('control character in an entry title', 'server_entries[0].title with ESC', entry_with(title='e2e \x1b[2J'),
     "server_entries[0].title: iPXE argument 'e2e \\x1b[2J' contains the control character '\\x1b'"),
    ('newline in a kernel cmdline string', 'cmdline "quiet\\nkernel http://evil/x"', entry_with(cmdline='quiet\nkernel http://evil/x'),
     "server_entries[0].cmdline: iPXE argument 'quiet\\nkernel http://evil/x' contains the control character"),
    ('newline in a kernel parameter value', 'cmdline {root: "/dev/sda\\nAPPEND evil"}', cmdline_with(root='/dev/sda\nAPPEND evil'),
     "server_entries[0].cmdline: kernel parameter 'root' value"),
    ('iPXE separator in a cmdline', 'cmdline "quiet || shell"', entry_with(cmdline='quiet || shell'),
     "server_entries[0].cmdline: iPXE argument 'quiet || shell' contains the token '||'"),
    ('non-UTF-8 bytes in a cmdline', 'cmdline with bytes ff fe', cmdline_with(label=NOT_UTF8),
     ("server_entries[0].cmdline: kernel parameter 'label' value", 'is not UTF-8 text')),
    ('kernel path that is ..', 'kernel "images/.."', entry_with(kernel='images/..'),
     "server_entries[0].kernel 'images/..': the file name '..' must be letters, digits and . _ + - only"),
    ('boot file with ..', 'server_boot_files: {bios: ../../etc/passwd}', {'server_boot_files': {'bios': '../../etc/passwd'}},
     "server_boot_files: boot file '../../etc/passwd' must be a path relative to the boot root"),
    ('absolute boot file', 'server_boot_files: {bios: /etc/passwd}', {'server_boot_files': {'bios': '/etc/passwd'}},
     "server_boot_files: boot file '/etc/passwd' must be a path relative to the boot root"),
    ('dnsmasq option dnsmasq --test rejects', 'server_dnsmasq_extra_options: [dhcp-range=not-an-address,proxy]',
     {'server_dnsmasq_extra_options': ['dhcp-range=not-an-address,proxy']},
     ('failed to validate', 'dnsmasq: bad dhcp-range at line')),
    ('nginx listen address nginx -t rejects', 'http_listen_address [1:2:3] (the http role\'s own variable)',
     {'http_listen_address': '[1:2:3]'}, ('failed to validate', 'invalid IPv6 address in', '[1:2:3]:80')),
    ('nginx directive injected by a path', 'server_report_log "/var/log/nginx/r.log; autoindex on"',
     {'server_report_log': '/var/log/nginx/r.log; autoindex on'},
     "server_report_log: must be an absolute path of letters, digits and . _ / + @ - (it is written into the"),
    ('space in the boot root', 'server_boot_root "/srv/net boot"', {'server_boot_root': '/srv/net boot'},
     "server_boot_root: must be an absolute path of letters, digits and . _ / + @ -"),
    ('nginx directive injected by a role path', 'http_report_log "/var/log/nginx/r.log; autoindex on" (the http role\'s own variable)',
     {'http_report_log': '/var/log/nginx/r.log; autoindex on'},
     'http_report_log: "/var/log/nginx/r.log; autoindex on" must be an absolute path'),
    ('HTTP port out of range', 'server_http_port 70000', {'server_http_port': 70000},
     'server_http_port: must be a TCP port from 1 to 65535, got 70000'),
    # Issue 12: values that used to change the commands around them, be read the opposite way, or crash.
    ('menu title ending in a backslash', 'server_menu.title "Lab boot \\" (iPXE joins the next line)',
     {'server_menu': dict(MENU, title='Lab boot \\')}, ('server_menu.title', 'ends with a backslash')),
    ('newline after a host name', 'host hostname "web01\\n"', hosts_plus({'mac': '52:54:00:e2:01:02', 'hostname': 'web01\n'}),
     ('server_hosts[2] (52:54:00:e2:01:02', "hostname 'web01\\n' is not a valid DNS name")),
    ('DNS server in CIDR form', 'server_dns_servers [8.8.8.0/24]', {'server_dns_servers': ['8.8.8.0/24']},
     ('server_dns_servers', "'8.8.8.0/24' is a network in CIDR form")),
    ('relay router in CIDR form', 'relay 10.80.0.0/24 with router 10.80.0.1/24',
     {'server_relay_networks': [{'network': '10.80.0.0/24', 'router': '10.80.0.1/24'}]},
     ('server_relay_networks', "'10.80.0.1/24' is a network in CIDR form")),
    ('router outside its network', 'server_router 10.99.0.1', {'server_router': '10.99.0.1'},
     ('server_router', '10.99.0.1 is not a host address of')),
    ('host IP that is the network address', 'host ip 10.77.0.0', hosts_plus({'mac': '52:54:00:e2:01:02', 'ip': '10.77.0.0'}),
     'server_hosts[2] (52:54:00:e2:01:02): ip 10.77.0.0 is the network address of 10.77.0.0/24'),
    ('host IP that is the broadcast address', 'host ip 10.77.0.255', hosts_plus({'mac': '52:54:00:e2:01:02', 'ip': '10.77.0.255'}),
     'server_hosts[2] (52:54:00:e2:01:02): ip 10.77.0.255 is the broadcast address of 10.77.0.0/24'),
    ('host IP that is the server address', 'host ip 10.77.0.1', hosts_plus({'mac': '52:54:00:e2:01:02', 'ip': '10.77.0.1'}),
     'server_hosts[2] (52:54:00:e2:01:02): ip 10.77.0.1 is the server address (server_address)'),
    ('host entry that is a list', 'host entry [x]', hosts_plus({'mac': '52:54:00:e2:01:02', 'entry': ['x']}),
     ("server_hosts[2] (52:54:00:e2:01:02): entry must be the name of one entry or \"local\" (a string), got", "['x']")),
    ('list as the default entry', 'server_default_entry [e2e]', {'server_default_entry': ['e2e']},
     ("server_default_entry: must be the name of one entry (a string), got", "['e2e']")),
    ('newline in server_pxelinux_serial', 'server_pxelinux_serial "0 115200\\nDEFAULT evil"',
     {'server_pxelinux_serial': '0 115200\nDEFAULT evil'}, 'server_pxelinux_serial must be "port [baud [flow]]"'),
    ('non-boolean string for a boolean', 'server_secure_boot "maybe"', {'server_secure_boot': 'maybe'},
     "argument 'server_secure_boot' is of type str and we were unable to convert to bool"),
    ('non-boolean boot_once on a host', 'host boot_once "maybe"',
     hosts_plus({'mac': '52:54:00:e2:01:02', 'entry': 'e2e', 'boot_once': 'maybe'}),
     "server_hosts[2] (52:54:00:e2:01:02): boot_once must be true or false"),
]


@pytest.fixture(scope='module')
def baseline(pxe_server):
    """The good configuration every bad input is tried against: a menu, a reservation, a host with its own boot files."""
    variables = pxe_server.variables(secrets.token_hex(8), server_hosts=[HOST, HOST_BOOTS], server_menu=MENU)
    pxe_server.apply(variables)
    state = bad_input_lab.live_state(pxe_server)
    # A tar archive on the server for boot_artifact's member cases (outside every directory the state covers).
    pxe_server.ssh('mkdir -p /root/bad-input && tar -C /srv/netboot -cf /root/bad-input/loaders.tar undionly.kpxe')
    return variables, state


def check_nothing_lost(pxe_server, before):
    """(nothing lost, what differs): the live state is byte-identical and clients still get the boot script on disk."""
    after = bad_input_lab.live_state(pxe_server)
    fetched = bad_input_lab.served(pxe_server)
    on_disk = bad_input_lab.file_sha256(after, '/srv/netboot/boot.ipxe')
    problems = []
    changed = bad_input_lab.differences(before, after)
    if changed:
        problems.append('live state changed: %s' % changed)
    for kind, digest in sorted(fetched.items()):
        if digest != on_disk:
            problems.append('boot.ipxe over %s: %s' % (kind, digest))
    return not problems, ' '.join(problems)


# Any role variable counts as a setting a refusal may name (a refusal may point at the variable to change,
# e.g. server_boot_loaders for a new architecture); module cases count the options they set.
ROLE_VARIABLES = bad_input_lab.role_variables()
# Refusals that come from another program and name no setting of ours: their rows check the message only.
NAMES_NO_SETTING = {
    'dnsmasq option dnsmasq --test rejects',  # dnsmasq's own words, from the template's validate
    'nginx listen address nginx -t rejects',  # nginx's own words, from the template's validate
    'boot_artifact: wrong checksum (HTTP)',  # "sha256 checksum mismatch for <src>: expected ..., got ...; <dest> ..."
    'boot_artifact: wrong checksum (local file)',
}


def checked(name, message, settings, others=()):
    """(the row's "checked" keys, a problem or None): msg+var+state, or msg+state for a case in NAMES_NO_SETTING.

    A case that is not listed there must expect a text that starts with a setting it set (or one of
    ``others``; cases.names_setting); one that does not fails, whatever the server said.
    """
    if name in NAMES_NO_SETTING:
        return 'msg+state', None
    if cases.names_setting(message, list(settings) + list(others)) is None:
        return 'msg+var+state', 'the expected text %r does not start with the setting set (%s) or a role variable' % (
            message[0] if isinstance(message, tuple) else message, ', '.join(settings))
    return 'msg+var+state', None


def verdict(name, message, settings, proc, others=()):
    """(passed, what happened, checked) of one bad-input run."""
    how, problem = checked(name, message, settings, others)
    passed, happened = cases.judge(proc.stdout, proc.returncode, message)
    if problem:
        return False, '%s; %s' % (problem, happened), how
    return passed, happened, how


@pytest.mark.parametrize('name,tried,overrides,message', PLAYBOOK_CASES, ids=[case[0] for case in PLAYBOOK_CASES])
def test_bad_setting_is_refused_and_changes_nothing(pxe_server, baseline, record_case, name, tried, overrides, message):
    good, _state = baseline
    changes = overrides(good) if callable(overrides) else overrides
    before = bad_input_lab.live_state(pxe_server)
    proc = pxe_server.apply(dict(good, **changes), check=False)
    passed, happened, how = verdict(name, message, sorted(changes), proc, ROLE_VARIABLES)
    kept, lost = check_nothing_lost(pxe_server, before)
    record_case(CATEGORY, name, 'playbook: %s' % tried, happened + ((' ' + lost) if lost else ''), passed, kept, checked=how)
    assert passed, '%s: %s\n%s' % (name, happened, proc.stdout[-4000:])
    assert kept, lost


def test_false_as_a_string_keeps_secure_boot_off(pxe_server, baseline, record_case):
    """server_secure_boot: "false" (a string, as -e or an INI inventory give it) is false: the run succeeds and the
    server is exactly the baseline's (no Secure Boot: UEFI clients keep snponly.efi, no shim); it used to turn it on."""
    good, _state = baseline
    before = bad_input_lab.live_state(pxe_server)
    proc = pxe_server.apply(dict(good, server_secure_boot='false'), check=False)
    kept, lost = check_nothing_lost(pxe_server, before)
    boot_files = pxe_server.ssh("grep -ho 'shimx64.efi\\|snponly.efi' /etc/netboot-pxe/dnsmasq.conf | sort -u").split()
    passed = proc.returncode == 0 and boot_files == ['snponly.efi'] and kept
    happened = 'rc %d; boot files in dnsmasq.conf: %s%s' % (proc.returncode, boot_files, (' ' + lost) if lost else '')
    record_case(CATEGORY, 'server_secure_boot "false" (a string)', 'playbook: server_secure_boot: "false"', happened, passed,
                kept, checked='accepted+observed+state')
    assert passed, '%s\n%s' % (happened, proc.stdout[-4000:])


MODULE_CASES = [
    ('pxe_hosts: malformed MAC', 'pxe_hosts hosts=[{mac: 52:54:00:zz:01:01}]',
     'pxe_hosts', {'hosts': [{'mac': '52:54:00:zz:01:01'}]}, "hosts[0] (52:54:00:zz:01:01): invalid MAC address"),
    ('pxe_hosts: duplicate MAC, exclusive', 'pxe_hosts exclusive with one MAC twice (the live hosts must survive)',
     'pxe_hosts', {'exclusive': True, 'hosts': [{'mac': '52:54:00:e2:01:09'}, {'mac': '52:54:00:E2:01:09'}]},
     'hosts[1] (52:54:00:E2:01:09): MAC 52:54:00:e2:01:09 is also used by hosts[0]'),
    ('pxe_hosts: duplicate IP', 'pxe_hosts two hosts with ip 10.77.0.70',
     'pxe_hosts', {'hosts': [{'mac': '52:54:00:e2:01:0a', 'ip': '10.77.0.70'}, {'mac': '52:54:00:e2:01:0b', 'ip': '10.77.0.70'}]},
     'hosts[1] (52:54:00:e2:01:0b): ip 10.77.0.70 is also used by hosts[0]'),
    ('pxe_hosts: IP outside the site', 'pxe_hosts ip 192.168.1.5',
     'pxe_hosts', {'hosts': [{'mac': '52:54:00:e2:01:0a', 'ip': '192.168.1.5'}]},
     'hosts[0] (52:54:00:e2:01:0a): ip 192.168.1.5 is outside the served networks'),
    ('pxe_hosts: unknown entry', 'pxe_hosts entry ghost',
     'pxe_hosts', {'hosts': [{'mac': '52:54:00:e2:01:0a', 'entry': 'ghost'}]}, "hosts[0] (52:54:00:e2:01:0a): entry 'ghost'"),
    ('pxe_hosts: newline in cmdline', 'pxe_hosts cmdline {x: "1\\nkernel http://evil"}',
     'pxe_hosts', {'hosts': [{'mac': '52:54:00:e2:01:0a', 'entry': 'e2e', 'cmdline': {'x': '1\nkernel http://evil'}}]},
     "hosts[0] (52:54:00:e2:01:0a): cmdline: kernel parameter 'x' value"),
    ('pxe_hosts: oversized cmdline', 'pxe_hosts cmdline of 3000 characters',
     'pxe_hosts', {'hosts': [{'mac': '52:54:00:e2:01:0a', 'entry': 'e2e', 'cmdline': 'a' * 3000}]},
     'hosts[0] (52:54:00:e2:01:0a): cmdline is 3000 characters; kernels take at most 2048'),
    ('pxe_hosts: bad hostname', 'pxe_hosts hostname "web_01;rm"',
     'pxe_hosts', {'hosts': [{'mac': '52:54:00:e2:01:0a', 'hostname': 'web_01;rm'}]},
     "hosts[0] (52:54:00:e2:01:0a, web_01;rm): hostname 'web_01;rm' is not a valid DNS name"),
    ('boot_artifact: wrong checksum (HTTP)', 'boot_artifact http://10.77.0.1/snponly.efi over undionly.kpxe, wrong sha256',
     'boot_artifact', {'src': 'http://10.77.0.1/snponly.efi', 'dest': '/srv/netboot/undionly.kpxe', 'checksum': ZERO},
     'sha256 checksum mismatch for'),
    ('boot_artifact: wrong checksum (local file)', 'boot_artifact /srv/netboot/snponly.efi over undionly.kpxe, wrong sha256',
     'boot_artifact', {'src': '/srv/netboot/snponly.efi', 'dest': '/srv/netboot/undionly.kpxe', 'checksum': ZERO},
     'sha256 checksum mismatch for'),
    ('boot_artifact: unreachable URL', 'boot_artifact http://127.0.0.1:9/vmlinuz (nothing listens)',
     'boot_artifact', {'src': 'http://127.0.0.1:9/vmlinuz', 'dest': '/srv/netboot/undionly.kpxe', 'checksum': ZERO, 'timeout': 5},
     'src: cannot fetch http://127.0.0.1:9/vmlinuz'),
    ('boot_artifact: malformed checksum', 'boot_artifact checksum md5:abc',
     'boot_artifact', {'src': '/srv/netboot/snponly.efi', 'dest': '/srv/netboot/undionly.kpxe', 'checksum': 'md5:abc'},
     "checksum: checksum algorithm 'md5' is not supported"),
    ('boot_artifact: name not in SHA256SUMS', 'boot_artifact checksum_url SHA256SUMS without the file',
     'boot_artifact', {'src': 'http://10.77.0.1/boot.ipxe', 'dest': '/srv/netboot/undionly.kpxe',
                       'checksum_url': 'http://10.77.0.1/SHA256SUMS', 'checksum_name': 'not-there.efi'},
     "checksum_url: http://10.77.0.1/SHA256SUMS: 'not-there.efi' is not listed in the checksums file"),
    ('boot_artifact: archive member with ..', 'boot_artifact member ../../etc/shadow of a tar',
     'boot_artifact', {'src': '/root/bad-input/loaders.tar', 'member': '../../etc/shadow', 'dest': '/srv/netboot/undionly.kpxe',
                       'checksum': ZERO}, "member: archive member '../../etc/shadow' is absolute or climbs out"),
    ('boot_artifact: absolute archive member', 'boot_artifact member /etc/shadow of a tar',
     'boot_artifact', {'src': '/root/bad-input/loaders.tar', 'member': '/etc/shadow', 'dest': '/srv/netboot/undionly.kpxe',
                       'checksum': ZERO}, "member: archive member '/etc/shadow' is absolute or climbs out"),
    ('boot_artifact: missing destination directory', 'boot_artifact dest /srv/netboot/nowhere/x',
     'boot_artifact', {'src': '/srv/netboot/snponly.efi', 'dest': '/srv/netboot/nowhere/x.efi', 'checksum': ZERO},
     'dest: the directory /srv/netboot/nowhere does not exist'),
    ('pxe_probe: malformed MAC', 'pxe_probe mac 52:54:00:zz',
     'pxe_probe', {'interface': 'pxe0', 'mac': '52:54:00:zz'}, "mac: invalid MAC address: '52:54:00:zz'"),
    ('pxe_probe: unknown arch', 'pxe_probe arch [efi128]', 'pxe_probe', {'interface': 'pxe0', 'arch': ['efi128']},
     "arch: unknown client architecture 'efi128'; valid names: bios,"),
    ('pxe_probe: missing interface', 'pxe_probe interface nope0', 'pxe_probe', {'interface': 'nope0'},
     "interface: no network interface named 'nope0' on this host"),
]


@pytest.mark.parametrize('name,tried,module,args,message', MODULE_CASES, ids=[case[0] for case in MODULE_CASES])
def test_bad_module_argument_is_refused_and_changes_nothing(pxe_server, baseline, record_case, log_dir,
                                                            name, tried, module, args, message):
    before = bad_input_lab.live_state(pxe_server)
    proc = bad_input_lab.run_module(pxe_server, module, args, log_dir)
    passed, happened, how = verdict(name, message, sorted(args), proc)
    kept, lost = check_nothing_lost(pxe_server, before)
    record_case(CATEGORY, name, 'module: %s' % tried, happened + ((' ' + lost) if lost else ''), passed, kept, checked=how)
    assert passed, '%s: %s\n%s' % (name, happened, proc.stdout[-4000:])
    assert kept, lost
