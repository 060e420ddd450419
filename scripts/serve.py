"""Serve the dashboard as several processes behind nginx with sticky sessions
(docs/serving.md): the deployment that `bench/load.py --processes N` and
tests/test_serving.py run, and a way to run it on one machine.

    python -m scripts.serve [--processes 4] [--port 8080] [--db PATH] [--dir RUNDIR]

Builds the synthetic database first if it is missing (once, under a file lock, so the
processes never race to build it), starts N `streamlit run app.py` processes on free local
ports, each reading the same database read-only and the same user store, then nginx with
`deploy/nginx.conf` (its listen port and upstream list filled in). Stops them all on Ctrl-C.
nginx is Debian's package (`apt-get install nginx`); it runs here as an ordinary process
with its files under RUNDIR, not as the system service.
"""
from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from analytics import ROOT
from analytics.data.db import ensure_database

SITE = ROOT / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
START_TIMEOUT = 180

#: The main nginx file around deploy/nginx.conf: every path under the run folder (`-p`).
MAIN = """\
{user}worker_processes 1;
pid nginx.pid;
error_log logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
    include site.conf;
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_config(listen: int, ports: list[int], text: str | None = None) -> str:
    """deploy/nginx.conf with its listen port and one upstream server per process."""
    text = SITE.read_text() if text is None else text
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in ports)
    text, n = re.subn(r"(    # backends\n).*?(    # end backends\n)",
                      lambda m: m.group(1) + servers + m.group(2), text, flags=re.S)
    text, m = re.subn(r"listen 127\.0\.0\.1:\d+;", f"listen 127.0.0.1:{listen};", text)
    if n != 1 or m != 1:
        raise ValueError(f"{SITE} lost its '# backends' block or its listen line")
    return text


def wait_healthy(url: str, procs, timeout: float = START_TIMEOUT) -> None:
    """Until `url`/_stcore/health answers ok; RuntimeError if a process died or time ran out."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise RuntimeError(f"process {p.args[:3]}... exited with {p.returncode}")
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not become healthy within {timeout:.0f} s")


def _stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextmanager
def serving(processes: int = 4, port: int | None = None, db: str | Path | None = None,
            rundir: str | Path | None = None, env: dict | None = None):
    """Run N app processes behind nginx; yields (proxy URL, run folder, app ports)."""
    if not Path(NGINX).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    db = ensure_database(db) if db else None
    own = rundir is None
    run = Path(rundir or tempfile.mkdtemp(prefix="disprop-serve-"))
    for sub in ("logs", "tmp"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    ports = [free_port() for _ in range(processes)]
    # One cookie secret for every process, so a signed cookie is valid whichever serves it.
    base_env = {**os.environ, "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_urlsafe(32),
                **({"DISPROP_DB": str(db)} if db else {}), **(env or {})}
    apps: list[subprocess.Popen] = []
    nginx = None
    try:
        for p in ports:
            log = open(run / "logs" / f"app-{p}.log", "wb")
            apps.append(subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                 "--server.headless", "true", "--server.address", "127.0.0.1",
                 "--server.fileWatcherType", "none",
                 "--server.port", str(p)],
                cwd=ROOT, env=base_env, stdout=log, stderr=subprocess.STDOUT))
            log.close()
        for p in ports:
            wait_healthy(f"http://127.0.0.1:{p}", apps)
        (run / "site.conf").write_text(site_config(port, ports))
        user = "user root;\n" if os.geteuid() == 0 else ""
        (run / "nginx.conf").write_text(MAIN.format(user=user))
        nginx = subprocess.Popen([NGINX, "-p", str(run), "-c", str(run / "nginx.conf"),
                                  "-g", "daemon off;"], stdout=subprocess.DEVNULL,
                                 stderr=open(run / "logs" / "nginx.out", "wb"))
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, [nginx, *apps], timeout=30)
        yield url, run, ports
    finally:
        if nginx is not None:
            _stop(nginx, signal.SIGQUIT)       # graceful: finish the requests in flight
        for proc in apps:
            _stop(proc)
        if own and not os.environ.get("DISPROP_KEEP_RUNDIR"):
            shutil.rmtree(run, ignore_errors=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.serve", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--processes", type=int, default=4, help="app processes (default 4)")
    p.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    p.add_argument("--db", help="the synthetic database (default the app's own)")
    p.add_argument("--dir", help="run folder for nginx's files and the logs (default: temporary)")
    args = p.parse_args(argv)
    with serving(args.processes, args.port, args.db or str(ensure_database()), args.dir) as (
            url, run, ports):
        print(f"serving {url} -> {len(ports)} processes on ports "
              f"{', '.join(map(str, ports))}; logs in {run / 'logs'}; Ctrl-C stops", flush=True)
        stop = {signal.SIGINT, signal.SIGTERM}
        signal.pthread_sigmask(signal.SIG_BLOCK, stop)   # after the children started
        signal.sigwait(stop)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
