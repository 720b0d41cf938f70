# Copyright (c) netboot.pxe contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The PXE lab: a Debian 12 systemd container as the PXE server, and an isolated PXE LAN.

Layout for a lab named P (all created here, all removed by ``down``):

  host: bridge P-mgmt (10.213.N.1/24, NAT for apt) --veth P-m0 -- netns P-srv: eth0 10.213.N.10
                                                                     pxe0 10.77.0.1/24 --+
  netns P-lan (no uplink): bridge br0 10.77.0.250/24 (the probe host) -- uplink0 ---------+
                           tap0..tapK for QEMU clients

The container runs systemd as PID 1 in netns P-srv (rootful podman, runc) and
is reached by Ansible over SSH on its management address. DHCP is served only on
pxe0, i.e. only inside P-lan.

CLI: python3 netlab.py image | up NAME | down NAME | inventory NAME
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[2]
CACHE = pathlib.Path(os.environ.get('NETBOOT_PXE_CACHE', '/var/cache/netboot-pxe-test'))
PODMAN = ['podman', '--runtime', 'runc']
HOST_PACKAGES = ['podman', 'runc', 'debootstrap', 'iptables', 'openssh-client', 'iproute2']
IMAGE_PACKAGES = ['systemd', 'systemd-sysv', 'dbus', 'python3', 'python3-apt', 'iproute2', 'ca-certificates',
                  'procps', 'openssh-server']
MIRROR = os.environ.get('NETBOOT_PXE_MIRROR', 'http://deb.debian.org/debian')
PXE_NET = '10.77.0'
SERVER_IP = PXE_NET + '.1'
PROBE_IP = PXE_NET + '.250'


class LabError(RuntimeError):
    """The lab could not be built or reached."""


def run(cmd, check=True, capture=True, **kwargs):
    """Run a command; on failure raise LabError with its output."""
    proc = subprocess.run(cmd, capture_output=capture, text=True, check=False, **kwargs)
    if check and proc.returncode != 0:
        raise LabError('%s failed (%d): %s%s' % (' '.join(cmd), proc.returncode, proc.stdout or '', proc.stderr or ''))
    return proc


def ensure_host_packages():
    run([str(REPO / 'tools' / 'apt-install.sh')] + HOST_PACKAGES, capture=False)


# --- image --------------------------------------------------------------------

def _image_recipe():
    return json.dumps({'packages': IMAGE_PACKAGES, 'mirror': MIRROR, 'suite': 'bookworm', 'v': 2}, sort_keys=True)


def image_name():
    digest = hashlib.sha256(_image_recipe().encode()).hexdigest()[:12]
    return 'localhost/netboot-pxe-debian12:%s' % digest


def ensure_image(cache=CACHE):
    """Build (once) the Debian 12 systemd image: debootstrap from the Debian registry, then podman import."""
    image = image_name()
    if run(PODMAN + ['image', 'exists', image], check=False).returncode == 0:
        return image
    cache.mkdir(parents=True, exist_ok=True)
    tarball = cache / ('%s.tar.gz' % image.rsplit(':', 1)[1])
    if not tarball.exists():
        _build_rootfs_tarball(tarball)
    run(PODMAN + ['import', '--change', 'CMD ["/sbin/init"]', '--change', 'STOPSIGNAL SIGRTMIN+3', str(tarball), image])
    return image


