# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which boot loader each client architecture gets, as data.

A loader kind (iPXE, PXELINUX, GRUB, shim + GRUB) is available for some
architectures; for each it names the boot file the firmware fetches, the files
that must be staged in the boot root (names of the bootloaders role's catalog)
and the configuration it reads. The server role picks a kind per architecture;
everything else (DHCP boot files, staging, configs) follows from this table.
Private to the collection.
"""

from __future__ import annotations

import collections

from ansible_collections.netboot.pxe.plugins.module_utils import _arch

Loader = collections.namedtuple('Loader', ['boot_file', 'files', 'config', 'signed', 'proxy_ok'])


def _loader(boot_file, files, config, signed=False, proxy_ok=True):
    return Loader(boot_file, tuple(files), config, signed, proxy_ok)


# config: which generated configuration the loader reads - 'ipxe' (boot.ipxe over
# HTTP), 'pxelinux' (pxelinux.cfg/), 'grub' (grub/grub.cfg).
# proxy_ok: GRUB 2.06 and shim ignore a proxyDHCP offer and fetch from the site
# DHCP server, so they cannot be used in proxy mode.
LOADERS = {
    'ipxe': {
        'bios': _loader('undionly.kpxe', ['undionly.kpxe'], 'ipxe'),
        'efi-x86_64': _loader('snponly.efi', ['snponly.efi'], 'ipxe'),
        'http-x86_64': _loader('snponly.efi', ['snponly.efi'], 'ipxe'),
    },
    'ipxe-full': {
        'bios': _loader('ipxe.pxe', ['ipxe.pxe'], 'ipxe'),
        'efi-x86_64': _loader('ipxe.efi', ['ipxe.efi'], 'ipxe'),
        'http-x86_64': _loader('ipxe.efi', ['ipxe.efi'], 'ipxe'),
    },
    'pxelinux': {
        'bios': _loader('pxelinux.0', ['pxelinux.0', 'ldlinux.c32', 'menu.c32', 'libutil.c32'], 'pxelinux'),
    },
    'grub': {
        'efi-x86_64': _loader('grubnetx64.efi', ['grubnetx64.efi'], 'grub', proxy_ok=False),
        'efi-arm64': _loader('arm64/grubnetaa64.efi', ['arm64/grubnetaa64.efi'], 'grub', proxy_ok=False),
    },
    'shim': {
        'efi-x86_64': _loader('shimx64.efi', ['shimx64.efi', 'grubx64.efi'], 'grub', signed=True, proxy_ok=False),
        'efi-arm64': _loader('arm64/shimaa64.efi', ['arm64/shimaa64.efi', 'arm64/grubaa64.efi'], 'grub', signed=True,
                             proxy_ok=False),
    },
}

DEFAULTS = {'bios': 'ipxe', 'efi-x86_64': 'ipxe', 'http-x86_64': 'ipxe', 'efi-arm64': 'grub'}


class LoaderError(ValueError):
    """A loader choice that cannot work."""


def kinds():
    return sorted(LOADERS)


def choose(arch_names, choices=None, secure_boot=False, dhcp_mode='full',
           var='server_boot_loaders', arch_var='server_architectures', sb_var='server_secure_boot'):
    """Pick a loader for every architecture; return {arch: {kind, boot_file, files, config, signed}}.

    ``choices`` maps arch name -> loader kind and overrides DEFAULTS. With
    ``secure_boot`` every UEFI architecture must get a signed chain (shim): an
    explicit unsigned choice is an error, and the default becomes shim.
    """
    try:
        choices = _arch.check_keys(choices or {}, arch_names, var, arch_var)
    except _arch.ArchError as exc:
        raise LoaderError(str(exc))
    result = {}
    for name in arch_names:
        arch = _arch.by_name(name)
        kind = choices.get(arch.name)
        if secure_boot and arch.family == 'uefi':
            if kind and not _signed(kind, arch.name):
                raise LoaderError('%s: %s gets %r, which is not signed, while %s is true; use shim (or turn Secure Boot off)'
                                  % (var, arch.name, kind, sb_var))
            kind = kind or 'shim'
        kind = kind or DEFAULTS.get(arch.name)
        if kind is None:
            raise LoaderError('%s: no default loader for %r; choose one of %s for it' % (var, arch.name, ', '.join(kinds())))
        if kind not in LOADERS:
            raise LoaderError('%s: unknown loader %r for %s; known: %s' % (var, kind, arch.name, ', '.join(kinds())))
        loader = LOADERS[kind].get(arch.name)
        if loader is None:
            able = sorted(k for k, table in LOADERS.items() if arch.name in table)
            raise LoaderError('%s: loader %r has no build for %s; for %s use %s'
                              % (var, kind, arch.name, arch.name, ', '.join(able) or 'nothing: no loader supports it yet'))
        if dhcp_mode == 'proxy' and not loader.proxy_ok:
            raise LoaderError('%s: %s gets %r, but in proxyDHCP mode GRUB and shim take their files from the site DHCP server '
                              'instead of this one; give UEFI clients iPXE in proxy mode (%s: {%s: ipxe})'
                              % (var, arch.name, kind, var, arch.name))
        result[arch.name] = {'kind': kind, 'boot_file': loader.boot_file, 'files': list(loader.files),
                             'config': loader.config, 'signed': loader.signed}
    return result


def _signed(kind, arch_name):
    loader = LOADERS.get(kind, {}).get(arch_name)
    return bool(loader and loader.signed)


def staged_files(plan):
    """All files the chosen loaders need, without duplicates, in a stable order."""
    seen = []
    for name in sorted(plan):
        for item in plan[name]['files']:
            if item not in seen:
                seen.append(item)
    return seen


def configs(plan):
    """The generated configurations the chosen loaders read."""
    return sorted(set(entry['config'] for entry in plan.values()))
