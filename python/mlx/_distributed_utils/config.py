"""``mlx.distributed_config``: write the hostfile ``mlx.launch`` reads, for
Linux machines over ethernet. Each host is asked for its IPv4 addresses
(``hostname -I``, over ssh unless it is this machine); the first one (or
the one on ``--subnet``) becomes the address the ring uses. MLX's
Thunderbolt and RDMA set-up (macOS only) is not done here.

    mlx.distributed_config --hosts node1,node2 --output-hostfile hosts.json
    mlx.launch --hostfile hosts.json train.py
"""

import argparse
import ipaddress
import json
import subprocess
import sys

from mlx._distributed_utils.launch import hostfile_from_file, is_ip, is_local


def addresses(host, verbose=False):
    """The IPv4 addresses of `host` (not loopback), or None if unreachable."""
    cmd = ["hostname", "-I"] if is_local(host) else ["ssh", "-o", "BatchMode=yes", host, "hostname -I"]
    if verbose:
        print("[INFO] Running", " ".join(cmd), flush=True)
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    ips = []
    for word in out.stdout.split():
        try:
            ip = ipaddress.ip_address(word)
        except ValueError:
            continue
        if ip.version == 4 and not ip.is_loopback:
            ips.append(word)
    return ips


def pick(ips, subnet):
    if subnet is None:
        return ips[:1]
    net = ipaddress.ip_network(subnet, strict=False)
    return [ip for ip in ips if ipaddress.ip_address(ip) in net][:1]


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="mlx.distributed_config", description="Configure machines for use with MLX distributed"
    )
    p.add_argument("--verbose", action="store_true", help="Print debug messages in stdout")
    p.add_argument("--hosts", default="127.0.0.1", help="A comma separated list of hosts")
    p.add_argument("--ignore-unreachable", action="store_true", help="Leave out hosts ssh cannot reach")
    p.add_argument("--hostfile", help="The file containing the hosts")
    p.add_argument("--over", choices=["ethernet"], default="ethernet", help="What connectivity to configure")
    p.add_argument("--subnet", help="Use the address of each host in this network (e.g. 10.0.0.0/24)")
    p.add_argument("--output-hostfile", help="Save the hostfile here (else print it)")
    p.add_argument("--backend", choices=["ring"], default="ring", help="Which backend to configure")
    p.add_argument("--env", action="append", default=[], help="Environment variables for the jobs")
    args = p.parse_args(argv)

    names = (
        [h.ssh for h in hostfile_from_file(args.hostfile).hosts]
        if args.hostfile
        else [h.strip() for h in args.hosts.split(",") if h.strip()]
    )
    hosts = []
    for name in names:
        if is_local(name) and is_ip(name):
            ips = [name]
        else:
            found = addresses(name, args.verbose)
            if found is None:
                if args.ignore_unreachable:
                    continue
                p.error(f"Could not reach {name} over ssh (--ignore-unreachable leaves it out)")
            ips = pick(found, args.subnet)
            if not ips:
                p.error(f"{name} has no IPv4 address" + (f" in {args.subnet}" if args.subnet else ""))
        hosts.append({"ssh": name, "ips": ips})
    text = json.dumps({"backend": args.backend, "envs": args.env, "hosts": hosts}, indent=2)
    if args.output_hostfile:
        with open(args.output_hostfile, "w") as f:
            f.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