def _build_rootfs_tarball(tarball):
    work = pathlib.Path(tempfile.mkdtemp(prefix='netboot-pxe-rootfs.', dir=str(tarball.parent)))
    root = work / 'rootfs'
    try:
        run(['debootstrap', '--variant=minbase', '--include=' + ','.join(IMAGE_PACKAGES), 'bookworm', str(root), MIRROR],
            capture=False)
        # apt inside the image reaches the registry the way the host's apt does.
        sources = root / 'etc/apt/sources.list'
        if sources.exists():
            sources.unlink()
        for src in pathlib.Path('/etc/apt/sources.list.d').glob('*.sources'):
            shutil.copy2(src, root / 'etc/apt/sources.list.d' / src.name)
        if pathlib.Path('/etc/apt/sources.list').exists():
            shutil.copy2('/etc/apt/sources.list', sources)
        for conf in pathlib.Path('/etc/apt/apt.conf.d').iterdir():
            if conf.name.startswith('99') or 'proxy' in conf.name:
                shutil.copy2(conf, root / 'etc/apt/apt.conf.d' / conf.name)
        (root / 'etc/machine-id').write_text('')
        for name in ('var/lib/dbus/machine-id', 'etc/resolv.conf'):
            path = root / name
            if path.exists() or path.is_symlink():
                path.unlink()
        (root / 'etc/hostname').write_text('pxe-server\n')
        for unit in ('getty@tty1.service', 'console-getty.service', 'systemd-logind.service', 'apt-daily.timer',
                     'apt-daily-upgrade.timer', 'e2scrub_all.timer', 'fstrim.timer'):
            link = root / 'etc/systemd/system' / unit
            if link.exists() or link.is_symlink():
                link.unlink()
            link.symlink_to('/dev/null')
        sshd = root / 'etc/ssh/sshd_config.d/netboot-pxe-lab.conf'
        sshd.write_text('PermitRootLogin prohibit-password\nPasswordAuthentication no\nUseDNS no\n')
        run(['chroot', str(root), 'apt-get', 'clean'])
        for sub in ('var/lib/apt/lists', 'usr/share/doc', 'usr/share/man', 'usr/share/locale'):
            for child in (root / sub).glob('*'):
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        # Empty lists with a fresh mtime would make apt's cache_valid_time skip the update.
        os.utime(root / 'var/lib/apt/lists', (0, 0))
        partial = tarball.with_suffix('.partial')
        run(['tar', '--numeric-owner', '--xattrs', '-C', str(root), '-czf', str(partial), '.'])
        os.replace(partial, tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- network -----------------------------------------------------------------

@dataclasses.dataclass
class Lab:
    """Names and addresses of one lab."""

    name: str = 'nbp'
    mgmt_octet: int = 213
    taps: int = 4

    @property
    def mgmt_net(self):
        return '10.213.%d' % (self.mgmt_octet % 256)

    @property
    def bridge(self):
        return '%s-mgmt' % self.name

    @property
    def srv_ns(self):
        return '%s-srv' % self.name

    @property
    def lan_ns(self):
        return '%s-lan' % self.name

    @property
    def container(self):
        return '%s-server' % self.name

    @property
    def mgmt_ip(self):
        return self.mgmt_net + '.10'

    @property
    def state_dir(self):
        return CACHE / 'labs' / self.name

    @property
    def ssh_key(self):
        return self.state_dir / 'id_ed25519'

    def tap(self, index):
        return 'tap%d' % index


def _mtu():
    route = run(['ip', '-j', 'route', 'show', 'default'], check=False).stdout
    try:
        dev = json.loads(route)[0]['dev']
        return int(pathlib.Path('/sys/class/net/%s/mtu' % dev).read_text())
    except (ValueError, IndexError, KeyError, OSError):
        return 1500


def _nat_rule(lab):
    return ['POSTROUTING', '-s', lab.mgmt_net + '.0/24', '!', '-o', lab.bridge, '-j', 'MASQUERADE']


def network_up(lab):
    """Create the management bridge (with NAT), the server namespace and the isolated PXE LAN."""
    mtu = str(_mtu())
    if run(['ip', 'link', 'show', lab.bridge], check=False).returncode != 0:
        run(['ip', 'link', 'add', lab.bridge, 'type', 'bridge'])
        run(['ip', 'addr', 'add', lab.mgmt_net + '.1/24', 'dev', lab.bridge])
        run(['ip', 'link', 'set', lab.bridge, 'mtu', mtu, 'up'])
    run(['sysctl', '-qw', 'net.ipv4.ip_forward=1'])
    if run(['iptables', '-t', 'nat', '-C'] + _nat_rule(lab), check=False).returncode != 0:
        run(['iptables', '-t', 'nat', '-A'] + _nat_rule(lab))

    for ns in (lab.srv_ns, lab.lan_ns):
        if not pathlib.Path('/run/netns', ns).exists():
            run(['ip', 'netns', 'add', ns])
            run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])

    host_veth = '%s-m0' % lab.name
    if run(['ip', 'link', 'show', host_veth], check=False).returncode != 0:
        run(['ip', 'link', 'add', host_veth, 'mtu', mtu, 'type', 'veth', 'peer', 'name', 'eth0', 'mtu', mtu, 'netns', lab.srv_ns])
        run(['ip', 'link', 'set', host_veth, 'master', lab.bridge, 'up'])
        run(['ip', '-n', lab.srv_ns, 'addr', 'add', lab.mgmt_ip + '/24', 'dev', 'eth0'])
        run(['ip', '-n', lab.srv_ns, 'link', 'set', 'eth0', 'up'])
        run(['ip', '-n', lab.srv_ns, 'route', 'add', 'default', 'via', lab.mgmt_net + '.1'])

    if run(['ip', '-n', lab.lan_ns, 'link', 'show', 'br0'], check=False).returncode != 0:
        run(['ip', '-n', lab.lan_ns, 'link', 'add', 'br0', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'])
        run(['ip', '-n', lab.lan_ns, 'addr', 'add', PROBE_IP + '/24', 'dev', 'br0'])
        run(['ip', '-n', lab.lan_ns, 'link', 'set', 'br0', 'up'])
        run(['ip', '-n', lab.srv_ns, 'link', 'add', 'pxe0', 'type', 'veth', 'peer', 'name', 'uplink0', 'netns', lab.lan_ns])
        run(['ip', '-n', lab.lan_ns, 'link', 'set', 'uplink0', 'master', 'br0', 'up'])
        run(['ip', '-n', lab.srv_ns, 'addr', 'add', SERVER_IP + '/24', 'dev', 'pxe0'])
        # An IPv6 address lets dnsmasq send router advertisements, which spares iPXE its IPv6 wait.
        run(['ip', '-n', lab.srv_ns, 'addr', 'add', 'fd77::1/64', 'dev', 'pxe0', 'nodad'])
        run(['ip', '-n', lab.srv_ns, 'link', 'set', 'pxe0', 'up'])
        for index in range(lab.taps):
            run(['ip', '-n', lab.lan_ns, 'tuntap', 'add', 'dev', lab.tap(index), 'mode', 'tap'])
            run(['ip', '-n', lab.lan_ns, 'link', 'set', lab.tap(index), 'master', 'br0', 'up'])


# --- other hosts on the LANs: a site DHCP server, a router with a DHCP relay -----------

SITE_IP = PXE_NET + '.2'
REMOTE_NET = '10.78.0'
ROUTER_LAN_IP = PROBE_IP          # the lan namespace routes between the PXE LAN and the remote segment
ROUTER_REMOTE_IP = REMOTE_NET + '.1'


def _start_dnsmasq(lab, ns, name, args):
    """Start a dnsmasq of the test's own in namespace ``ns``; return its PID (killed by stop_process)."""
    lab.state_dir.mkdir(parents=True, exist_ok=True)
    log = lab.state_dir / ('%s.log' % name)
    cmd = ['ip', 'netns', 'exec', ns, 'dnsmasq', '--keep-in-foreground', '--no-resolv', '--no-hosts', '--port=0',
           '--bind-interfaces', '--log-facility=%s' % log, '--pid-file=', '--user=root'] + args
    with open(lab.state_dir / ('%s.stderr' % name), 'ab') as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)  # pylint: disable=consider-using-with
    time.sleep(0.5)
    if proc.poll() is not None:
        raise LabError('%s dnsmasq exited at once (%s): see %s' % (name, proc.returncode, lab.state_dir))
    (lab.state_dir / ('%s.pid' % name)).write_text(str(proc.pid))
    return proc.pid


def stop_process(lab, name):
    """Stop a process this module started (by its recorded PID)."""
    pid_file = lab.state_dir / ('%s.pid' % name)
    if not pid_file.exists():
        return
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 15)
        for _attempt in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    pid_file.unlink()


