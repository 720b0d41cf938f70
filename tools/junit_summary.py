"""Print one summary line for a pytest JUnit XML report: ``LABEL: tests, N passed, N failed, N skipped``."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET


def main(label, path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == 'testsuite' else list(root.iter('testsuite'))
    total = sum(int(s.get('tests', 0)) for s in suites)
    failed = sum(int(s.get('failures', 0)) + int(s.get('errors', 0)) for s in suites)
    skipped = sum(int(s.get('skipped', 0)) for s in suites)
    print('%-18s %d tests: %d passed, %d failed, %d skipped'
          % (label, total, total - failed - skipped, failed, skipped))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
