"""Load test: N simultaneous sessions changing filters against the app on localhost.

    python bench/load.py [--mode ws|browser] [--sessions 20] [--seconds 60] [--port 8765]
                         [--db PATH] [--page explorer] [--processes N]

Starts `streamlit run app.py` on the port (unless --url is given), or with `--processes N`
the deployment of docs/serving.md: N app processes behind nginx with sticky sessions
(scripts/serve.py), driven through the proxy. Then, until the time is up, each session asks
for reruns with different filters and times each one:

* `ws` (default): each session speaks Streamlit's own websocket protocol, as the browser
  does, and asks for a rerun with a new query string (every filter is bound to the URL, so
  the query string is the view); latency is until the server reports the run finished.
  This measures the server, not a browser's drawing.
* `browser`: N pages in one headless Chromium (Debian's /usr/bin/chromium) click sidebar
  options and wait for the app's script state to return to "notRunning". On a small
  machine the browsers' own drawing dominates (they share its cores with the server).

Each session first loads the page over HTTP, as a browser does, and keeps the cookies it is
given (behind the proxy: the route cookie that keeps it on one process). Reports reruns,
errors (exceptions shown, failed runs or timeouts: must be zero), the p50/p95/max rerun
latency and, behind the proxy, how the sessions spread over the processes. Bounded: every wait has a timeout and the run stops after
--seconds plus one rerun.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
#: Sidebar options clicked in turn: each click changes a filter and reruns the page.
CLICKS = ["All other children", "Borough average (all children)", "3 years", "1 year",
          "Minor group", "Major group"]


def start_server(port: int, db: str | None) -> subprocess.Popen:
    env = {**os.environ, **({"DISPROP_DB": db} if db else {})}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.headless", "true", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the app did not start within 120 s")


async def session(browser, url: str, until: float, index: int, latencies: list, errors: list):
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    try:
        await page.goto(url, timeout=120_000)
        await page.wait_for_selector(IDLE, timeout=120_000)
        step = index                                  # sessions start on different options
        while time.time() < until:
            label = CLICKS[step % len(CLICKS)]
            step += 1
            start = time.perf_counter()
            await page.get_by_text(label, exact=True).first.click(timeout=30_000)
            try:   # the rerun starts within a frame or two; poll every animation frame
                await page.wait_for_function(
                    "() => document.querySelector('[data-testid=stApp]')"
                    ".getAttribute('data-test-script-state') !== 'notRunning'",
                    polling="raf", timeout=3_000)
            except Exception:  # finished between two frames: it is done
                pass
            try:
                await page.wait_for_selector(IDLE, timeout=60_000)
            except Exception as e:
                errors.append(f"session {index}: timeout after {label!r}: {type(e).__name__}")
                continue
            latencies.append(time.perf_counter() - start)
            if await page.locator('[data-testid="stException"]').count():
                errors.append(f"session {index}: exception shown after {label!r}")
    except Exception as e:
        errors.append(f"session {index}: {type(e).__name__}: {e}")
    finally:
        await page.close()


#: Views the websocket sessions cycle through (query strings of the page's URL).
QUERIES = ["", "period=2023%2F24", "cmp=All+other+children", "years=3",
           "eth=Minor+group", "period=2021%2F22&eth=Minor+group", "by_sex=false",
           "cmp=All+other+children&years=3", "outcome=Custodial+sentences+%28Youth+justice%29",
           "period=2019%2F20&level=0.99"]


def _cookies(url: str, page: str) -> str:
    """Load the page like a browser and return the Cookie header it would send next."""
    with urllib.request.urlopen(f"{url}/{page}", timeout=60) as r:
        jar = [h.split(";", 1)[0] for h in r.headers.get_all("Set-Cookie") or []]
    return "; ".join(jar)


async def ws_session(url: str, page: str, until: float, index: int, latencies: list,
                     errors: list) -> None:
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    step = index
    try:
        cookie = await asyncio.to_thread(_cookies, url, page)
        async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=60,
                                      additional_headers={"Cookie": cookie} if cookie else None
                                      ) as ws:
            first = True
            while time.time() < until or first:
                query = QUERIES[step % len(QUERIES)]
                step += 1
                msg = BackMsg()
                msg.rerun_script.query_string = query
                msg.rerun_script.page_name = page
                start = time.perf_counter()
                await ws.send(msg.SerializeToString())
                failed = False
                while True:
                    reply = ForwardMsg()
                    reply.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=120))
                    kind = reply.WhichOneof("type")
                    if kind == "delta" and reply.delta.new_element.WhichOneof("type") == "exception":
                        failed = True
                    if kind == "script_finished" and reply.script_finished in (0, 1):
                        failed = failed or reply.script_finished == 1
                        break
                if failed:
                    errors.append(f"session {index}: the run for {query!r} failed")
                elif not first:          # the session's first run also builds its caches
                    latencies.append(time.perf_counter() - start)
                first = False
    except Exception as e:
        errors.append(f"session {index}: {type(e).__name__}: {e}")


async def run_ws(url: str, page: str, sessions: int, seconds: float) -> tuple[list, list]:
    latencies: list[float] = []
    errors: list[str] = []
    until = time.time() + seconds
    await asyncio.gather(*(ws_session(url, page, until, i, latencies, errors)
                           for i in range(sessions)))
    return latencies, errors


async def run(url: str, sessions: int, seconds: float) -> tuple[list, list]:
    from playwright.async_api import async_playwright
    latencies: list[float] = []
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        until = time.time() + seconds
        await asyncio.gather(*(session(browser, url, until, i, latencies, errors)
                               for i in range(sessions)))
        await browser.close()
    return latencies, errors


def spread(run: Path) -> dict[str, int]:
    """Sessions (route cookies) per app process, from the proxy's access log."""
    routes: dict[str, set] = {}
    for line in (run / "logs" / "disproportionality.access.log").read_text().splitlines():
        if "/_stcore/stream" in line:
            upstream = line.split("upstream=")[1].split()[0]
            routes.setdefault(upstream, set()).add(line.split("route=")[1].split()[0])
    return {u: len(r) for u, r in sorted(routes.items())}


