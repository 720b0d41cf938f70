# -*- coding: utf-8 -*-
# Hypothesis settings shared by the unit tests: no per-example deadline (CI
# machines are shared), and a deterministic profile for CI runs.
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile('default', deadline=None, max_examples=300)
settings.register_profile('ci', deadline=None, max_examples=500, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile('ci' if os.environ.get('CI') else 'default')
