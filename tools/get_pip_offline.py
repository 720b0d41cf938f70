"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test creates its sanity virtualenvs without pip and downloads get-pip.py
from ci-files.testing.ansible.com, which this network cannot reach. Saved at the
cache path ansible-test names, this does what get-pip.py does: run pip from a
bundled wheel (Python's own ensurepip wheel here) to install the requested pip
from the package index.
"""

from __future__ import annotations

import glob
import os
import sys

import ensurepip


def main(argv):
    bundled = os.path.join(os.path.dirname(ensurepip.__file__), '_bundled')
    wheels = sorted(glob.glob(os.path.join(bundled, 'pip-*.whl')))
    if not wheels:
        sys.exit('get_pip_offline: no pip wheel bundled with %s' % sys.executable)
    sys.path.insert(0, wheels[-1])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    # get-pip.py's own switches, not pip's.
    args = [a for a in argv if a not in ('--no-setuptools', '--no-wheel')]
    return pip_main(['install', '--upgrade', '--force-reinstall'] + args)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
