# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dnsmasq role's template, rendered from real plans, is accepted by dnsmasq itself."""
from __future__ import annotations

import pathlib
import shutil
import subprocess

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _dnsmasq

from render import defaults as role_defaults
from render import render as render_template

DNSMASQ = shutil.which('dnsmasq') or '/usr/sbin/dnsmasq'

COMMON = {
    'interface': 'pxe0', 'server_address': '10.77.0.1', 'network': '10.77.0.0/24',
    'architectures': ['bios', 'efi-x86_64', 'efi-arm64', 'http-x86_64'],
    'boot_files': {'bios': 'undionly.kpxe', 'efi-x86_64': 'snponly.efi', 'efi-arm64': 'arm64/snponly.efi',
                   'http-x86_64': 'http://10.77.0.1/ipxe.efi'},
    'ipxe_script_url': 'http://10.77.0.1/boot.ipxe',
    'hosts': [{'mac': '52:54:00:00:00:01', 'ip': '10.77.0.50'}],
}
MODES = {
    'full': dict(COMMON, dhcp_mode='full', allow_full_dhcp=True, pool_offset=99, pool_size=100, router='10.77.0.254'),
    'proxy': dict(COMMON, dhcp_mode='proxy'),
    'none': dict(COMMON, dhcp_mode='none', interface='', network=''),
}


def render(settings, **overrides):
    variables = role_defaults('dnsmasq')
    variables.update(overrides)
    variables['__dnsmasq_plan'] = _dnsmasq.plan(settings, prefix='dnsmasq_')
    return render_template('dnsmasq', 'dnsmasq.conf.j2', variables)


def lines(text):
    return [line for line in text.splitlines() if line and not line.startswith('#')]


def test_full_mode_lines():
    conf = lines(render(MODES['full']))
    assert 'dhcp-range=10.77.0.100,10.77.0.199,255.255.255.0,12h' in conf
    assert 'interface=pxe0' in conf and 'bind-interfaces' in conf and 'port=0' in conf
    assert 'dhcp-match=set:arch-efi-x86_64,option:client-arch,7' in conf
    assert 'dhcp-match=set:arch-efi-x86_64,option:client-arch,9' in conf
    assert 'dhcp-match=set:arch-efi-arm64,option:client-arch,11' in conf
    assert 'dhcp-boot=tag:arch-efi-arm64,tag:!ipxe,arm64/snponly.efi,10.77.0.1,10.77.0.1' in conf
    assert 'dhcp-option-force=tag:arch-http-x86_64,option:vendor-class,HTTPClient' in conf
    assert 'dhcp-option=option:router,10.77.0.254' in conf
    # Every iPXE-NBP line excludes iPXE clients; the script line excludes architectures booted directly.
    boots = [line for line in conf if line.startswith('dhcp-boot=')]
    assert 'dhcp-boot=tag:ipxe,tag:!ipxe-direct,http://10.77.0.1/boot.ipxe' in boots
    assert all('tag:!ipxe,' in line for line in boots if 'ipxe-direct' not in line)


def test_direct_architectures_send_ipxe_clients_the_boot_file():
    conf = lines(render(dict(MODES['full'], boot_files=dict(COMMON['boot_files'], bios='pxelinux.0'),
                             direct_architectures=['bios'])))
    assert 'dhcp-match=set:ipxe-direct,option:client-arch,0' in conf
    assert 'dhcp-boot=tag:arch-bios,pxelinux.0,10.77.0.1,10.77.0.1' in conf
    assert 'dhcp-boot=tag:arch-efi-x86_64,tag:!ipxe,snponly.efi,10.77.0.1,10.77.0.1' in conf


def test_proxy_mode_lines():
    conf = lines(render(MODES['proxy']))
    assert 'dhcp-range=10.77.0.0,proxy,255.255.255.0' in conf
    assert not any(line.startswith('dhcp-authoritative') for line in conf)
    assert 'pxe-service=tag:arch-efi-x86_64,tag:!ipxe,x86-64_EFI,"netboot.pxe efi-x86_64",snponly.efi,10.77.0.1' in conf
    assert 'pxe-service=tag:arch-efi-x86_64,tag:!ipxe,BC_EFI,"netboot.pxe efi-x86_64",snponly.efi,10.77.0.1' in conf
    assert 'pxe-service=tag:arch-efi-x86_64,tag:ipxe,x86-64_EFI,"netboot.pxe iPXE script",http://10.77.0.1/boot.ipxe,10.77.0.1' in conf
    assert 'pxe-service=tag:arch-bios,tag:!ipxe,x86PC,"netboot.pxe bios",undionly.kpxe,10.77.0.1' in conf


