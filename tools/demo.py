# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The demo lab: a PXE server configured by playbooks/pxe_server.yml, and real firmware booting from it.

Builds the lab (a Debian 12 systemd container as the server, an isolated PXE LAN),
runs the playbook against it, boots one QEMU client per chosen path, prints what
each firmware got from DHCP and the marker its initramfs printed, then removes
everything it started.
"""

from __future__ import annotations

import argparse
import collections
import pathlib
import re
import secrets
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / 'tests'), str(REPO / 'tests' / 'e2e')]

from harness import assets, qemu  # noqa: E402  pylint: disable=wrong-import-position
from lab import netlab  # noqa: E402  pylint: disable=wrong-import-position
import server  # noqa: E402  pylint: disable=wrong-import-position

LAB = netlab.Lab(name='demo', mgmt_octet=217)

REMOTE = {'network': netlab.REMOTE_NET + '.0/24', 'router': netlab.ROUTER_REMOTE_IP, 'pool_offset': 99, 'pool_size': 100}

# Demo path -> how to show it: QEMU firmware row, tap, MAC, description, server variables, lab extra.
PATHS = collections.OrderedDict([
    ('bios', ('bios', 'tap0', '52:54:00:de:00:01', 'SeaBIOS, NIC ROM is iPXE -> HTTP script', {}, None)),
    ('bios-undionly', ('bios', 'tap1', '52:54:00:de:00:02', 'SeaBIOS -> undionly.kpxe (TFTP) -> HTTP script',
                       {'server_ipxe_chainload_bios_rom': True}, None)),
    ('uefi', ('uefi', 'tap2', '52:54:00:de:00:03', 'OVMF own PXE -> snponly.efi (TFTP) -> HTTP script', {}, None)),
    ('bios-pxelinux', ('bios', 'tap0', '52:54:00:de:00:04', 'SeaBIOS -> pxelinux.0 -> pxelinux.cfg/default (TFTP)',
                       {'server_boot_loaders': {'bios': 'pxelinux'}, 'server_pxelinux_serial': '0 115200'}, None)),
    ('uefi-grub', ('uefi', 'tap1', '52:54:00:de:00:05', 'OVMF -> grubnetx64.efi -> grub/grub.cfg (TFTP)',
                   {'server_boot_loaders': {'efi-x86_64': 'grub'}}, None)),
    ('uefi-secureboot', ('uefi-secureboot', 'tap2', '52:54:00:de:00:06', 'OVMF Secure Boot -> shimx64.efi -> signed GRUB -> signed kernel',
                         {'server_secure_boot': True}, None)),
    ('arm64', ('arm64', 'tap3', '52:54:00:de:00:07', 'AAVMF (arm64) -> grubnetaa64.efi -> arm64 kernel',
               {'server_architectures': ['bios', 'efi-x86_64', 'efi-arm64'], 'server_default_entries': {'efi-arm64': 'e2e-arm64'}},
               'arm64')),
    ('uefi-http', ('uefi', 'tap0', '52:54:00:de:00:08', 'OVMF HTTP boot (after PXE finds nothing) -> snponly.efi URL',
                   {'server_architectures': ['bios', 'http-x86_64']}, None)),
    ('proxy-bios', ('bios', 'tap1', '52:54:00:de:00:09', 'proxyDHCP beside a site DHCP server: SeaBIOS iPXE ROM',
                    {'server_dhcp_mode': 'proxy', 'server_allow_full_dhcp': False}, 'site')),
    ('proxy-uefi', ('uefi', 'tap2', '52:54:00:de:00:0a', 'proxyDHCP beside a site DHCP server: OVMF -> snponly.efi via port 4011',
                    {'server_dhcp_mode': 'proxy', 'server_allow_full_dhcp': False}, 'site')),
    ('tftpd-hpa', ('bios', 'tap3', '52:54:00:de:00:0b', 'tftpd-hpa serves pxelinux.0 (dnsmasq only does DHCP)',
                   {'server_tftp_server': 'tftpd-hpa', 'server_boot_loaders': {'bios': 'pxelinux'}}, None)),
    ('relay-bios', ('bios', 'rtap0', '52:54:00:de:00:0c', 'SeaBIOS on 10.78.0.0/24 behind a DHCP relay',
                    {'server_relay_networks': [REMOTE]}, 'relay')),
])
# The menu paths sit at the menu until its timeout (no one presses a key) and then boot its default.
DEMO_MENU = {'title': 'netboot.pxe demo menu', 'timeout': 3,
             'items': ['e2e', {'text': 'Tools'}, {'menu': 'More', 'items': ['e2e-other']}, 'local']}
PATHS.update([
    ('menu', ('bios', 'tap0', '52:54:00:de:00:0d', 'SeaBIOS iPXE: boot.ipxe menu, default after 3 s', {'server_menu': DEMO_MENU}, 'menu')),
    ('menu-grub', ('uefi', 'tap1', '52:54:00:de:00:0e', 'OVMF -> grubnetx64.efi: grub.cfg menu, default after 3 s',
                   {'server_menu': DEMO_MENU, 'server_boot_loaders': {'efi-x86_64': 'grub'}}, 'menu')),
    ('host', ('bios', 'tap2', '52:54:00:de:00:0f', 'SeaBIOS iPXE: a per-host assignment (pxe_hosts) beside the menu',
              {'server_menu': DEMO_MENU}, 'host')),
])
DEFAULT_PATHS = ['bios', 'uefi', 'menu', 'host']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--paths', default=','.join(DEFAULT_PATHS),
                        help='comma-separated boot paths to show, or all (%s)' % ', '.join(PATHS))
    parser.add_argument('--logs', default=str(REPO / 'tests' / 'output' / 'demo'), help='where logs go')
    args = parser.parse_args(argv)
    chosen = [p.strip() for p in args.paths.split(',') if p.strip()]
    if chosen == ['all']:
        chosen = list(PATHS)
    unknown = [p for p in chosen if p not in PATHS]
    if unknown:
        parser.error('unknown path(s) %s; choose from %s' % (', '.join(unknown), ', '.join(PATHS)))
    logs = pathlib.Path(args.logs).resolve()
    logs.mkdir(parents=True, exist_ok=True)

    print('netboot.pxe demo: preparing host packages, the server image and the boot content ...', flush=True)
    assets.ensure_host_packages()
    kernel, initrd = assets.kernel(), assets.initramfs()
    rows = []
    try:
        started = time.monotonic()
        inventory = netlab.up(LAB)
        print('lab up in %.0f s: server container %s (systemd), PXE LAN %s.0/24 on pxe0, inventory %s'
              % (time.monotonic() - started, LAB.container, netlab.PXE_NET, inventory), flush=True)
        pxe = server.PxeServer(LAB, inventory, kernel, initrd, logs / 'server')
        for path in chosen:
            firmware, tap, mac, description, extra, needs = PATHS[path]
            token = secrets.token_hex(6)
            started = time.monotonic()
            variables = pxe.variables(token, **extra)
            if needs in ('menu', 'host'):
                # The path's token goes to the entry this client must end up in: the menu default, or its own.
                other = secrets.token_hex(6)
                variables = pxe.variables(other if needs == 'host' else token, host_tokens={mac: token if needs == 'host' else other}, **extra)
                if needs == 'menu':
                    variables['server_hosts'] = []
                variables['server_entries'][1]['name'] = 'e2e-other'
                for host in variables['server_hosts']:
                    host['entry'] = 'e2e-other'
            if needs == 'arm64':
                assets.ensure_host_packages(arm64=True)
                variables['server_entries'].append(dict(
                    pxe.entry('e2e-arm64', token), kernel=str(assets.kernel('arm64')), initrd=str(assets.initramfs(arch='arm64')),
                    cmdline={'console': 'ttyAMA0', 'panic': -1, 'quiet': True, 'netboot_e2e_token': token}, architectures=['efi-arm64']))
            netlab.site_dhcp_down(LAB)
            netlab.relay_down(LAB)
            if needs == 'site':
                netlab.site_dhcp_up(LAB)
            elif needs == 'relay':
                netlab.relay_up(LAB)
            proc = pxe.apply(variables)
            recap = re.search(r'pxe-server\s+: (ok=\d+\s+changed=\d+)', proc.stdout)
            print('[%s] ansible-playbook playbooks/pxe_server.yml: %s (%.0f s)'
                  % (path, re.sub(r'\s+', ' ', recap.group(1)) if recap else 'done', time.monotonic() - started), flush=True)
            print('[%s] booting %s ...' % (path, description), flush=True)
            result = qemu.boot(firmware, netns=LAB.lan_ns, tap=tap, mac=mac, log_dir=logs / path, timeout=300, name=path)
            journal = pxe.ssh('journalctl -u netboot-pxe-dnsmasq --no-pager --since "-10min"')
            (logs / path / 'dnsmasq.log').write_text(journal)
            got = server.boot_files_by_mac(journal).get(mac, [])
            token_ok = result.ok and result.cmdline_params().get('netboot_e2e_token') == token
            rows.append((path, firmware, ' -> '.join(got) or '(none)', result, token_ok))
    finally:
        netlab.down(LAB)

    print()
    print('%-14s %-9s %-62s %7s  %s' % ('path', 'firmware', 'boot files (DHCP offers, TFTP downloads)', 'seconds', 'marker'))
    for path, firmware, got, result, token_ok in rows:
        seconds = '%.1f' % result.seconds if result.seconds is not None else '-'
        marker = result.marker if result.ok else 'NO MARKER (see %s)' % result.serial_log
        print('%-14s %-9s %-62s %7s  %s%s' % (path, firmware, got, seconds, marker, '' if token_ok or not result.ok else '  [token mismatch]'))
    print()
    print('logs: %s/<path>/ (serial console, QEMU command line, dnsmasq log); playbook output: %s/server/' % (logs, logs))
    print('nothing is left running: container, namespaces and bridge removed.')
    failed = [row[0] for row in rows if not row[4]]
    if failed:
        print('demo: FAILED for %s' % ', '.join(failed))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
