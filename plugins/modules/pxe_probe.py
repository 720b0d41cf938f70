#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
module: pxe_probe
author: netboot.pxe contributors (@netboot-pxe)
version_added: 0.1.0
short_description: The PXE doctor - act as a PXE client and report what a real machine would get
description:
  - Run on any host on a PXE LAN (the PXE server itself included), it sends a DHCPDISCOVER on O(interface) the way PXE,
    UEFI HTTP boot or iPXE firmware does - chosen MAC, option 93 architecture (O(arch), by the collection's canonical
    names), option 60 vendor class (O(vendor_class)) and option 77 user class (O(user_class)) - and collects every
    reply for O(timeout) seconds, proxyDHCP offers included.
  - Each reply is decoded - server identifier, address, next server, boot file and options 43 (PXE sub-options),
    60, 66, 67 and 175 (iPXE). When a proxyDHCP server sends the client on to its boot server (port 4011), the module
    asks there too (O(follow_proxy)), like the firmware does.
  - From the replies it works out what the client would boot (RV(probes[].boot)), optionally downloads that file by
    TFTP (with C(blksize)/C(tsize) negotiation) or HTTP (O(fetch)) and checks it against the server's C(SHA256SUMS)
    manifest (O(manifest_url)), as written by the C(netboot.pxe.bootloaders) role.
  - More than one server handing out addresses (or one not in O(allowed_dhcp_servers)) is reported as a rogue DHCP
    server, with a warning, or a failure with O(fail_on_rogue).
  - With O(expect) or O(expect_boot_file) the task fails, with a message naming the architecture, when a client would
    not get the expected boot file.
  - It changes nothing on the host (RV(changed) is always false) and runs fully in check mode. With O(request) it takes
    a lease from the server that offered the address, and gives it back afterwards (O(release)).
  - Pure Python (standard library sockets); nothing to install on the managed host. Needs root (C(become)) to bind
    UDP port 68 on O(interface).
  - The probe cannot run where a DHCP client daemon holds UDP port 68 for all interfaces (C(dhclient), C(dhcpcd));
    the module detects that and fails saying so. A PXE server with a static address (C(dnsmasq) binds only port 67)
    can probe itself - broadcasts the host sends are delivered to its own C(dnsmasq) too.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - Linux only (C(SO_BINDTODEVICE)).
  - Following a proxyDHCP server to its boot server (port 4011) needs an IPv4 address on O(interface), which the
    module uses as the client address, since the boot server answers by unicast.
  - Every architecture is probed in turn, so a run takes about O(timeout) seconds per architecture.
