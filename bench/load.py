"""Load test: N simultaneous browser sessions changing filters against the app on localhost.

    python bench/load.py [--sessions 20] [--seconds 60] [--port 8765] [--db PATH] [--page explorer]

Starts `streamlit run app.py` on the port (unless --url is given), opens N pages in one
headless Chromium (Debian's /usr/bin/chromium), and in each, until the time is up, clicks a
different comparison or pooling option in the sidebar and waits for the rerun to finish
(the app's script state going back to "notRunning"). Reports reruns, errors (exception
boxes or timeouts: must be zero) and the p50/p95/max rerun latency. Bounded: every wait has
a timeout and the whole run stops after --seconds plus one rerun.
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=20)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--db", help="database for the app (default: the app's own)")
    p.add_argument("--page", default="explorer", help="page URL path to load (default explorer)")
    p.add_argument("--url", help="an already running app's base URL (then no server is started)")
    args = p.parse_args(argv)
    server = None if args.url else start_server(args.port, args.db)
    base = args.url or f"http://localhost:{args.port}"
    try:
        latencies, errors = asyncio.run(run(f"{base}/{args.page}", args.sessions, args.seconds))
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
    q = (statistics.quantiles(latencies, n=20, method="inclusive") if len(latencies) >= 2
         else [float("nan")] * 19)
    print(f"sessions {args.sessions}, {args.seconds:.0f} s, page /{args.page}")
    print(f"reruns {len(latencies)}, errors {len(errors)}")
    if latencies:
        print(f"rerun latency p50 {statistics.median(latencies):.2f} s, p95 {q[18]:.2f} s, "
              f"max {max(latencies):.2f} s")
    for e in errors[:10]:
        print("  " + e)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
