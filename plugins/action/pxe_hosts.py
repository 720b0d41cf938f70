# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin for netboot.pxe.pxe_hosts: ships a controller-side host file (``hosts_src``).

Without ``hosts_src`` the module runs as any module does. With it, the file is read on the
controller (looked up like ansible.builtin.copy's ``src``, vault-encrypted files decrypted) and
only its sha256 is sent first: when the server's state records the same input, the module
answers at once and nothing is shipped. Otherwise the file goes to the task's remote temporary
directory (YAML converted to JSON here, so the server needs no PyYAML) and the module runs again
on it. An unchanged 10,000-host fleet thus costs one module
run, with no ``ansible.builtin.copy`` task (two more module runs) in front of it.
"""

from __future__ import annotations

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.netboot.pxe.plugins.module_utils import _hosts, _hosts_input

_MODULE = 'netboot.pxe.pxe_hosts'


def as_json(label, data):
    """The host list in ``data`` (the bytes of the controller file ``label``) as JSON bytes for the server.

    JSON goes as it is; YAML is parsed here, with the module's loader (MACs stay strings), so the
    server needs no PyYAML. Raises HostError naming hosts_src.
    """
    if data.decode('utf-8', 'replace').lstrip()[:1] in ('[', '{'):
        return data
    hosts = _hosts_input.parse_hosts_file(label, data, var='hosts_src')

    def refuse(value):
        raise _hosts.HostError('hosts_src: %s holds %r, which YAML read as a %s; quote it'
                               % (label, value, type(value).__name__))
    return json.dumps(hosts, default=refuse).encode('utf-8')


class ActionModule(ActionBase):

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        for key in ('_hosts_src_digest', '_hosts_src_path'):
            if key in args:
                raise AnsibleActionFail('%s is set by the action plugin, not by tasks' % key)
        source = args.get('hosts_src')
        if not source:
            args.pop('hosts_src', None)
            try:
                result.update(self._execute_module(module_name=_MODULE, module_args=args, task_vars=task_vars))
            finally:
                self._remove_tmp_path(self._connection._shell.tmpdir)
            return result

        if args.get('hosts') or args.get('hosts_file'):
            raise AnsibleActionFail('hosts_src: give the host list in one of hosts, hosts_file and hosts_src, not several')
        try:
            local = self._loader.get_real_file(self._find_needle('files', to_text(source)), decrypt=True)
        except AnsibleError as exc:
            raise AnsibleActionFail('hosts_src: cannot read %s on the controller (%s)' % (source, to_text(exc)))
        staged = None
        try:
            with open(local, 'rb') as handle:
                data = handle.read()
            args['_hosts_src_digest'] = _hosts_input.hosts_digest(data)
            # First ask with the digest alone: an unchanged list needs no transfer.
            answer = self._execute_module(module_name=_MODULE, module_args=args, task_vars=task_vars)
            if not answer.pop('hosts_src_wanted', False):
                result.update(answer)
                return result
            try:
                data = as_json(to_text(source), data)
            except _hosts.HostError as exc:
                raise AnsibleActionFail(to_text(exc))
            fd, staged = tempfile.mkstemp(prefix='pxe_hosts-', suffix='.json')
            with os.fdopen(fd, 'wb') as handle:
                handle.write(data)
            if self._connection._shell.tmpdir is None:
                self._make_tmp_path()
            remote = self._connection._shell.join_path(self._connection._shell.tmpdir, 'hosts_src')
            self._transfer_file(staged, remote)
            self._fixup_perms2((self._connection._shell.tmpdir, remote))
            args['_hosts_src_path'] = remote
            result.update(self._execute_module(module_name=_MODULE, module_args=args, task_vars=task_vars))
            return result
        finally:
            if staged:
                os.unlink(staged)
            self._loader.cleanup_tmp_file(local)
            self._remove_tmp_path(self._connection._shell.tmpdir)
