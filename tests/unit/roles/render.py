# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a role's template the way Ansible's template module does (trim_blocks), with the collection's filters."""
from __future__ import annotations

import functools
import pathlib

import jinja2
import yaml

from ansible_collections.netboot.pxe.plugins.filter.flag import flag
from ansible_collections.netboot.pxe.plugins.module_utils import _bootstr

ROLES = pathlib.Path(__file__).resolve().parents[3] / 'roles'


def defaults(role):
    return yaml.safe_load((ROLES / role / 'defaults' / 'main.yml').read_text()) or {}


@functools.lru_cache(maxsize=None)
def _environment(role):
    """One environment per role: templates are compiled once (the property tests render thousands)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(ROLES / role / 'templates')), trim_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters['netboot.pxe.grub_quote'] = _bootstr.grub_quote
    env.filters['netboot.pxe.flag'] = flag
    return env


def render(role, template, variables):
    env = _environment(role)
    data = {'ansible_managed': 'Ansible managed'}
    data.update(variables)
    return env.get_template(template).render(data)
