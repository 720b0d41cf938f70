# -*- coding: utf-8 -*-
# Hypothesis settings shared by the unit tests: no per-example deadline (CI
# machines are shared), and a deterministic profile for CI runs.
#
# Throwaway OpenPGP keys for the boot_artifact and images role tests: generated once per
# session with ``gpg --quick-gen-key`` (ed25519, no passphrase) in a temporary GNUPGHOME;
# nothing touches the user's keyring (Makefile APT_TEST installs gpg, gpg-agent and gpgv).
from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile('default', deadline=None, max_examples=300)
settings.register_profile('ci', deadline=None, max_examples=500, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile('ci' if os.environ.get('CI') else 'default')


class Signer(object):
    """One key pair in the session's temporary GNUPGHOME."""

    def __init__(self, home, uid):
        self.home = home
        self.uid = uid
        self.gpg(['--quick-gen-key', uid, 'ed25519', 'sign', 'never'])
        listing = self.gpg(['--with-colons', '--list-keys', uid]).decode()
        self.fingerprint = [line.split(':')[9] for line in listing.splitlines() if line.startswith('fpr:')][0]
        self.public_armored = self.gpg(['--armor', '--export', self.fingerprint])
        self.public_binary = self.gpg(['--export', self.fingerprint])

    def gpg(self, args, data=None):
        return subprocess.run(['gpg', '--batch', '--quiet', '--no-tty', '--passphrase', '', '--pinentry-mode', 'loopback'] + args,
                              input=data, env=dict(os.environ, GNUPGHOME=str(self.home)), check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout

    def detach_sign(self, data, armor=True):
        return self.gpg(['--local-user', self.fingerprint, '--detach-sign'] + (['--armor'] if armor else []) + ['--output', '-'], data)

    def clearsign(self, data, *others):
        users = []
        for signer in (self,) + others:
            users += ['--local-user', signer.fingerprint]
        return self.gpg(users + ['--clearsign', '--output', '-'], data)


@pytest.fixture(scope='session')
def gpg_keys(tmp_path_factory):
    """{'archive': Signer, 'stranger': Signer}: the trusted key and one that is not in the keyring."""
    if not shutil.which('gpg'):
        pytest.fail('gpg is not installed (make deps installs it: APT_TEST in the Makefile)')
    home = tmp_path_factory.mktemp('gnupg')
    home.chmod(0o700)
    try:
        yield {'archive': Signer(home, 'Archive Test <archive@example.invalid>'),
               'stranger': Signer(home, 'Stranger <stranger@example.invalid>')}
    finally:
        subprocess.run(['gpgconf', '--kill', 'gpg-agent'], env=dict(os.environ, GNUPGHOME=str(home)), check=False)


def run_command(argv, env):
    """The (rc, stdout, stderr) runner _artifact.gpg_verify expects, like AnsibleModule.run_command."""
    proc = subprocess.run(argv, env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    return proc.returncode, proc.stdout.decode('utf-8', 'replace'), proc.stderr.decode('utf-8', 'replace')


@pytest.fixture
def gpgv_runner():
    return run_command


class LoopbackHttp(object):
    """A directory served over HTTP on 127.0.0.1, recording the paths requested (a mirror for the tests)."""

    def __init__(self, root):
        self.root = root
        self.requests = []
        root.mkdir(parents=True, exist_ok=True)
        served = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(served.root), **kwargs)

            def do_GET(self):
                served.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self._httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self.url = 'http://127.0.0.1:%d' % self._httpd.server_address[1]

    def put(self, path, data):
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def loopback_http():
    """Start LoopbackHttp servers on directories; all are stopped when the test ends."""
    started = []

    def start(root):
        started.append(LoopbackHttp(root))
        return started[-1]
    yield start
    for server in started:
        server.close()