def site_dhcp_up(lab):
    """An existing "site" DHCP server on the PXE LAN: addresses only, no boot information."""
    ns = '%s-site' % lab.name
    if not pathlib.Path('/run/netns', ns).exists():
        run(['ip', 'netns', 'add', ns])
        run(['ip', '-n', ns, 'link', 'set', 'lo', 'up'])
        run(['ip', '-n', ns, 'link', 'add', 'site0', 'type', 'veth', 'peer', 'name', 'site-uplink', 'netns', lab.lan_ns])
        run(['ip', '-n', lab.lan_ns, 'link', 'set', 'site-uplink', 'master', 'br0', 'up'])
        run(['ip', '-n', ns, 'addr', 'add', SITE_IP + '/24', 'dev', 'site0'])
        run(['ip', '-n', ns, 'link', 'set', 'site0', 'up'])
    return _start_dnsmasq(lab, ns, 'site-dhcp', [
        '--interface=site0', '--dhcp-range=%s.100,%s.199,255.255.255.0,1h' % (PXE_NET, PXE_NET), '--no-ping',
        '--dhcp-leasefile=%s' % (lab.state_dir / 'site-dhcp.leases'), '--dhcp-option=option:router', '--log-dhcp'])


def site_dhcp_down(lab):
    stop_process(lab, 'site-dhcp')
    run(['ip', 'netns', 'del', '%s-site' % lab.name], check=False)


