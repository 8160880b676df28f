"""`python -m deploy.replicas --replicas N --port P`: N app processes on localhost behind Debian's nginx
(deploy/nginx.conf.in) at http://127.0.0.1:P, until Ctrl-C. nginx runs as this user with a temporary
prefix (its config, logs, pid and buffers), no system service. `make serve-replicas N=2` runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.in")
INSTALL = "sudo apt-get install nginx"


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which a user's PATH may lack), or None."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def render(listen: int, app_ports: list[int], prefix: Path) -> str:
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in app_ports)
    return (TEMPLATE.read_text().replace("@PREFIX@", str(prefix)).replace("@LISTEN@", f"127.0.0.1:{listen}")
            .replace("@SERVERS@", servers))


@dataclass
class Replicas:
    url: str  # nginx
    apps: dict[str, subprocess.Popen] = field(default_factory=dict)  # "127.0.0.1:port" → its process
    prefix: Path | None = None


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float, what: str) -> None:
    """Return when Streamlit's health URL says ok; raise if `proc` exits or `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start (exit code {proc.poll()})")
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    """Terminate, then kill after 10 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def serve(app_ports: list[int], listen: int, log_dir: Path | None = None, timeout: float = 120.0,
          env: dict[str, str] | None = None) -> Iterator[Replicas]:
    """Start one app per port (each told its own address, DIGIT_LENS_REPLICA) and nginx in front; stop all
    afterwards. `env`: extra variables for the apps (the tests turn warm-up and priming off)."""
    nginx = nginx_binary()
    if nginx is None:
        raise RuntimeError(f"nginx is not installed: `{INSTALL}`")
    if len(set(app_ports)) != len(app_ports) or listen in app_ports or not app_ports:
        raise ValueError(f"need distinct app ports and another port for nginx, got {app_ports} and {listen}")
    prefix = Path(tempfile.mkdtemp(prefix="digit-lens-nginx-"))
    log_dir = Path(log_dir or prefix)
    log_dir.mkdir(parents=True, exist_ok=True)
    out = Replicas(f"http://127.0.0.1:{listen}", prefix=prefix)
    logs = []
    proxy = None
    try:
        for port in app_ports:
            address = f"127.0.0.1:{port}"
            logs.append(open(log_dir / f"replica-{port}.log", "w"))  # noqa: SIM115
            out.apps[address] = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "--server.port", str(port), "--server.address", "127.0.0.1"],
                cwd=ROOT, stdout=logs[-1], stderr=subprocess.STDOUT,
                env={**os.environ, **(env or {}), "DIGIT_LENS_REPLICA": address})
        (prefix / "nginx.conf").write_text(render(listen, app_ports, prefix))
        proxy = subprocess.Popen([nginx, "-p", str(prefix), "-e", str(prefix / "error.log"),
                                  "-c", str(prefix / "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for address, proc in out.apps.items():
            wait_healthy(f"http://{address}", proc, timeout, f"the app at {address}")
        wait_healthy(out.url, proxy, 10, f"nginx at {out.url} (see {prefix / 'error.log'})")
        yield out
    finally:
        for proc in [*([proxy] if proxy else []), *out.apps.values()]:
            stop(proc)
        for log in logs:
            log.close()
        shutil.rmtree(prefix, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m deploy.replicas", description=__doc__)
    p.add_argument("--replicas", type=int, default=2, help="app processes (default 2)")
    p.add_argument("--port", type=int, default=8500, help="nginx's port; the apps take the next N ports")
    args = p.parse_args(argv)
    if not 1 <= args.replicas <= 16:
        p.error(f"--replicas must be in 1..16, got {args.replicas}")
    ports = [args.port + 1 + i for i in range(args.replicas)]
    try:
        with serve(ports, args.port, log_dir=ROOT / "test-artifacts") as replicas:
            print(f"Digit Lens on {replicas.url} ({args.replicas} replicas: {', '.join(replicas.apps)}); "
                  "Ctrl-C stops them", flush=True)
            for sig in (signal.SIGINT, signal.SIGTERM):  # `kill` stops them as Ctrl-C does (even when started
                signal.signal(sig, signal.default_int_handler)  # in the background, where SIGINT is ignored)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
