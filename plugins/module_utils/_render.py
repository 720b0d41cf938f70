# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the boot configurations: iPXE scripts, PXELINUX and GRUB configs.

Every function takes a *site* (the part of the server plan the loaders need,
see ``_server.site``) and optionally one *host* (a per-MAC assignment) and
returns the file's text. The server role and the pxe_hosts module both write
what these return, so the default menu and per-host files never disagree.

Local boot follows what works on real firmware: iPXE on UEFI leaves with
``exit 1`` (some firmware treats ``exit 0`` as "boot succeeded" and stops),
iPXE on BIOS boots the first disk with ``sanboot``, PXELINUX uses
``LOCALBOOT 0`` and GRUB on UEFI chainloads the disk's EFI loader.
Private to the collection.
"""

from __future__ import annotations

import re

from ansible_collections.netboot.pxe.plugins.module_utils import _arch, _bootstr, _menu

# GRUB's $grub_cpu and the removable-media loader name for each CPU of the architecture table.
GRUB_CPU = {'x86_64': 'x86_64', 'x86': 'i386', 'aarch64': 'arm64', 'arm': 'arm', 'riscv64': 'riscv64',
            'loongarch64': 'loongarch64'}
_EFI_FALLBACK = {'x86_64': 'BOOTX64.EFI', 'i386': 'BOOTIA32.EFI', 'arm64': 'BOOTAA64.EFI', 'arm': 'BOOTARM.EFI',
                 'riscv64': 'BOOTRISCV64.EFI', 'loongarch64': 'BOOTLOONGARCH64.EFI'}
# EFI loaders GRUB looks for on local disks, in order, after the removable-media path.
_EFI_INSTALLED = {'x86_64': ['/EFI/debian/shimx64.efi', '/EFI/ubuntu/shimx64.efi', '/EFI/fedora/shimx64.efi',
                             '/EFI/redhat/shimx64.efi', '/EFI/rocky/shimx64.efi', '/EFI/almalinux/shimx64.efi',
                             '/EFI/opensuse/shim.efi', '/EFI/Microsoft/Boot/bootmgfw.efi'],
                  'arm64': ['/EFI/debian/shimaa64.efi', '/EFI/ubuntu/shimaa64.efi', '/EFI/fedora/shimaa64.efi']}
# iPXE ${platform} and ${buildarch} per CPU.
_IPXE_BUILDARCH = {'x86_64': 'x86_64', 'x86': 'i386', 'aarch64': 'arm64', 'arm': 'arm32', 'riscv64': 'riscv64',
                   'loongarch64': 'loong64'}


class RenderError(ValueError):
    """A configuration that cannot be rendered."""


# PXELINUX's SERIAL directive: port [baud [flow control]], numbers only.
_SERIAL = re.compile(r'[0-9]{1,10}(?: [0-9]{1,10}){0,2}')
_COMMENT_CONTROL = re.compile(r'[\x00-\x1f\x7f]')
_COMMENT_END = re.compile(r'[\s\\]+\Z')
_LINE_BREAK = re.compile(r'[\x00-\x1f\x7f\x85\u2028\u2029]')
# Labels of PXELINUX entries the renderer makes itself; entries get "entry-<name>", so no entry name can
# collide with one of these (PXELINUX finds a label by name among all the file's labels).
PXELINUX_LOCAL = 'netboot-local'
PXELINUX_BACK = 'netboot-back'
PXELINUX_TEXT = 'netboot-text'


def pxelinux_serial(value, var='pxelinux_serial'):
    """Check a PXELINUX SERIAL setting (``port [baud [flow]]``, digits); return it as text ('' for none)."""
    if value is None or value == '':
        return ''
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not _SERIAL.fullmatch(str(value)):
        raise RenderError('%s must be "port [baud [flow]]" in numbers separated by single spaces, such as "0 115200" '
                          '(it is written as PXELINUX\'s SERIAL line), got %r' % (var, value))
    return str(value)


def _comment_lines(text):
    """Lines of a free-text comment: split at every line break, control characters blanked, no trailing backslash.

    A backslash at the end of an iPXE line joins the next line to it, comment or not (src/image/script.c).
    """
    lines = []
    for line in text.splitlines():
        line = _COMMENT_END.sub('', _COMMENT_CONTROL.sub(' ', line))
        if line:
            lines.append(line)
    return lines


def _header(site, host, comment='#'):
    lines = ['%s %s' % (comment, line) for line in _comment_lines(site.get('header') or '')]
    if host:
        what = ('local boot' if host.get('entry') == _menu.LOCAL else 'entry %s' % host['entry']) if host.get('entry') else 'the menu'
        if host.get('menu') and host.get('entry'):
            what = 'the menu, default %s' % ('local boot' if host['entry'] == _menu.LOCAL else host['entry'])
        lines.append('%s Host %s: %s.' % (comment, host_who(host), what))
    return lines


def host_who(host):
    """"<mac> (<hostname>)" for a comment line: line breaks and control characters in the name made spaces."""
    name = host.get('hostname')
    if not name:
        return host['mac']
    return '%s (%s)' % (host['mac'], _LINE_BREAK.sub(' ', name))


def _group_arches(site, config):
    """Architectures whose loader reads ``config``, grouped by what the loader can tell apart at run time."""
    groups = {}
    for name in sorted(site['configs']):
        if site['configs'][name] != config:
            continue
        arch = _arch.by_name(name)
        if config == 'ipxe':
            key = 'pcbios' if arch.family == 'bios' else 'efi-%s' % _IPXE_BUILDARCH.get(arch.cpu, arch.cpu)
        elif config == 'grub':
            key = GRUB_CPU.get(arch.cpu, arch.cpu)
        else:
            key = 'bios'
        groups.setdefault(key, []).append(name)
    return groups


def _available(site, arches, config):
    names = set()
    for entry in site['entries']:
        if entry.get('chain') and config != 'ipxe':
            continue
        if set(entry['architectures']) & set(arches):
            names.add(entry['name'])
    return names


def _menu_for(site, host, arches, config):
    """The projected items, timeout and default target for one group of architectures."""
    menu = site['menu']
    available = _available(site, arches, config)
    if host and host.get('entry') and not host.get('menu'):
        if host['entry'] == _menu.LOCAL:
            return [{'type': _menu.LOCAL, 'title': _menu.LOCAL_TITLE, 'key': None}], 0, (_menu.LOCAL, ())
        entry = host['entry']
        if entry not in available:
            return [], 0, (None, ())
        return [{'type': 'entry', 'name': entry, 'title': None, 'key': None}], 0, (entry, ())
    items = _menu.project(menu['items'], available)
    wanted = [host.get('entry') if host else None] + [site['defaults'].get(name) for name in arches] + [menu['default']]
    explicit = [name for name in wanted if name]
    target = _menu.choose_default(items, explicit) if explicit else (None, ())
    if target[0] is None or target[0] not in dict(_menu.targets(items)):
        target = (None, ())
    if menu['timeout'] == 0:
        # No menu: the default boots at once; without one, the machine boots from its disk.
        if target[0] is None:
            return [{'type': _menu.LOCAL, 'title': _menu.LOCAL_TITLE, 'key': None}], 0, (_menu.LOCAL, ())
        return items, 0, target
    if target[0] is None:
        target = _menu.choose_default(items, [_menu.LOCAL])
    return items, menu['timeout'], target


def _entries_by_name(site):
    return dict((entry['name'], entry) for entry in site['entries'])


def _cmdline(entry, host):
    extra = (host or {}).get('cmdline') or ''
    return ' '.join(part for part in (entry['cmdline'], extra) if part)


def _cmdline_what(entry, host):
    if host and host.get('cmdline'):
        return 'entry %r with the cmdline of host %s' % (entry['name'], host['mac'])
    return 'entry %r cmdline' % entry['name']


def _title(entry_item, entries):
    return entry_item.get('title') or entries[entry_item['name']]['title']


# iPXE ---------------------------------------------------------------------------------------------------

def _ipxe_item_label(item, group, path):
    if item['type'] == 'entry':
        return 'entry-%s' % item['name']
    if item['type'] == _menu.LOCAL:
        return 'local-%s' % ('pcbios' if group == 'pcbios' else 'efi')
    return 'menu-%s%s' % (group, ''.join('-%d' % index for index in path))


def _ipxe_menu(lines, group, title, items, timeout, target, path, entries, parent):
    label = 'menu-%s%s' % (group, ''.join('-%d' % index for index in path))
    lines.append(':%s' % label)
    # "--": iPXE's getopt reads a first word starting with "-" as an option (a title "-= Lab =-").
    lines.append('menu -- %s' % title)
    default_label = None
    for index, item in enumerate(items):
        if item['type'] == 'text':
            lines.append('item --gap -- %s' % item['title'])
            continue
        item_label = _ipxe_item_label(item, group, path + (index,))
        key = ('--key %s ' % item['key']) if item.get('key') else ''
        if item['type'] == 'entry':
            text = _title(item, entries)
        elif item['type'] == 'menu':
            text = '%s >' % item['title']
        else:
            text = item['title']
        lines.append('item %s%s %s' % (key, item_label, text))
        on_path = (item['type'] == 'menu' and target[1][:len(path) + 1] == path + (index,))
        if on_path or (item['type'] != 'menu' and target[1] == path and _target_name(item) == target[0]):
            default_label = item_label
    if parent:
        lines.append('item --key 0 %s < Back' % parent)
    timing = ('--timeout %d --default %s ' % (timeout * 1000, default_label)) if default_label else ''
    lines.append('choose %snetboot_target || goto %s' % (timing, parent or 'failed'))
    lines.append('goto ${netboot_target}')
    for index, item in enumerate(items):
        if item['type'] == 'menu':
            lines.append('')
            _ipxe_menu(lines, group, item['title'], item['items'], timeout, target, path + (index,), entries, label)


def _target_name(item):
    return _menu.LOCAL if item['type'] == _menu.LOCAL else item.get('name')


def _ipxe_entry(lines, entry, host):
    lines.append(':entry-%s' % entry['name'])
    lines.append('echo netboot.pxe: %s' % entry['title'])
    if entry.get('chain'):
        lines.append('chain --autofree %s || goto failed' % entry['chain'])
        return
    cmdline = _cmdline(entry, host)
    initrd_args = ''.join(' initrd=%s' % name for name in entry['initrds'])
    lines.append('kernel ${base}/%s/%s%s%s || goto failed' % (entry['dir'], entry['kernel'], initrd_args,
                                                              (' ' + cmdline) if cmdline else ''))
    for name in entry['initrds']:
        lines.append('initrd ${base}/%s/%s || goto failed' % (entry['dir'], name))
    lines.append('boot || goto failed')


def ipxe(site, host=None):
    """The iPXE script: boot.ipxe for everyone (``host`` None) or hosts/<mac>.ipxe for one host."""
    entries = _entries_by_name(site)
    groups = _group_arches(site, 'ipxe')
    lines = ['#!ipxe'] + _header(site, host)
    lines.append('set base %s' % site['base_url'])
    if host is None:
        # netX: the network device iPXE opened last, the one it booted from (net0 is only the first NIC).
        lines.append('echo netboot.pxe: iPXE ${version} on ${netX/chip} (${platform}/${buildarch}) mac ${netX/mac} ip ${netX/ip}')
        if site.get('bios_chainload') and 'pcbios' in groups:
            lines += ['# A BIOS NIC whose option ROM is an iPXE of its own chainloads this server\'s',
                      '# BIOS boot file first, so every BIOS client runs the same iPXE build.',
                      'iseq ${platform} pcbios || goto netboot_host',
                      'iseq ${netX/chip} undionly || chain %s || goto failed' % site['bios_chainload']]
        lines += [':netboot_host',
                  '# A host with an assignment of its own has a script named after its MAC. --replace: that',
                  '# script takes this one\'s place, so when it fails (say local boot finds no disk) it returns',
                  '# to the firmware instead of falling through to the menu and its default entry.',
                  'chain --replace --autofree ${base}/hosts/${netX/mac:hexhyp}.ipxe || goto netboot_menu']
    lines.append(':netboot_menu')
    if 'pcbios' in groups:
        lines.append('iseq ${platform} pcbios && goto menu-pcbios || goto netboot_by_arch')
        lines.append(':netboot_by_arch')
    lines.append('goto menu-${platform}-${buildarch} || goto unsupported')
    used = set()
    local = set()
    for group in sorted(groups):
        items, timeout, target = _menu_for(site, host, groups[group], 'ipxe')
        lines.append('')
        lines.append('# %s clients (%s)' % (group, ', '.join(groups[group])))
        if target[0] is None:
            lines += [':menu-%s' % group, 'echo netboot.pxe: nothing to boot for %s clients (no entry for %s)'
                      % (group, ', '.join(groups[group])), 'goto failed']
            continue
        for name, _path in (_menu.targets(items) if timeout else [target]):
            if name == _menu.LOCAL:
                local.add('pcbios' if group == 'pcbios' else 'efi')
            else:
                used.add(name)
        if timeout == 0:
            lines += [':menu-%s' % group, 'goto %s' % _ipxe_item_label({'type': 'entry', 'name': target[0]} if target[0] != _menu.LOCAL
                                                                       else {'type': _menu.LOCAL}, group, ())]
            continue
        _ipxe_menu(lines, group, site['menu']['title'], items, timeout, target, (), entries, None)
    for name in sorted(used):
        lines.append('')
        _ipxe_entry(lines, entries[name], host)
    if 'pcbios' in local:
        lines += ['', ':local-pcbios', 'echo netboot.pxe: booting from the first local disk',
                  'sanboot --no-describe --drive 0x80 || goto failed']
    if 'efi' in local:
        lines += ['', ':local-efi', 'echo netboot.pxe: returning to the firmware to boot from a local disk',
                  '# exit 1 rather than exit 0: some UEFI firmware stops at its setup screen after a successful exit.',
                  'exit 1']
    lines += ['', ':unsupported', 'echo netboot.pxe: no menu for ${platform}/${buildarch} clients on this server',
              '', ':failed', 'echo netboot.pxe: network boot failed; returning to the firmware',
              '# exit 1 rather than exit 0: some UEFI firmware drops into setup on success.', 'exit 1']
    for line in lines:
        if line.endswith('\\'):
            raise RenderError('iPXE line %r ends with a backslash, which would join the next line to it' % line)
    return '\n'.join(lines) + '\n'


# PXELINUX -----------------------------------------------------------------------------------------------

# syslinux reads its configuration with fgets() into a 4096-byte buffer (MAX_LINE in com32/menu/readconfig.c):
# the rest of a longer line would be read as a directive of its own.
_PXELINUX_MAX_LINE = 4000


def _pxelinux_name(name):
    """The PXELINUX label of a target: "entry-<name>" for entries, so none equals a label of the renderer."""
    return PXELINUX_LOCAL if name == _menu.LOCAL else 'entry-%s' % name


def _pxelinux_label(lines, item, entries, host, target, indent):
    pad = '  ' * indent
    if item['type'] == _menu.LOCAL:
        lines.append('%sLABEL %s' % (pad, PXELINUX_LOCAL))
        lines.append('%s  MENU LABEL %s' % (pad, item['title']))
        if target[0] == _menu.LOCAL:
            lines.append('%s  MENU DEFAULT' % pad)
        lines.append('%s  LOCALBOOT 0' % pad)
        return
    entry = entries[item['name']]
    lines.append('%sLABEL %s' % (pad, _pxelinux_name(entry['name'])))
    lines.append('%s  MENU LABEL %s' % (pad, _title(item, entries)))
    if target[0] == entry['name']:
        lines.append('%s  MENU DEFAULT' % pad)
    lines.append('%s  KERNEL %s/%s' % (pad, entry['dir'], entry['kernel']))
    if entry['initrds']:
        lines.append('%s  INITRD %s' % (pad, ','.join('%s/%s' % (entry['dir'], name) for name in entry['initrds'])))
    cmdline = _cmdline(entry, host)
    if cmdline == '-':
        # readconfig.c takes "APPEND -" for "no command line".
        raise RenderError('%s is "-", which PXELINUX reads as no command line at all' % _cmdline_what(entry, host))
    if cmdline:
        lines.append('%s  APPEND %s' % (pad, cmdline))


def _pxelinux_items(lines, items, entries, host, target, indent, serials=None):
    pad = '  ' * indent
    # Numbered, so the renderer's own labels are unique among themselves too.
    serials = [0] if serials is None else serials
    for item in items:
        if item['type'] in ('text', 'menu'):
            serials[0] += 1
        if item['type'] == 'text':
            lines.append('%sMENU SEPARATOR' % pad)
            lines.append('%sLABEL %s-%d' % (pad, PXELINUX_TEXT, serials[0]))
            lines.append('%s  MENU LABEL %s' % (pad, item['title']))
            lines.append('%s  MENU DISABLE' % pad)
        elif item['type'] == 'menu':
            lines.append('%sMENU BEGIN' % pad)
            lines.append('%s  MENU TITLE %s' % (pad, item['title']))
            back = serials[0]
            _pxelinux_items(lines, item['items'], entries, host, target, indent + 1, serials)
            lines.append('%s  LABEL %s-%d' % (pad, PXELINUX_BACK, back))
            lines.append('%s    MENU LABEL < Back' % pad)
            lines.append('%s    MENU EXIT' % pad)
            lines.append('%sMENU END' % pad)
        else:
            _pxelinux_label(lines, item, entries, host, target, indent)


def pxelinux(site, host=None, serial=None):
    """pxelinux.cfg/default (``host`` None) or pxelinux.cfg/01-<mac> for one host."""
    entries = _entries_by_name(site)
    groups = _group_arches(site, 'pxelinux')
    if not groups:
        raise RenderError('no architecture is served by PXELINUX')
    items, timeout, target = _menu_for(site, host, groups['bios'], 'pxelinux')
    lines = _header(site, host)
    serial = pxelinux_serial(site.get('pxelinux_serial') if serial is None else serial)
    if serial:
        lines.append('SERIAL %s' % serial)
    if target[0] is None:
        lines += ['# Nothing to boot for BIOS clients: boot the next device.', 'PROMPT 0', 'TIMEOUT 0',
                  'DEFAULT %s' % PXELINUX_LOCAL, 'LABEL %s' % PXELINUX_LOCAL, '  LOCALBOOT 0']
        return _pxelinux_text(lines)
    if timeout == 0:
        # No menu: PROMPT 0 with no UI boots DEFAULT at once.
        lines += ['PROMPT 0', 'TIMEOUT 0', 'DEFAULT %s' % _pxelinux_name(target[0])]
        item = ({'type': _menu.LOCAL, 'title': _menu.LOCAL_TITLE} if target[0] == _menu.LOCAL
                else {'type': 'entry', 'name': target[0], 'title': None})
        _pxelinux_label(lines, item, entries, host, target, 0)
        return _pxelinux_text(lines)
    lines += ['UI menu.c32', 'PROMPT 0', 'MENU TITLE %s' % site['menu']['title'],
              # TIMEOUT counts tenths of a second.
              'TIMEOUT %d' % (timeout * 10), 'ONTIMEOUT %s' % _pxelinux_name(target[0]),
              'DEFAULT %s' % _pxelinux_name(target[0])]
    _pxelinux_items(lines, items, entries, host, target, 0)
    return _pxelinux_text(lines)


def _pxelinux_text(lines):
    for line in lines:
        if len(line.encode('utf-8')) > _PXELINUX_MAX_LINE:
            raise RenderError('PXELINUX line %r... is %d bytes long; PXELINUX reads lines of at most %d bytes (a kernel '
                              'command line that long is too long for the kernel as well)'
                              % (line[:60], len(line.encode('utf-8')), _PXELINUX_MAX_LINE))
    return '\n'.join(lines) + '\n'


# GRUB ---------------------------------------------------------------------------------------------------

def _q(value):
    return _bootstr.grub_quote(value)


def _grub_local(lines, cpu, pad):
    fallback = '/EFI/BOOT/%s' % _EFI_FALLBACK.get(cpu, 'BOOTX64.EFI')
    candidates = [fallback] + _EFI_INSTALLED.get(cpu, [])
    lines.append('%s  insmod part_gpt' % pad)
    lines.append('%s  insmod fat' % pad)
    lines.append('%s  insmod chain' % pad)
    lines.append('%s  for loader in %s; do' % (pad, ' '.join(candidates)))
    lines.append('%s    if search --no-floppy --file --set=root "$loader"; then' % pad)
    lines.append('%s      chainloader "$loader"' % pad)
    lines.append('%s      boot' % pad)
    lines.append('%s    fi' % pad)
    lines.append('%s  done' % pad)
    lines.append("%s  echo 'netboot.pxe: no EFI loader on a local disk; returning to the firmware'" % pad)
    lines.append('%s  exit 1' % pad)


def _grub_items(lines, items, entries, host, cpu, indent):
    pad = '  ' * indent
    for index, item in enumerate(items):
        # Options first, then "--" and the title: menuentry reads any word starting with "--" that names one of
        # its options as that option, wherever it stands (grub-core/lib/arg.c).
        if item['type'] == 'text':
            # A disabled line: an entry that does nothing (GRUB menus have no separators).
            lines.append('%smenuentry --id %s -- %s {' % (pad, _q('text-%d-%d' % (indent, index)), _q(item['title'])))
            lines.append('%s  true' % pad)
            lines.append('%s}' % pad)
        elif item['type'] == 'menu':
            lines.append('%ssubmenu --id %s -- %s {' % (pad, _q('menu-%d-%d' % (indent, index)), _q(item['title'])))
            _grub_items(lines, item['items'], entries, host, cpu, indent + 1)
            lines.append('%s}' % pad)
        elif item['type'] == _menu.LOCAL:
            lines.append('%smenuentry --id local -- %s {' % (pad, _q(item['title'])))
            _grub_local(lines, cpu, pad)
            lines.append('%s}' % pad)
        else:
            entry = entries[item['name']]
            lines.append('%smenuentry --id %s -- %s {' % (pad, _q('entry-' + entry['name']), _q(_title(item, entries))))
            words = ''.join(' %s' % _q(word) for word in _grub_words(entry, host))
            lines.append('%s  linux /%s/%s%s' % (pad, entry['dir'], entry['kernel'], words))
            if entry['initrds']:
                lines.append('%s  initrd%s' % (pad, ''.join(' /%s/%s' % (entry['dir'], name) for name in entry['initrds'])))
            lines.append('%s}' % pad)


def _grub_words(entry, host):
    """One GRUB word per kernel parameter: GRUB double-quotes a word with a space for the kernel itself."""
    try:
        return _bootstr.grub_linux_words(_cmdline(entry, host), _cmdline_what(entry, host))
    except _bootstr.BootStringError as exc:
        raise RenderError(str(exc))


def _grub_default_id(items, target):
    """GRUB's default: ids of the submenus on the path, then the target's id, joined by '>'."""
    ids = []
    level = items
    for depth, index in enumerate(target[1]):
        ids.append('menu-%d-%d' % (depth + 1, index))
        level = level[index]['items']
    ids.append('local' if target[0] == _menu.LOCAL else 'entry-' + target[0])
    return '>'.join(ids)


def grub(site, host=None):
    """grub/grub.cfg (``host`` None; chains grub.cfg-01-<mac> when present) or grub/grub.cfg-01-<mac>."""
    entries = _entries_by_name(site)
    groups = _group_arches(site, 'grub')
    if not groups:
        raise RenderError('no architecture is served by GRUB')
    lines = _header(site, host)
    if host is None:
        lines += ["# Debian's GRUB reads only this file (its prefix is (tftp,server)/grub); a host with",
                  '# an assignment of its own has grub.cfg-01-<mac>, chained here explicitly.',
                  "if regexp --set=1:m1 --set=2:m2 --set=3:m3 --set=4:m4 --set=5:m5 --set=6:m6 "
                  "'^([0-9a-f][0-9a-f]):([0-9a-f][0-9a-f]):([0-9a-f][0-9a-f]):([0-9a-f][0-9a-f]):([0-9a-f][0-9a-f]):([0-9a-f][0-9a-f])$' "
                  '"$net_default_mac"; then',
                  '  configfile "$prefix/grub.cfg-01-$m1-$m2-$m3-$m4-$m5-$m6"',
                  'fi']
    for position, cpu in enumerate(sorted(groups)):
        items, timeout, target = _menu_for(site, host, groups[cpu], 'grub')
        lines.append('%s [ "$grub_cpu" = %s ]; then' % ('if' if position == 0 else 'elif', _q(cpu)))
        if target[0] is None:
            lines.append("  echo 'netboot.pxe: nothing to boot for %s clients'" % ', '.join(groups[cpu]))
            lines.append('  sleep 5')
            lines.append('  exit 1')
            continue
        lines.append('  set timeout=%d' % timeout)
        if timeout:
            lines.append('  set timeout_style=menu')
        if timeout == 0:
            item = ({'type': _menu.LOCAL, 'title': _menu.LOCAL_TITLE} if target[0] == _menu.LOCAL
                    else {'type': 'entry', 'name': target[0], 'title': None})
            lines.append('  set default=%s' % _q(_grub_default_id([item], (target[0], ()))))
            _grub_items(lines, [item], entries, host, cpu, 1)
        else:
            lines.append('  set default=%s' % _q(_grub_default_id(items, target)))
            _grub_items(lines, items, entries, host, cpu, 1)
    lines.append('fi')
    return '\n'.join(lines) + '\n'