def relay_up(lab, taps=2):
    """A remote segment 10.78.0.0/24 (bridge br1, taps rtapN) routed through the lan namespace,
    whose DHCP relay forwards to the PXE server; the server learns the route back."""
    if run(['ip', '-n', lab.lan_ns, 'link', 'show', 'br1'], check=False).returncode != 0:
        run(['ip', '-n', lab.lan_ns, 'link', 'add', 'br1', 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0'])
        run(['ip', '-n', lab.lan_ns, 'addr', 'add', ROUTER_REMOTE_IP + '/24', 'dev', 'br1'])
        run(['ip', '-n', lab.lan_ns, 'link', 'set', 'br1', 'up'])
        for index in range(taps):
            run(['ip', '-n', lab.lan_ns, 'tuntap', 'add', 'dev', 'rtap%d' % index, 'mode', 'tap'])
            run(['ip', '-n', lab.lan_ns, 'link', 'set', 'rtap%d' % index, 'master', 'br1', 'up'])
        run(['ip', 'netns', 'exec', lab.lan_ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
        run(['ip', '-n', lab.srv_ns, 'route', 'replace', REMOTE_NET + '.0/24', 'via', ROUTER_LAN_IP])
    return _start_dnsmasq(lab, lab.lan_ns, 'relay', [
        '--interface=br1', '--dhcp-relay=%s,%s' % (ROUTER_REMOTE_IP, SERVER_IP), '--log-dhcp'])


def relay_down(lab):
    stop_process(lab, 'relay')


def network_down(lab):
    """Remove what network_up created; missing pieces are fine."""
    for ns in (lab.lan_ns, lab.srv_ns):
        run(['ip', 'netns', 'del', ns], check=False)
    run(['ip', 'link', 'del', '%s-m0' % lab.name], check=False)
    run(['iptables', '-t', 'nat', '-D'] + _nat_rule(lab), check=False)
    run(['ip', 'link', 'del', lab.bridge], check=False)


# --- container ---------------------------------------------------------------

def _ensure_ssh_key(lab):
    lab.state_dir.mkdir(parents=True, exist_ok=True)
    if not lab.ssh_key.exists():
        run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'netboot-pxe-lab', '-f', str(lab.ssh_key)])
    return lab.ssh_key.with_suffix('.pub').read_text()


def container_up(lab, image):
    """Start the server container (systemd as PID 1) and wait until systemd and sshd answer."""
    pubkey = _ensure_ssh_key(lab)
    run(PODMAN + ['rm', '-f', '-t', '5', lab.container], check=False)
    run(PODMAN + ['run', '-d', '--replace', '--name', lab.container, '--hostname', 'pxe-server',
                  '--label', 'netboot-pxe-lab=%s' % lab.name, '--systemd=always',
                  '--network=ns:/run/netns/%s' % lab.srv_ns,
                  '--ulimit=nofile=20000:20000', '--ulimit=nproc=32768:32768',
                  '--cap-add=NET_ADMIN', '--cap-add=NET_RAW', '--cap-add=SYS_ADMIN',
                  image, '/sbin/init'])
    _wait_booted(lab)
    run(PODMAN + ['exec', '-i', lab.container, 'sh', '-c',
                  'install -d -m 700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys'],
        input=pubkey)
    _wait_ssh(lab)


def _wait_booted(lab):
    state = ''
    for _attempt in range(120):
        proc = run(PODMAN + ['exec', lab.container, 'systemctl', 'is-system-running', '--wait'], check=False)
        state = proc.stdout.strip()
        if state in ('running', 'degraded'):
            return
        time.sleep(1)
    raise LabError('systemd in %s did not finish booting (last state %r)' % (lab.container, state))


def _wait_ssh(lab):
    for _attempt in range(60):
        if ssh(lab, 'true', check=False).returncode == 0:
            return
        time.sleep(1)
    raise LabError('no SSH to %s at %s' % (lab.container, lab.mgmt_ip))


def container_restart(lab, timeout=10):
    """Restart the server container, as a reboot of the server would; return the seconds until systemd and sshd answer.

    The container joins the lab's server namespace, which podman does not own: the management veth and
    the PXE LAN veth (pxe0) stay. network_up re-wires whatever a restart lost (it only adds what is missing).
    """
    start = time.monotonic()
    run(PODMAN + ['restart', '-t', str(timeout), lab.container])
    network_up(lab)
    _wait_booted(lab)
    _wait_ssh(lab)
    return time.monotonic() - start


def container_down(lab):
    run(PODMAN + ['rm', '-f', '-t', '5', lab.container], check=False)


def ssh_args(lab):
    return ['-i', str(lab.ssh_key), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
            '-o', 'LogLevel=ERROR', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5']


def ssh(lab, command, check=True):
    return run(['ssh'] + ssh_args(lab) + ['root@' + lab.mgmt_ip, command], check=check)


def inventory(lab, path=None):
    """Write an Ansible inventory for the lab's server and return its path."""
    path = pathlib.Path(path or lab.state_dir / 'inventory.yml')
    data = {
        'pxe_servers': {
            'hosts': {
                'pxe-server': {
                    'ansible_host': lab.mgmt_ip,
                    'ansible_user': 'root',
                    'ansible_ssh_private_key_file': str(lab.ssh_key),
                    'ansible_ssh_common_args': '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null',
                    'ansible_python_interpreter': '/usr/bin/python3',
                },
            },
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + '\n')
    return path


def up(lab):
    """Everything: host packages, image, network, container. Returns the inventory path."""
    ensure_host_packages()
    image = ensure_image()
    network_up(lab)
    container_up(lab, image)
    return inventory(lab)


def down(lab):
    relay_down(lab)
    site_dhcp_down(lab)
    container_down(lab)
    network_down(lab)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('action', choices=['image', 'up', 'down', 'inventory'])
    parser.add_argument('name', nargs='?', default='nbp')
    parser.add_argument('--mgmt-octet', type=int, default=213)
    args = parser.parse_args(argv)
    lab = Lab(name=args.name, mgmt_octet=args.mgmt_octet)
    if args.action == 'image':
        ensure_host_packages()
        print(ensure_image())
    elif args.action == 'up':
        print(up(lab))
    elif args.action == 'down':
        down(lab)
    else:
        print(inventory(lab))
    return 0


if __name__ == '__main__':
    sys.exit(main())
