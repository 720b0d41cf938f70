# -*- coding: utf-8 -*-
# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""No validation regex in the collection ends in a bare ``$`` (issue 12, item 5).

Python's ``$`` (and Jinja's ``match``/``search``/``regex`` tests and ``regex_search``, which use Python's
``re``) also matches just before a final newline: ``re.match(r'^[a-z]+$', 'host\\n')`` succeeds, and the
newline then splits a dnsmasq line or a boot script. Validation uses ``re.fullmatch`` (or ``\\Z``).

This test reads every Python file under plugins/ (its syntax tree: the regex literals given to
``re.compile``/``match``/``search``/``fullmatch``/``sub``...) and every task, template, variable and argument
spec file under roles/ (regex literals given to Jinja's regex tests and filters, and ``pattern:`` values), and
fails on any pattern whose bare ``$`` can end the match. A pattern that must keep one goes in ALLOWED with
the reason.
"""
from __future__ import annotations

import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
_RE_FUNCTIONS = {'compile', 'match', 'search', 'fullmatch', 'sub', 'subn', 'split', 'findall', 'finditer'}
# (relative path, pattern) -> why its "$" is right. Empty: nothing needs one today.
ALLOWED = {}


def dangling_dollar(pattern):
    """Whether ``pattern`` has an unescaped ``$`` outside a character class that can end a match.

    A ``$`` followed only by closing parentheses, or by ``|`` (the end of one alternative), or sitting
    inside a lookahead that ends the pattern, anchors the end: there it also accepts a final newline.
    Patterns in multiline mode (``(?m)``) anchor lines on purpose and are not validation.
    """
    if re.match(r'\(\?[a-zA-Z]*m', pattern):
        return False
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == '\\':
            index += 2
            continue
        if in_class:
            if char == ']':
                in_class = False
        elif char == '[':
            in_class = True
            if pattern[index + 1:index + 2] == ']':  # "[]...]": a literal ] first
                index += 1
        elif char == '$':
            rest = pattern[index + 1:]
            if re.fullmatch(r'\)*', rest) or rest.startswith('|') or re.match(r'\)*\|', rest):
                return True
        index += 1
    return False


def _literal(node):
    """The pattern text of a regex argument: a string literal, or the left side of ``'...' % args``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal(node.left)
    return None


def _multiline(call):
    """Whether the call passes re.M / re.MULTILINE among its flags."""
    for node in ast.walk(call):
        if isinstance(node, ast.Attribute) and node.attr in ('M', 'MULTILINE'):
            return True
    return False


def python_patterns():
    found = []
    for path in sorted((ROOT / 'plugins').rglob('*.py')):
        tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _RE_FUNCTIONS and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in ('re', '_re')):
                continue
            pattern = _literal(node.args[0]) if node.args else None
            if pattern is not None and not _multiline(node):
                found.append((str(path.relative_to(ROOT)), node.lineno, pattern))
    return found


# Jinja: "x is match('...')", "is search(...)", "is regex(...)", "regex_search('...')", "regex_findall", "regex_replace";
# YAML: "pattern: '...'" (a pattern handed to one of them through a loop).
_JINJA = re.compile(r'''(?:\bis\s+(?:not\s+)?(?:match|search|regex)|\|\s*regex_\w+)\(\s*(['"])((?:\\.|(?!\1).)*)\1''')
_YAML_PATTERN = re.compile(r'''^\s*-?\s*pattern:\s*(['"])(.*)\1\s*$''', re.M)


def role_patterns():
    found = []
    files = [path for path in sorted((ROOT / 'roles').rglob('*')) if path.suffix in ('.yml', '.yaml', '.j2')]
    for path in files:
        text = path.read_text(encoding='utf-8')
        for regex in (_JINJA, _YAML_PATTERN):
            for match in regex.finditer(text):
                pattern = match.group(2)
                if match.group(1) == "'":
                    pattern = pattern.replace("''", "'")
                found.append((str(path.relative_to(ROOT)), text.count('\n', 0, match.start()) + 1, pattern))
    return found


@pytest.mark.parametrize('pattern,expected', [
    (r'^[a-z]+$', True), (r'^(a|b)$', True), (r'^a$|^b$', True), (r'(?=.{1,5}$)a', False), (r'a(?=b$)', True),
    (r'[a-z]+', False), (r'\$', False), (r'[$]', False), (r'a\Z', False), (r'(?m)^Version: (.+)$', False),
    (r'[]$]x', False), (r'\\$', True), (r'^(?:[0-9a-f]{12})$', True),
])
def test_the_detector(pattern, expected):
    assert dangling_dollar(pattern) is expected
    if expected and '(?=' not in pattern:
        # What the class of bug is: such a pattern, searched or matched, accepts a trailing newline.
        sample = {'^[a-z]+$': 'abc', '^(a|b)$': 'a', '^a$|^b$': 'a', r'\\$': '\\',
                  '^(?:[0-9a-f]{12})$': 'aabbccddeeff'}[pattern]
        assert re.search(pattern, sample + '\n')


def test_the_scans_find_patterns():
    assert len(python_patterns()) > 20
    assert any(item[0].startswith('roles/http/') for item in role_patterns())


def test_no_validation_regex_ends_in_a_bare_dollar():
    offenders = ['%s:%d: %r' % (path, line, pattern) for path, line, pattern in python_patterns() + role_patterns()
                 if dangling_dollar(pattern) and (path, pattern) not in ALLOWED]
    assert not offenders, ('these regexes end in "$", which also matches before a trailing newline; use re.fullmatch '
                           '(Jinja: regex(..., match_type="fullmatch")) or \\Z:\n' + '\n'.join(offenders))