options:
  interface:
    description: The interface on the PXE LAN to send from and listen on.
    type: str
    required: true
  mac:
    description:
      - Client MAC address (hardware address in the DHCP packets); the interface's own MAC is not used.
      - Default is a random locally administered address, so no reservation matches; give a reserved host's MAC to see
        what that host gets.
    type: str
  arch:
    description:
      - Client architectures to probe, by canonical name (C(bios), C(efi-x86_64), C(efi-arm64), C(http-x86_64), ... -
        the collection's architecture table) or by option 93 code (C(9) to send the other x86-64 UEFI code).
      - A name sends its first code (C(efi-x86_64) sends 7).
      - Architectures named in O(expect) are probed too. Default C([bios]) when neither is given.
    type: list
    elements: str
  vendor_class:
    description:
      - Option 60. V(auto) sends C(HTTPClient:Arch:NNNNN:UNDI:003000) for HTTP boot architectures and
        C(PXEClient:Arch:NNNNN:UNDI:002001) for the others; V(PXEClient) and V(HTTPClient) force that form;
        V(none) sends no option 60; any other value is sent as it is.
    type: str
    default: auto
  user_class:
    description:
      - Option 77. V(iPXE) probes as iPXE does after it was chainloaded (user class C(iPXE) plus its option 175 feature
        list); V(none) as firmware does.
    type: str
    choices: [none, iPXE]
    default: none
  request:
    description:
      - After the offers, send a DHCPREQUEST for the offered address to the server that offered it and report its
        answer (RV(probes[].ack)); the boot file of the ACK then counts.
    type: bool
    default: false
  release:
    description: With O(request), give the lease back (DHCPRELEASE) at the end.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to collect DHCP replies for, per architecture (and to wait for an ACK).
      - Keep it above 4 for a dnsmasq that ICMP-checks new addresses (C(server_dhcp_ping=true), stock dnsmasq's default), which delays
        the offer to a new client by about 4 seconds.
    type: float
    default: 5
  follow_proxy:
    description:
      - When a proxyDHCP offer sends the client on to a boot server (port 4011), ask it with a DHCPREQUEST (with the
        first boot menu item for BIOS clients), as PXE firmware does. Needs an IPv4 address on O(interface).
    type: bool
    default: true
  fetch:
    description:
      - Download the boot file the client would boot. V(auto) uses HTTP for a URL and TFTP for a file name,
        V(tftp) and V(http) force the protocol (V(http) fetches a file name from C(http://NEXT-SERVER/FILE)),
        V(none) downloads nothing.
    type: str
    choices: [none, auto, tftp, http]
    default: none
  blksize:
    description: TFTP block size to ask for (RFC 2348); V(0) asks for no options (plain 512-byte RFC 1350 transfer).
    type: int
    default: 1468
  fetch_timeout:
    description: Seconds to wait for each TFTP packet or for the HTTP server.
    type: float
    default: 5
  manifest_url:
    description:
      - Checksum manifest (C(sha256sum) output) the downloaded boot file must match.
      - V(auto) takes C(SHA256SUMS) at the root of the server the file came from, by the same protocol (where the
        C(netboot.pxe.bootloaders) role writes it); a file the manifest does not list is then reported, not failed
        (the iPXE boot script is not in it).
      - An C(http://), C(https://) or C(tftp://HOST/PATH) URL names the manifest; the file must then be listed.
      - V(none) skips the check. Used only with O(fetch).
    type: str
    default: auto
  expect:
    description:
      - Expected boot file per architecture (name or code as in O(arch)); the task fails when a client of that
        architecture would get another boot file or none. Compared with the boot file name (or URL) as offered.
    type: dict
  expect_boot_file:
    description: Expected boot file for every probed architecture (like O(expect)).
    type: str
  allowed_dhcp_servers:
    description:
      - Server identifiers (addresses) allowed to hand out addresses. Any other server that offers an address is a rogue
        DHCP server. Without it, more than one address-giving server is reported as rogue.
    type: list
    elements: str
    default: []
  fail_on_rogue:
    description: Fail (instead of warning) when a rogue DHCP server answered.
    type: bool
    default: false
seealso:
  - name: PXE specification 2.1
    description: Option 43 sub-options and boot server discovery (port 4011).
    link: https://web.archive.org/web/2011/http://download.intel.com/design/archives/wfm/downloads/pxespec.pdf
'''

EXAMPLES = r'''
- name: What does a UEFI machine get on this LAN?
  netboot.pxe.pxe_probe:
    interface: eth0
    arch: [efi-x86_64]
  become: true
  register: probe

- name: The PXE server checks itself - boot file per architecture, downloaded and checked against SHA256SUMS
  netboot.pxe.pxe_probe:
    interface: pxe0
    expect:
      bios: undionly.kpxe
      efi-x86_64: snponly.efi
      "9": snponly.efi
    fetch: auto
  become: true

- name: iPXE gets the boot script, UEFI HTTP boot a URL
  netboot.pxe.pxe_probe:
    interface: eth0
    user_class: iPXE
    expect_boot_file: http://10.77.0.1/boot.ipxe
  become: true

- name: Fail when a DHCP server other than the site's hands out addresses
  netboot.pxe.pxe_probe:
    interface: eth0
    allowed_dhcp_servers: [10.77.0.2]
    fail_on_rogue: true
  become: true
'''

RETURN = r'''
changed:
  description: Always false; probing changes nothing.
  returned: always
  type: bool
mac:
  description: The client MAC the probe used.
  returned: always
  type: str
  sample: 02:5b:1e:1f:60:88
interface_address:
  description: The IPv4 address of O(interface) (the client address for port 4011), null when it has none.
  returned: always
  type: str
probes:
  description: One result per probed architecture.
  returned: always
  type: list
  elements: dict
  contains:
    arch:
      description: Canonical architecture name.
      type: str
      sample: efi-x86_64
    arch_code:
      description: The option 93 code sent.
      type: int
      sample: 7
    vendor_class:
      description: The option 60 sent (null for none).
      type: str
    user_class:
      description: The option 77 sent (null for none).
      type: str
    offers:
      description:
        - Every reply to the DHCPDISCOVER, decoded - C(msg_type), C(src), C(src_port), C(server_id), C(address)
          (null for proxyDHCP), C(next_server), C(server_name), C(file), C(boot_file) (option 67, else the file field),
          C(proxy), C(subnet_mask), C(router), C(lease_time), C(option_43) (decoded PXE sub-options), C(option_43_raw),
          C(option_60), C(option_66), C(option_67), C(option_175) (decoded iPXE sub-options), C(option_175_raw) and
          C(options) (the option codes present).
      type: list
      elements: dict
    ack:
      description: The answer to the DHCPREQUEST (O(request)), decoded like an offer.
      type: dict
    boot_server:
      description: The boot server's (port 4011) answer, decoded like an offer, when a proxyDHCP offer was followed.
      type: dict
    boot_server_note:
      description: Why a proxyDHCP offer was not followed to its boot server, if it was not.
      type: str
    boot:
      description:
        - What the client would boot - C(boot_file), C(next_server) (where a file name is fetched from), C(server)
          (who said so) and C(source) (C(dhcp), C(proxy) or C(boot-server)). Null when no reply carried a boot file.
      type: dict
    fetch:
      description:
        - The download (O(fetch)) - C(protocol), C(url), C(size), C(sha256), C(blksize) and C(tsize) (TFTP),
          C(status) (HTTP), C(manifest_url), C(manifest_sha256) and C(verified) (true, or null when the manifest
          does not list the file or was not checked), C(note).
      type: dict
    expected_boot_file:
      description: The expected boot file (O(expect), O(expect_boot_file)).
      type: str
    ok:
      description: Whether the boot file is the expected one (null without an expectation).
      type: bool
dhcp_servers:
  description: Servers that offered an address (server identifier, else the source address).
  returned: always
  type: list
  elements: str
proxy_servers:
  description: Servers that sent proxyDHCP offers (boot information without an address).
  returned: always
  type: list
  elements: str
rogue_dhcp:
  description: Whether a rogue DHCP server answered (see O(allowed_dhcp_servers)).
  returned: always
  type: bool
rogue_servers:
  description: The rogue servers.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.netboot.pxe.plugins.module_utils import _probe


def main():
    module = AnsibleModule(
        argument_spec=dict(
            interface=dict(type='str', required=True),
            mac=dict(type='str'),
            arch=dict(type='list', elements='str'),
            vendor_class=dict(type='str', default='auto'),
            user_class=dict(type='str', default='none', choices=['none', 'iPXE']),
            request=dict(type='bool', default=False),
            release=dict(type='bool', default=True),
            timeout=dict(type='float', default=5),
            follow_proxy=dict(type='bool', default=True),
            fetch=dict(type='str', default='none', choices=['none', 'auto', 'tftp', 'http']),
            blksize=dict(type='int', default=1468),
            fetch_timeout=dict(type='float', default=5),
            manifest_url=dict(type='str', default='auto'),
            expect=dict(type='dict'),
            expect_boot_file=dict(type='str'),
            allowed_dhcp_servers=dict(type='list', elements='str', default=[]),
            fail_on_rogue=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    try:
        result, failures = _probe.probe(module.params, warn=module.warn)
    except _probe.ProbeError as exc:
        module.fail_json(msg=str(exc), changed=False, mac=getattr(exc, 'mac', None))
    if failures:
        module.fail_json(msg='; '.join(failures), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
