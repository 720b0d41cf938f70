# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The whole PXE server as one validated plan: DHCP, loaders per architecture, entries, hosts.

The server role hands its variables to ``plan`` and renders what comes back;
the dnsmasq, bootloaders and http roles receive their parts of it. Errors name
the server role's variable. Private to the collection.
"""

from __future__ import annotations

import re

from ansible_collections.netboot.pxe.plugins.module_utils import _arch, _bootstr, _dnsmasq, _entries, _hosts, _loaders, _menu, _render

_X86 = ('x86', 'x86_64')
# Paths written unquoted into the dnsmasq and nginx configurations: no space, ";", "{" or quote can end the directive.
_CONFIG_PATH = re.compile(r'^/[A-Za-z0-9._/+@-]*$')
# Settings that go to the services only (checked here, before the first configuration is written).
_SERVICE_KEYS = ('http_port', 'boot_root', 'report_log')


class ServerError(ValueError):
    """A server setting that cannot work."""


def _boot_files(ctx_prefix, loaders, overrides, base_url):
    try:
        overrides = _arch.check_keys(overrides or {}, list(loaders), ctx_prefix + 'boot_files', ctx_prefix + 'architectures')
    except _arch.ArchError as exc:
        raise ServerError(str(exc))
    files = {}
    for name, loader in loaders.items():
        boot_file = overrides.get(name, loader['boot_file'])
        if _arch.by_name(name).transport == 'http' and '://' not in boot_file:
            boot_file = '%s/%s' % (base_url, boot_file)
        files[name] = boot_file
    return files


def _entry_arches(prefix, entries, items, served):
    x86 = [name for name in served if _arch.by_name(name).cpu in _X86]
    for index, entry in enumerate(entries):
        wanted = (items[index].get('architectures') if isinstance(items[index], dict) else None)
        if wanted is None:
            entry['architectures'] = x86
            continue
        if not isinstance(wanted, (list, tuple)):
            raise ServerError('%sentries[%d].architectures must be a list of architecture names' % (prefix, index))
        names = []
        for name in wanted:
            try:
                names.append(_arch.by_name(name).name)
            except _arch.ArchError as exc:
                raise ServerError('%sentries[%d].architectures: %s' % (prefix, index, exc))
        entry['architectures'] = names


def _defaults(prefix, entries, served, default, per_arch):
    by_name = dict((entry['name'], entry) for entry in entries)
    try:
        per_arch = _arch.check_keys(per_arch or {}, served, prefix + 'default_entries', prefix + 'architectures')
    except _arch.ArchError as exc:
        raise ServerError(str(exc))
    result = {}
    for name, entry_name in per_arch.items():
        if entry_name not in by_name:
            raise ServerError('%sdefault_entries: %s -> %r is not the name of an entry' % (prefix, name, entry_name))
    for name in served:
        chosen = per_arch.get(name)
        if chosen is None and default and name in by_name[default]['architectures']:
            chosen = default
        if chosen is not None and name not in by_name[chosen]['architectures']:
            raise ServerError('%sdefault_entries: entry %r is not built for %s (its architectures: %s)'
                              % (prefix, chosen, name, ', '.join(by_name[chosen]['architectures'])))
        result[name] = chosen
    if default and default not in result.values():
        raise ServerError('%sdefault_entry: entry %r is built for %s, none of which is in %sarchitectures'
                          % (prefix, default, ', '.join(by_name[default]['architectures']) or 'no architecture', prefix))
    return result


def site(plan_data, settings):
    """What the renderers (and the pxe_hosts module) need to write boot configurations."""
    dhcp = plan_data['dhcp']
    networks = ([dhcp['network']['cidr']] if dhcp.get('network') else []) + [relay['cidr'] for relay in dhcp['relay_networks']]
    bios = plan_data['loaders'].get('bios')
    chainload = None
    if settings.get('ipxe_chainload_bios_rom') and bios and bios['kind'] == 'ipxe':
        chainload = 'tftp://%s/%s' % (dhcp['server_address'], plan_data['boot_files']['bios'])
    return {
        'entries': plan_data['entries'],
        'menu': plan_data['menu'],
        'defaults': plan_data['defaults'],
        'configs': dict((name, loader['config']) for name, loader in plan_data['loaders'].items()),
        'base_url': settings.get('base_url', ''),
        'bios_chainload': chainload,
        'pxelinux_serial': _render.pxelinux_serial(settings.get('pxelinux_serial')),
        'networks': networks,
        'header': settings.get('header') or '',
    }


def _grub_cmdlines(prefix, entries, loaders):
    """An entry GRUB boots must have a command line GRUB can hand to the kernel unchanged (see _bootstr.grub_linux_words)."""
    for index, entry in enumerate(entries):
        grub = [name for name in entry['architectures'] if loaders.get(name, {}).get('config') == 'grub']
        if not grub or not entry['cmdline']:
            continue
        try:
            _bootstr.grub_linux_words(entry['cmdline'], '%sentries[%d].cmdline' % (prefix, index))
        except _bootstr.BootStringError as exc:
            raise ServerError('%s (GRUB boots this entry on %s)' % (exc, ', '.join(grub)))


def _chain_loaders(prefix, entries, defaults, loaders):
    """A chain entry (iPXE script URL) can only be booted by iPXE; refuse it as the default where PXELINUX or GRUB would get it."""
    chains = set(entry['name'] for entry in entries if entry['kind'] == 'chain')
    for name, entry_name in sorted(defaults.items()):
        if entry_name in chains and loaders[name]['config'] != 'ipxe':
            raise ServerError('%sdefault_entries: entry %r chains an iPXE script, but %s clients boot %s, which cannot; '
                              'give %s another default entry or an iPXE loader in %sboot_loaders'
                              % (prefix, entry_name, name, loaders[name]['kind'], name, prefix))


def _service_settings(prefix, settings):
    """The HTTP port and the paths the dnsmasq and http roles write into their configurations, checked up front.

    The dnsmasq configuration is written (and dnsmasq restarted) before the http role runs, so a value only nginx
    would refuse must be refused here, or the run stops with the two services disagreeing.
    """
    port = settings.get('http_port')
    if port is not None and (isinstance(port, bool) or not re.match(r'^\d{1,5}$', str(port)) or not 1 <= int(str(port)) <= 65535):
        raise ServerError('%shttp_port: must be a TCP port from 1 to 65535, got %r' % (prefix, port))
    for key in ('boot_root', 'report_log'):
        value = settings.get(key)
        if value is not None and (not isinstance(value, str) or not _CONFIG_PATH.match(value)):
            raise ServerError('%s%s: must be an absolute path of letters, digits and . _ / + @ - (it is written into the '
                              'dnsmasq and nginx configurations unquoted), got %r' % (prefix, key, value))


def plan(settings, prefix='server_'):
    """Validate the server settings and return the plan (plain data)."""
    settings = dict(settings or {})
    _service_settings(prefix, settings)
    try:
        _render.pxelinux_serial(settings.get('pxelinux_serial'), prefix + 'pxelinux_serial')
    except _render.RenderError as exc:
        raise ServerError(str(exc))
    served = settings.get('architectures') or []
    try:
        loaders = _loaders.choose(
            [_arch.by_name(n).name for n in served if isinstance(n, str) and n.strip().lower() in _arch.names()],
            settings.get('boot_loaders'), secure_boot=bool(settings.get('secure_boot')),
            dhcp_mode=settings.get('dhcp_mode', 'proxy'), var=prefix + 'boot_loaders', arch_var=prefix + 'architectures',
            sb_var=prefix + 'secure_boot')
    except _loaders.LoaderError as exc:
        raise ServerError(str(exc))
    base_url = settings.get('base_url', '')
    dhcp_settings = dict(settings)
    for key in ('boot_loaders', 'secure_boot', 'entries', 'default_entry', 'default_entries', 'base_url', 'menu',
                'pxelinux_serial', 'ipxe_chainload_bios_rom', 'header') + _SERVICE_KEYS:
        dhcp_settings.pop(key, None)
    dhcp_settings['boot_files'] = {}
    dhcp_settings['direct_architectures'] = sorted(name for name, loader in loaders.items() if loader['config'] != 'ipxe')
    # Hosts are checked (and written) per host by _hosts; dnsmasq reads them from its dhcp-hostsdir.
    dhcp_settings['hosts'] = []
    try:
        # Validates the architecture names first, so unknown names get the table's message.
        dhcp_settings['boot_files'] = _boot_files(prefix, loaders, settings.get('boot_files'), base_url)
        dhcp = _dnsmasq.plan(dhcp_settings, prefix=prefix)
    except _dnsmasq.PlanError as exc:
        raise ServerError(str(exc))
    items = settings.get('entries') or []
    try:
        entries = _entries.entries(items, default=settings.get('default_entry') or None, var=prefix + 'entries',
                                   default_var=prefix + 'default_entry')
    except _entries.EntryError as exc:
        raise ServerError(str(exc))
    served_names = [arch['name'] for arch in dhcp['architectures']]
    _entry_arches(prefix, entries, items, served_names)
    _grub_cmdlines(prefix, entries, loaders)
    defaults = _defaults(prefix, entries, served_names, settings.get('default_entry') or None, settings.get('default_entries'))
    _chain_loaders(prefix, entries, defaults, loaders)
    try:
        menu = _menu.validate(settings.get('menu'), [entry['name'] for entry in entries], var=prefix + 'menu')
    except _menu.MenuError as exc:
        raise ServerError(str(exc))
    result = {
        'dhcp': dhcp,
        'loaders': loaders,
        'stage': _loaders.staged_files(loaders),
        'configs': _loaders.configs(loaders),
        'entries': entries,
        'menu': menu,
        'defaults': defaults,
        'boot_files': dict((arch['name'], arch['boot_file']) for arch in dhcp['architectures']),
        'direct_architectures': dhcp_settings['direct_architectures'],
        'secure_boot': bool(settings.get('secure_boot')),
    }
    result['site'] = site(result, settings)
    try:
        result['hosts'] = _hosts.validate(settings.get('hosts'), result['site'], var=prefix + 'hosts')
    except _hosts.HostError as exc:
        raise ServerError(str(exc))
    return result
