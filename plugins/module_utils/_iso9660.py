# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small read-only ISO9660 reader: find one file by path and copy it out.

Reads only the volume descriptors, the directories on the path and the file itself (seek,
no full read into memory). Names come from Rock Ridge (``NM``) when the image has it, else
from a Joliet tree when there is one, else the plain ISO9660 names (``VMLINUZ.;1`` is
``VMLINUZ``). Lookups try the exact name first, then case-insensitively. Relocated deep
directories (Rock Ridge ``CL``/``RE``) are followed; symbolic links (``SL``), multi-extent
(> 4 GiB) and interleaved files are refused. Pure Python, no external tools. Private to
the collection.
"""

from __future__ import annotations

import difflib
import os
import posixpath

SECTOR = 2048
_FIRST_DESCRIPTOR = 16
_MAX_DESCRIPTORS = 64
_MAX_DIRECTORY = 16 * 1024 * 1024      # one directory's records (about 100,000 files with long names)
_MAX_CONTINUATIONS = 32                 # Rock Ridge continuation areas per directory record (Linux: 32)
_CONTINUATION_BUDGET = 64 * 1024 * 1024  # continuation area bytes read per image, all records together
_CHUNK = 1024 * 1024
_JOLIET_ESCAPES = (b'%/@', b'%/C', b'%/E')
_FLAG_DIRECTORY = 0x02
_FLAG_MULTI_EXTENT = 0x80


class IsoError(Exception):
    """The image is not ISO9660, is damaged, or does not hold the wanted file."""


def _le32(data, pos):
    return int.from_bytes(data[pos:pos + 4], 'little')


def is_iso9660(handle):
    """Whether the open binary file has an ISO9660 volume descriptor at sector 16."""
    handle.seek(_FIRST_DESCRIPTOR * SECTOR + 1)
    return handle.read(5) == b'CD001'


class Entry(object):
    """One directory record, with the name lookups use."""

    def __init__(self, name, iso_name, extent, size, flags, link=False, relocated=False):
        self.name = name
        self.iso_name = iso_name
        self.extent = extent
        self.size = size
        self.flags = flags
        self.link = link
        self.relocated = relocated

    @property
    def is_dir(self):
        return bool(self.flags & _FLAG_DIRECTORY)


class IsoImage(object):
    """An ISO9660 image opened from a seekable binary file object."""

    def __init__(self, handle):
        self.handle = handle
        handle.seek(0, os.SEEK_END)
        self.image_size = handle.tell()
        self.block = SECTOR
        self.rock_ridge = False
        self.joliet = False
        self._susp_skip = 0
        self._continuation_left = _CONTINUATION_BUDGET
        primary = joliet = None
        for index in range(_FIRST_DESCRIPTOR, _FIRST_DESCRIPTOR + _MAX_DESCRIPTORS):
            descriptor = self._read(index * SECTOR, SECTOR)
            if len(descriptor) < SECTOR or descriptor[1:6] != b'CD001':
                break
            kind = descriptor[0]
            if kind == 255:
                break
            if kind == 1 and primary is None:
                primary = descriptor
            elif kind == 2 and joliet is None and any(esc in descriptor[88:120] for esc in _JOLIET_ESCAPES):
                joliet = descriptor
        if primary is None:
            raise IsoError('not an ISO9660 image (no primary volume descriptor at sector 16)')
        self.block = self._block_size(primary)
        self.root = self._root(primary)
        first = self._raw_records(self.root.extent, self.root.size, first_only=True)
        if first:
            system_use = first[0][1]
            if system_use[:2] == b'SP' and len(system_use) >= 7 and system_use[4:6] == b'\xbe\xef':
                self.rock_ridge = True
                self._susp_skip = system_use[6]
        if not self.rock_ridge and joliet is not None:
            self.joliet = True
            self.block = self._block_size(joliet)
            self.root = self._root(joliet)

    # -- low level ---------------------------------------------------------------

    @staticmethod
    def _block_size(descriptor):
        block = int.from_bytes(descriptor[128:130], 'little') or SECTOR
        if block not in (512, 1024, 2048):
            raise IsoError('unsupported logical block size %d' % block)
        return block

    def _read(self, offset, size):
        self.handle.seek(offset)
        return self.handle.read(size)

    def _root(self, descriptor):
        record = descriptor[156:190]
        if record[0] < 34:
            raise IsoError('corrupt root directory record')
        return Entry('', '', _le32(record, 2) + record[1], _le32(record, 10), record[25])

    def _directory_data(self, extent, size):
        if size > _MAX_DIRECTORY:
            raise IsoError('directory at block %d is implausibly large (%d bytes)' % (extent, size))
        offset = extent * self.block
        if offset + size > self.image_size:
            raise IsoError('directory at block %d lies beyond the end of the image (truncated download?)' % extent)
        return self._read(offset, size)

    def _raw_records(self, extent, size, first_only=False):
        """[(record bytes, system use bytes)] of a directory extent."""
        data = self._directory_data(extent, min(size, SECTOR) if first_only else size)
        records = []
        pos = 0
        while pos < len(data):
            length = data[pos]
            if length == 0:  # records never cross a sector; the rest of this one is padding
                pos = (pos // SECTOR + 1) * SECTOR
                continue
            if length < 34 or pos + length > len(data):
                raise IsoError('corrupt directory record at block %d, offset %d' % (extent, pos))
            record = data[pos:pos + length]
            name_len = record[32]
            start = 33 + name_len + (1 - name_len % 2)
            records.append((record, record[start:]))
            if first_only:
                break
            pos += length
        return records

    def _susp(self, system_use):
        """System Use Sharing Protocol entries [(signature, body)], following CE continuations."""
        entries = []
        areas = [system_use[self._susp_skip:]]
        hops = 0
        while areas:
            data = areas.pop(0)
            pos = 0
            while pos + 4 <= len(data):
                signature, length = data[pos:pos + 2], data[pos + 2]
                if length < 4 or pos + length > len(data):
                    break
                body = data[pos + 4:pos + length]
                if signature == b'ST':
                    break
                if signature == b'CE' and len(body) >= 24:
                    hops += 1
                    if hops > _MAX_CONTINUATIONS:
                        raise IsoError('too many Rock Ridge continuation areas (loop?)')
                    areas.append(self._continuation(body))
                else:
                    entries.append((signature, body))
                pos += length
        return entries

    def _continuation(self, body):
        """The bytes of the continuation area a CE entry points to: inside one block of the image."""
        block, offset, length = _le32(body, 0), _le32(body, 8), _le32(body, 16)
        if offset + length > self.block or (block * self.block + offset + length) > self.image_size:
            raise IsoError('corrupt Rock Ridge continuation area (block %d, offset %d, %d bytes): it crosses a block '
                           'or the end of the image' % (block, offset, length))
        self._continuation_left -= length
        if self._continuation_left < 0:
            raise IsoError('more than %d bytes of Rock Ridge continuation areas; refused (a damaged image?)' % _CONTINUATION_BUDGET)
        return self._read(block * self.block + offset, length)

    def _entry(self, record, system_use):
        raw = record[33:33 + record[32]]
        if raw in (b'\x00', b'\x01'):
            return None
        extent = _le32(record, 2) + record[1]
        size = _le32(record, 10)
        flags = record[25]
        if record[26] or record[27]:
            flags |= 0x100  # interleaved
        if self.joliet:
            iso_name = raw.decode('utf-16-be', 'replace')
        else:
            iso_name = raw.decode('latin-1')
        iso_name = iso_name.split(';', 1)[0]
        if not flags & _FLAG_DIRECTORY and iso_name.endswith('.'):
            iso_name = iso_name[:-1]
        name = iso_name
        link = relocated = False
        if self.rock_ridge:
            parts = []
            for signature, body in self._susp(system_use):
                if signature == b'NM' and body and not body[0] & 0x06:
                    parts.append(body[1:])
                elif signature == b'SL':
                    link = True
                elif signature == b'RE':
                    relocated = True
                elif signature == b'CL' and len(body) >= 4:
                    extent = _le32(body, 0)
                    first = self._raw_records(extent, SECTOR, first_only=True)
                    if not first:
                        raise IsoError('relocated directory %r points to an empty extent' % iso_name)
                    size = _le32(first[0][0], 10)
                    flags |= _FLAG_DIRECTORY
            if parts:
                name = b''.join(parts).decode('utf-8', 'replace')
        return Entry(name, iso_name, extent, size, flags, link=link, relocated=relocated)

    def listdir(self, directory):
        """The entries of a directory Entry (without ``.``, ``..`` and relocation placeholders)."""
        entries = []
        for record, system_use in self._raw_records(directory.extent, directory.size):
            entry = self._entry(record, system_use)
            if entry is not None and not entry.relocated:
                entries.append(entry)
        return entries

    # -- lookups -----------------------------------------------------------------

    @staticmethod
    def _match(entries, component):
        exact = [entry for entry in entries if entry.name == component]
        if exact:
            return exact[0]
        folded = component.lower()
        matches = [entry for entry in entries if folded in (entry.name.lower(), entry.iso_name.lower())]
        unique = {id(entry): entry for entry in matches}
        if len(unique) > 1:
            raise IsoError('%r matches several names when case is ignored: %s'
                           % (component, ', '.join(sorted(entry.name for entry in unique.values()))))
        return matches[0] if matches else None

    def lookup(self, path):
        """The file Entry at ``path`` (``/`` separated, relative to the image root)."""
        components = [part for part in path.split('/') if part and part != '.']
        if not components:
            raise IsoError('member path %r names the root directory, not a file' % path)
        current = self.root
        walked = ''
        for index, component in enumerate(components):
            entries = self.listdir(current)
            found = self._match(entries, component)
            if found is None:
                names = sorted(entry.name + ('/' if entry.is_dir else '') for entry in entries)
                near = difflib.get_close_matches(component, [entry.name for entry in entries], n=5, cutoff=0.4)
                hint = (' (closest: %s)' % ', '.join(near)) if near else ''
                shown = ', '.join(names[:30]) + (', ...' if len(names) > 30 else '')
                raise IsoError('%r not found in the ISO image: no %r in /%s, which holds: %s%s'
                               % (path, component, walked, shown or 'nothing', hint))
            walked = posixpath.join(walked, found.name)
            last = index == len(components) - 1
            if found.link:
                raise IsoError('%r in the ISO image is a symbolic link; give the path of the file it points to' % ('/' + walked))
            if not last and not found.is_dir:
                raise IsoError('/%s in the ISO image is a file, not a directory' % walked)
            if last and found.is_dir:
                raise IsoError('/%s in the ISO image is a directory, not a file' % walked)
            current = found
        if current.flags & _FLAG_MULTI_EXTENT:
            raise IsoError('/%s is a multi-extent file (4 GiB or more), which is not supported' % walked)
        if current.flags & 0x100:
            raise IsoError('/%s is an interleaved file, which is not supported' % walked)
        return current

    def copy(self, entry, writer):
        """Write a file Entry's data to ``writer``; return its size."""
        offset = entry.extent * self.block
        if offset + entry.size > self.image_size:
            raise IsoError('%r lies beyond the end of the image (truncated download?)' % entry.name)
        self.handle.seek(offset)
        left = entry.size
        while left:
            chunk = self.handle.read(min(_CHUNK, left))
            if not chunk:
                raise IsoError('the image ended inside %r' % entry.name)
            writer.write(chunk)
            left -= len(chunk)
        return entry.size