def test_none_mode_serves_tftp_only():
    conf = lines(render(MODES['none']))
    assert not any(line.startswith(('dhcp-range', 'dhcp-boot', 'pxe-service', 'interface=')) for line in conf)
    assert 'enable-tftp' in conf and 'tftp-secure' in conf


@pytest.mark.skipif(not pathlib.Path(DNSMASQ).exists(), reason='dnsmasq-base is not installed (make test installs it)')
@pytest.mark.parametrize('mode', sorted(MODES))
def test_dnsmasq_accepts_the_rendered_config(mode, tmp_path):
    conf = tmp_path / 'dnsmasq.conf'
    conf.write_text(render(MODES[mode], dnsmasq_config_dir=str(tmp_path), dnsmasq_enable_ra=True))
    (tmp_path / 'dhcp-hosts.d').mkdir()
    proc = subprocess.run([DNSMASQ, '--test', '--conf-file=%s' % conf], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr + conf.read_text()


@pytest.mark.skipif(not pathlib.Path(DNSMASQ).exists(), reason='dnsmasq-base is not installed (make test installs it)')
def test_dnsmasq_rejects_a_broken_extra_line(tmp_path):
    conf = tmp_path / 'dnsmasq.conf'
    settings = dict(MODES['full'], dnsmasq_extra_options=['dhcp-range=nonsense,proxy'])
    conf.write_text(render(settings, dnsmasq_config_dir=str(tmp_path)))
    (tmp_path / 'dhcp-hosts.d').mkdir()
    proc = subprocess.run([DNSMASQ, '--test', '--conf-file=%s' % conf], capture_output=True, text=True, check=False)
    assert proc.returncode != 0


def test_tftp_max_is_raised_above_dnsmasqs_default():
    assert 'tftp-max=512' in lines(render(MODES['none']))
    assert 'tftp-max=64' in lines(render(MODES['none'], dnsmasq_tftp_max=64))


def test_unit_file_descriptors_follow_tftp_max():
    variables = role_defaults('dnsmasq')
    assert 'LimitNOFILE=4096' in render_template('dnsmasq', 'dnsmasq.service.j2', variables)
    variables['dnsmasq_tftp_max'] = 4000
    assert 'LimitNOFILE=8256' in render_template('dnsmasq', 'dnsmasq.service.j2', variables)


def test_lease_defaults_keep_a_lease_file_and_lift_the_lease_limit():
    conf = lines(render(MODES['full']))
    assert 'dhcp-leasefile=/var/lib/misc/netboot-pxe-dnsmasq.leases' in conf
    assert 'dhcp-lease-max=254' in conf
    # No ICMP check by default: dnsmasq would go deaf up to 3 s per new client.
    assert 'no-ping' in conf
    assert not {'leasefile-ro', 'quiet-dhcp'} & set(conf)
    assert 'no-ping' not in lines(render(MODES['full'], dnsmasq_dhcp_ping=True))
    assert not any(line.startswith('dhcp-lease-max') for line in lines(render(MODES['proxy'])))


def test_boot_storm_knobs():
    conf = lines(render(dict(MODES['full'], lease_file='', lease_max=20000), dnsmasq_quiet_dhcp=True))
    assert {'leasefile-ro', 'quiet-dhcp', 'no-ping', 'dhcp-lease-max=20000'} <= set(conf)
    assert not any(line.startswith('dhcp-leasefile') for line in conf)


@pytest.mark.skipif(not pathlib.Path(DNSMASQ).exists(), reason='dnsmasq-base is not installed (make test installs it)')
@pytest.mark.parametrize('lease_file', ['', '/run/netboot-pxe.leases'])
def test_dnsmasq_accepts_the_boot_storm_config(lease_file, tmp_path):
    conf = tmp_path / 'dnsmasq.conf'
    conf.write_text(render(dict(MODES['full'], lease_file=lease_file, network='10.77.0.0/16', pool_size=60000),
                           dnsmasq_config_dir=str(tmp_path), dnsmasq_dhcp_ping=False, dnsmasq_quiet_dhcp=True))
    (tmp_path / 'dhcp-hosts.d').mkdir()
    proc = subprocess.run([DNSMASQ, '--test', '--conf-file=%s' % conf], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr + conf.read_text()
    assert 'dhcp-lease-max=65534' in conf.read_text()
