# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Menus and per-host assignments on real firmware, for iPXE, PXELINUX and GRUB.

A client whose MAC has an assignment boots its entry (its own token) while another
client sits in the menu until the timeout and boots the menu's default. Removing the
assignment sends the first client back to the menu, and dnsmasq keeps running (same
MainPID): per-host files are hot. Boot-once: after a reported boot the host boots locally.
Under iPXE the assigned host boots from its second NIC, so the lookup must use the NIC that booted.
"""

from __future__ import annotations

import concurrent.futures
import re
import secrets
import subprocess

import pytest

from harness import qemu
from test_boot import TIMEOUT, assert_booted

pytestmark = pytest.mark.e2e

HOST_MAC = '52:54:00:e2:20:01'
OTHER_MAC = '52:54:00:e2:20:02'
MENU_TITLE = 'netboot.pxe e2e menu'
MENU = {'title': MENU_TITLE, 'timeout': 3,
        'items': ['e2e', {'text': 'Per-host entries'}, {'menu': 'Hosts', 'items': ['e2e-host0']}, 'local']}

LOADERS = {
    'ipxe': ('bios', {}),
    'pxelinux': ('bios', {'server_boot_loaders': {'bios': 'pxelinux'}, 'server_pxelinux_serial': '0 115200'}),
    'grub': ('uefi', {'server_boot_loaders': {'efi-x86_64': 'grub'}}),
}
# What each loader shows on the console when it draws the menu.
MENU_SEEN = {'ipxe': MENU_TITLE, 'pxelinux': MENU_TITLE, 'grub': 'Per-host entries'}
# The iPXE host is a two-NIC machine booting from its second NIC (HOST_MAC, iPXE's net1); its first
# NIC (this MAC, net0) is connected to nothing. The assignment must follow the NIC that booted.
FIRST_NIC = {'ipxe': '52:54:00:e2:20:f1'}


def dnsmasq_pid(pxe_server):
    return pxe_server.ssh('systemctl show -p MainPID --value netboot-pxe-dnsmasq').strip()


def host_files(pxe_server):
    return pxe_server.ssh('ls /srv/netboot/hosts /srv/netboot/pxelinux.cfg /srv/netboot/grub /etc/netboot-pxe/dhcp-hosts.d')


def with_hosts_file(variables, path):
    """``variables`` with server_hosts moved to the YAML file ``path`` (flow style, MACs unquoted)."""
    path.write_text(''.join('- {%s}\n' % ', '.join('%s: %s' % item for item in host.items()) for host in variables['server_hosts']))
    return dict(variables, server_hosts=[], server_hosts_file=str(path))


def re_changed(output):
    """The changed= count of the play recap."""
    return int(re.search(r'changed=(\d+)', output[output.rindex('PLAY RECAP'):]).group(1))


def boot(pxe_server, firmware, mac, tap, log_dir, name, first_nic_mac=None):
    return qemu.boot(firmware, netns=pxe_server.lab.lan_ns, tap=tap, mac=mac, log_dir=log_dir, timeout=TIMEOUT, name=name,
                     first_nic_mac=first_nic_mac)


@pytest.mark.parametrize('loader', sorted(LOADERS))
def test_host_entry_menu_default_and_hot_removal(pxe_server, log_dir, record_boot, loader):
    firmware, overrides = LOADERS[loader]
    default_token, host_token = secrets.token_hex(8), secrets.token_hex(8)
    variables = pxe_server.variables(default_token, host_tokens={HOST_MAC: host_token}, server_menu=MENU, **overrides)
    variables['server_hosts'][0]['ip'] = '10.77.0.77'
    if loader == 'grub':
        # The GRUB run takes its hosts from a YAML file on the controller (server_hosts_file, unquoted MACs).
        variables = with_hosts_file(variables, log_dir / 'hosts.yml')
    pxe_server.apply(variables)
    pid = dnsmasq_pid(pxe_server)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        host = pool.submit(boot, pxe_server, firmware, HOST_MAC, 'tap0', log_dir, 'host', FIRST_NIC.get(loader))
        other = pool.submit(boot, pxe_server, firmware, OTHER_MAC, 'tap1', log_dir, 'other')
        host, other = host.result(), other.result()
    record_boot('%s: per-host entry (%s%s)' % (firmware, loader, ', 2nd NIC' if loader in FIRST_NIC else ''), host,
                host_token, firmware)
    record_boot('%s: menu default after timeout (%s)' % (firmware, loader), other, default_token, firmware)
    assert_booted(host, host_token, firmware)
    assert_booted(other, default_token, firmware)
    other_log = qemu.clean_serial(other.serial_log.read_bytes())
    host_log = qemu.clean_serial(host.serial_log.read_bytes())
    assert MENU_SEEN[loader] in other_log, 'the menu was never drawn:\n' + other_log[-3000:]
    assert MENU_SEEN[loader] not in host_log, 'the assigned host saw the menu:\n' + host_log[-3000:]

    # The assignment goes (the entry stays in the menu): the host is back on the menu; dnsmasq was not restarted.
    if loader == 'grub':
        (log_dir / 'hosts.yml').write_text('[]\n')
    pxe_server.apply(dict(variables, server_hosts=[]))
    assert dnsmasq_pid(pxe_server) == pid
    if loader == 'grub':
        # Unchanged host file, unchanged server: the rerun changes nothing.
        rerun = pxe_server.apply(dict(variables, server_hosts=[]))
        assert re_changed(rerun.stdout) == 0, rerun.stdout[-4000:]
    assert '52-54-00-e2-20-01' not in host_files(pxe_server)
    again = record_boot('%s: assignment removed -> menu (%s)' % (firmware, loader),
                        boot(pxe_server, firmware, HOST_MAC, 'tap0', log_dir, 'host-after', FIRST_NIC.get(loader)),
                        default_token, firmware)
    assert_booted(again, default_token, firmware)
    assert MENU_SEEN[loader] in qemu.clean_serial(again.serial_log.read_bytes())


def report(pxe_server, mac):
    """What an installer's last step does: GET <base>/netboot-pxe/report/<mac>, from the address the host leased.

    The server counts a report only from the address it gave that MAC; the test VM has powered off, so the
    LAN namespace borrows that address (from dnsmasq's lease file) for the request.
    """
    leases = pxe_server.ssh('cat /var/lib/misc/netboot-pxe-dnsmasq.leases')
    address = [line.split()[2] for line in leases.splitlines() if line.split()[1:2] == [mac]][0]
    url = 'http://10.77.0.1/netboot-pxe/report/%s' % mac.replace(':', '-')
    code = ('import http.client, sys, urllib.parse; u = urllib.parse.urlsplit(sys.argv[1]); '
            'c = http.client.HTTPConnection(u.hostname, 80, timeout=10, source_address=(sys.argv[2], 0)); '
            'c.request("GET", u.path); print(c.getresponse().status)')
    ns = pxe_server.lab.lan_ns
    subprocess.run(['ip', '-n', ns, 'addr', 'add', address + '/32', 'dev', 'br0'], check=True)
    # The server still maps that address to the powered-off VM's MAC: forget it, so it asks again by ARP.
    subprocess.run(['ip', '-n', pxe_server.lab.srv_ns, 'neigh', 'flush', 'to', address], check=False)
    try:
        out = subprocess.run(['ip', 'netns', 'exec', ns, 'python3', '-c', code, url, address],
                             check=True, stdout=subprocess.PIPE, text=True).stdout
    finally:
        subprocess.run(['ip', '-n', ns, 'addr', 'del', address + '/32', 'dev', 'br0'], check=False)
    assert out.strip() == '204'


def test_boot_once_goes_local_after_the_report(pxe_server, log_dir, record_boot):
    default_token, host_token = secrets.token_hex(8), secrets.token_hex(8)
    variables = pxe_server.variables(default_token, host_tokens={HOST_MAC: host_token})
    variables['server_hosts'][0]['boot_once'] = True
    pxe_server.apply(variables)
    first = record_boot('bios: boot-once entry', boot(pxe_server, 'bios', HOST_MAC, 'tap0', log_dir, 'once'), host_token, 'bios')
    assert_booted(first, host_token, 'bios')

    report(pxe_server, HOST_MAC)
    pxe_server.apply(variables)
    script = pxe_server.ssh('cat /srv/netboot/hosts/52-54-00-e2-20-01.ipxe')
    assert 'goto local-pcbios' in script, script
    after = boot(pxe_server, 'bios', HOST_MAC, 'tap0', log_dir, 'after-report')
    log = qemu.clean_serial(after.serial_log.read_bytes())
    assert not after.ok, 'the host booted the installer again after its report'
    assert 'netboot.pxe: booting from the first local disk' in log, log[-3000:]
