# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The menu model: validation with messages that name the item, and the per-architecture projection."""
from __future__ import annotations

import pytest

from ansible_collections.netboot.pxe.plugins.module_utils import _menu

NAMES = ['debian', 'rescue', 'arm64']


def test_default_menu_lists_every_entry_then_local():
    menu = _menu.validate({}, NAMES)
    assert [item.get('name', item['type']) for item in menu['items']] == ['debian', 'rescue', 'arm64', 'local']
    assert menu['timeout'] == 0 and menu['title'] == 'netboot.pxe'


def test_projection_drops_entries_and_empty_submenus():
    menu = _menu.validate({'items': ['debian', {'text': 'ARM'}, {'menu': 'ARM', 'items': ['arm64']}, 'local']}, NAMES)
    projected = _menu.project(menu['items'], {'debian'})
    assert [item['type'] for item in projected] == ['entry', 'text', 'local']
    assert _menu.targets(projected) == [('debian', ()), ('local', ())]


def test_choose_default_falls_back_in_order():
    menu = _menu.validate({'items': [{'menu': 'Sub', 'items': ['rescue']}, 'debian']}, NAMES)
    assert _menu.choose_default(menu['items'], ['nope', 'rescue']) == ('rescue', (0,))
    assert _menu.choose_default(menu['items'], ['nope']) == ('rescue', (0,))


@pytest.mark.parametrize('menu,message', [
    ([], 'server_menu must be a dict'),
    ({'timeout': 'soon'}, 'server_menu.timeout must be whole seconds'),
    ({'timeout': True}, 'server_menu.timeout must be whole seconds'),
    ({'timeout': 99999}, 'server_menu.timeout must be whole seconds'),
    ({'colour': 'red'}, 'server_menu has unknown keys colour'),
    ({'items': 'debian'}, 'server_menu.items must be a list'),
    ({'items': ['debain']}, "server_menu.items[0].entry 'debain' is not the name of an entry"),
    ({'items': ['debian', 'debian']}, "server_menu.items[1].entry 'debian' is already in the menu at server_menu.items[0]"),
    ({'items': ['local', {'local': True}]}, 'server_menu.items[1]: local boot is already in the menu'),
    ({'items': [{'entry': 'debian', 'menu': 'x'}]}, 'server_menu.items[0] must have exactly one of entry, menu, text, local'),
    ({'items': [{'menu': 'Sub'}]}, "server_menu.items[0].items is required"),
    ({'items': [{'menu': 'Sub', 'items': [{'entry': 'zz'}]}]}, "server_menu.items[0].items[0].entry 'zz'"),
    ({'items': [{'entry': 'debian', 'key': 'dd'}]}, 'server_menu.items[0].key must be one letter or digit'),
    ({'items': [{'entry': 'debian', 'colour': 1}]}, 'server_menu.items[0] has unknown keys colour'),
    ({'items': [{'text': 'a || b'}]}, 'server_menu.items[0].text'),
    ({'items': [{'text': 'line\nbreak'}]}, 'control character'),
    ({'items': [{'text': 'x' * 201}]}, 'at most 200'),
    ({'title': '${evil}'}, 'server_menu.title'),
    ({'default': 'rescue', 'items': ['debian']}, "server_menu.default 'rescue' is not in the menu"),
    ({'items': [{'menu': 'a', 'items': [{'menu': 'b', 'items': [{'menu': 'c', 'items': [{'menu': 'd', 'items': ['debian']}]}]}]}]},
     'submenus nest at most 4 deep'),
    ({'items': [42]}, 'server_menu.items[0] must be an entry name'),
    # Wrong types are errors naming the item, not crashes (unhashable list, unsortable mixed keys).
    ({'items': [{'entry': ['debian']}]}, "server_menu.items[0].entry must be the name of an entry (a string), got list"),
    ({'items': [{'entry': {'name': 'debian'}}]}, 'server_menu.items[0].entry must be the name of an entry (a string), got dict'),
    ({'items': [{1: 'a', 'b': 2}]}, 'server_menu.items[0] must have exactly one of entry, menu, text, local; got keys 1, b'),
    ({'items': [{'entry': 'debian', 1: 'a', 'b': 2}]}, 'server_menu.items[0] has unknown keys 1, b'),
    ({'items': ['debian'], 1: 'a', 'b': 2}, 'server_menu has unknown keys 1, b'),
])
def test_bad_menus_name_the_item(menu, message):
    with pytest.raises(_menu.MenuError) as excinfo:
        _menu.validate(menu, NAMES)
    assert message in str(excinfo.value)


def test_an_entry_named_local_is_refused():
    with pytest.raises(_menu.MenuError, match="reserves for booting from the local disk"):
        _menu.validate({}, ['local'])