def drive(sessions: int = 20, seconds: float = 60, mode: str = "ws", page: str = "explorer",
          processes: int = 0, port: int = 8765, db: str | None = None,
          url: str | None = None) -> dict:
    """Run the load test; returns reruns, errors, p50/p95/max latency (s) and, behind the
    proxy, sessions per process."""
    with ExitStack() as stack:
        run = None
        if url:
            base = url
        elif processes:
            sys.path.insert(0, str(ROOT))
            from scripts.serve import serving
            base, run, _ = stack.enter_context(serving(processes, port, db))
        else:
            server = start_server(port, db)
            stack.callback(_stop, server)
            base = f"http://localhost:{port}"
        if mode == "ws":
            latencies, errors = asyncio.run(run_ws(base, page, sessions, seconds))
        else:
            latencies, errors = asyncio.run(run(f"{base}/{page}", sessions, seconds))
        per_process = spread(run) if run else {}
    q = (statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) >= 2
         else [float("nan")] * 19)
    return {"mode": mode, "sessions": sessions, "seconds": seconds, "page": page,
            "processes": processes, "reruns": len(latencies), "errors": errors,
            "p50_s": statistics.median(latencies) if latencies else float("nan"),
            "p95_s": q[18], "max_s": max(latencies) if latencies else float("nan"),
            "per_process": per_process}


def report(r: dict) -> str:
    where = f", {r['processes']} processes behind nginx" if r["processes"] else ""
    lines = [f"mode {r['mode']}, sessions {r['sessions']}, {r['seconds']:.0f} s, "
             f"page /{r['page']}{where}",
             f"reruns {r['reruns']}, errors {len(r['errors'])}"]
    if r["reruns"]:
        lines.append(f"rerun latency p50 {r['p50_s']:.2f} s, p95 {r['p95_s']:.2f} s, "
                     f"max {r['max_s']:.2f} s")
    if r["per_process"]:
        lines.append("sessions per process: "
                     + ", ".join(f"{u} {n}" for u, n in r["per_process"].items()))
    lines += ["  " + e for e in r["errors"][:10]]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=["ws", "browser"], default="ws")
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--db", help="database for the app (default: the app's own)")
    p.add_argument("--page", default="explorer", help="page URL path to load (default explorer)")
    p.add_argument("--url", help="an already running app's base URL (then no server is started)")
    p.add_argument("--processes", type=int, default=0,
                   help="start N app processes behind nginx (scripts/serve.py) and drive the "
                        "proxy; 0 (default): one process, no proxy")
    args = p.parse_args(argv)
    result = drive(args.sessions, args.seconds, args.mode, args.page, args.processes,
                   args.port, args.db, args.url)
    print(report(result))
    return 1 if result["errors"] else 0


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
