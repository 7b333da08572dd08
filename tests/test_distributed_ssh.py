"""mlx.launch starting ranks over ssh, as on a cluster: a private sshd on a
free loopback port (its own host key and authorized key in the test's
temporary folder) stands for the remote hosts, and an `ssh` wrapper first on
PATH points the launcher's plain `ssh HOST` at it. Skipped where sshd or
ssh is not installed (Debian: openssh-server)."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from test_distributed import PYTHON_DIR, WORKER, env, free_ports

SSHD = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
SSH = shutil.which("ssh")
KEYGEN = shutil.which("ssh-keygen")

pytestmark = pytest.mark.skipif(
    not (SSHD and SSH and KEYGEN), reason="needs sshd, ssh and ssh-keygen (openssh-server)"
)

HOSTS = ("node0", "node1")


def _keygen(path):
    subprocess.run([KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def _wait_for_port(port, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


@pytest.fixture
def ssh_hosts(tmp_path):
    """PATH for the launcher, where `ssh node0` and `ssh node1` reach a
    private sshd on this machine."""
    _keygen(tmp_path / "host_key")
    _keygen(tmp_path / "user_key")
    shutil.copy(tmp_path / "user_key.pub", tmp_path / "authorized_keys")
    port = free_ports(1)
    (tmp_path / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp_path}/host_key\n"
        f"AuthorizedKeysFile {tmp_path}/authorized_keys\nPubkeyAuthentication yes\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPermitRootLogin prohibit-password\nPidFile none\n"
    )
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation folder
    sshd = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(tmp_path / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if not _wait_for_port(port, sshd):
        sshd.kill()
        pytest.skip("sshd did not start: " + (sshd.communicate()[1] or "")[-300:])
    (tmp_path / "ssh_config").write_text(
        f"Host {' '.join(HOSTS)}\n  HostName 127.0.0.1\n  Port {port}\n  User {os.environ.get('USER', 'root')}\n"
        f"  IdentityFile {tmp_path}/user_key\n  IdentitiesOnly yes\n  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n  BatchMode yes\n"
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "ssh"
    wrapper.write_text(f'#!/bin/sh\nexec {SSH} -F {tmp_path}/ssh_config "$@"\n')
    wrapper.chmod(0o755)
    probe = subprocess.run([str(wrapper), HOSTS[0], "true"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        sshd.kill()
        pytest.skip("cannot log in to the private sshd: " + probe.stderr[-300:])
    try:
        yield str(bin_dir) + os.pathsep + os.environ.get("PATH", "")
    finally:
        sshd.kill()
        sshd.wait()


def launch_over_ssh(tmp_path, path, *args, timeout=120):
    hostfile = tmp_path / "hosts.json"
    hostfile.write_text(json.dumps([{"ssh": h, "ips": ["127.0.0.1"]} for h in HOSTS]))
    cmd = [sys.executable, "-m", "mlx.launch", "--hostfile", str(hostfile), "--backend", "ring"]
    cmd += ["-p", str(free_ports(2)), "--env", f"PYTHONPATH={PYTHON_DIR}"]
    # sshd starts the ranks with a clean environment: a sanitized build
    # (tools/sanitize.sh) needs its runtime preloaded there too.
    for key in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if key in os.environ:
            cmd += ["--env", f"{key}={os.environ[key]}"]
    cmd += args
    return subprocess.run(
        cmd, env=env(PATH=path), capture_output=True, text=True, timeout=timeout, cwd=str(tmp_path)
    )


def test_ranks_started_over_ssh(ssh_hosts, tmp_path):
    """The remote ranks get --env and --cwd, find each other through the
    hostfile the launcher writes on their side, and pass the collectives."""
    work = tmp_path / "work"
    work.mkdir()
    proc = launch_over_ssh(
        tmp_path, ssh_hosts, "--env", "MLX_SSH_PROBE=42", "--cwd", str(work), WORKER, "collectives"
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for r in range(2):
        assert f"OK collectives {r}" in proc.stdout, out
    probe = [sys.executable, "-c", "import os; print(os.environ['MLX_SSH_PROBE'], os.getcwd())"]
    proc = launch_over_ssh(tmp_path, ssh_hosts, "--env", "MLX_SSH_PROBE=42", "--cwd", str(work), *probe)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(f"42 {work}") == 2, proc.stdout


def test_dead_remote_rank_fails_the_launch(ssh_hosts, tmp_path):
    start = time.monotonic()
    proc = launch_over_ssh(tmp_path, ssh_hosts, "--env", "MLX_RING_TIMEOUT=20", WORKER, "peer_dies")
    out = proc.stdout + proc.stderr
    # ssh passes the remote exit status through: rank 1's 7, rank 0's 3.
    assert proc.returncode in (7, 3), out
    assert "Rank 1 exited with status 7" in proc.stderr, out
    assert "CLEAN_ERROR 0 " in proc.stdout, out
    assert time.monotonic() - start < 60
