# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running pxe_hosts in-process for the module tests: its result, and the commands it would have run."""
from __future__ import annotations

import json

import pytest
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.netboot.pxe.plugins.modules import pxe_hosts


def record_commands(monkeypatch):
    """Make AnsibleModule.run_command record its argument lists (and succeed) instead of running them."""
    calls = []

    def run_command(self, args, **kwargs):
        calls.append(args)
        return 0, '', ''
    monkeypatch.setattr(basic.AnsibleModule, 'run_command', run_command)
    return calls


def run(setup, capsys, check_mode=False, **args):
    """pxe_hosts.main() with setup['args'] plus ``args``, in diff mode; its JSON result with the exit code as 'rc'."""
    module_args = dict(setup['args'], _ansible_check_mode=check_mode, _ansible_diff=True, **args)
    with patch_module_args(module_args):
        with pytest.raises(SystemExit) as excinfo:
            pxe_hosts.main()
    result = json.loads(capsys.readouterr().out)
    result['rc'] = excinfo.value.code
    return result
