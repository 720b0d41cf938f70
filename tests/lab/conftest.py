# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared set-up for the lab tests: ``import probes`` works, and the ``netns`` marker is known."""
from __future__ import annotations

import os
import sys

LAB_DIR = os.path.dirname(os.path.abspath(__file__))
if LAB_DIR not in sys.path:
    sys.path.insert(0, LAB_DIR)


def pytest_configure(config):
    config.addinivalue_line(
        'markers',
        'netns: needs root to create network namespaces and runs real servers (dnsmasq, http.server) in them')
