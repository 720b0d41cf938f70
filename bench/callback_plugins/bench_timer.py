# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark helper: seconds each task took, written as JSON to $BENCH_TIMER_OUT at the end of the run.

A task's time runs from its start to its (single, localhost) result, so playbook
parsing, inventory and variable loading and interpreter start-up are not counted.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_timer
short_description: Write each task's duration to the JSON file named by BENCH_TIMER_OUT
description:
  - Used by bench/hosts_bench.py only.
type: aggregate
author: netboot.pxe contributors
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super(CallbackModule, self).__init__(*args, **kwargs)
        self._tasks = []
        self._current = None

    def _finish(self, changed=False):
        if self._current is not None:
            name, started = self._current
            self._tasks.append({'name': name, 'seconds': time.monotonic() - started, 'changed': changed})
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._finish()
        self._current = (task.get_name(), time.monotonic())

    def v2_runner_on_ok(self, result):
        self._finish(changed=result.is_changed())

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finish()

    def v2_runner_on_skipped(self, result):
        self._finish()

    def v2_playbook_on_stats(self, stats):
        self._finish()
        path = os.environ.get('BENCH_TIMER_OUT')
        if path:
            with open(path, 'w', encoding='utf-8') as handle:
                json.dump({'tasks': self._tasks}, handle)
