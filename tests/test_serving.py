"""The deployment of docs/serving.md: several app processes behind nginx with sticky
sessions (deploy/nginx.conf, scripts/serve.py), sharing the read-only synthetic database.

The integration test needs Debian's nginx; it is skipped without it, unless REQUIRE_NGINX=1
(CI), where a missing nginx fails.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import subprocess
import sys
import urllib.request
from collections import defaultdict

import pytest

from analytics import ROOT
from scripts import serve


def _run(coroutine):
    """Run a coroutine on a thread of its own: a browser test's Playwright (sync API) may
    still hold an event loop on the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_config_is_filled_in_for_the_processes():
    text = serve.site_config(9000, [7001, 7002, 7003])
    assert "listen 127.0.0.1:9000;" in text
    assert text.count("    server 127.0.0.1:") == 3 and "server 127.0.0.1:7003;" in text
    assert "hash $disprop_route consistent;" in text
    with pytest.raises(ValueError, match="backends"):
        serve.site_config(9000, [7001], text="events {}")


def _nginx_missing():
    if os.environ.get("REQUIRE_NGINX") == "1":
        pytest.fail("REQUIRE_NGINX=1 but nginx is not installed")
    pytest.skip("nginx is not installed (apt-get install nginx)")


def _get(url: str, cookie: str | None = None):
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.status, r.headers.get_all("Set-Cookie") or []


async def _run_page(url: str, cookie: str, page: str = "explorer") -> tuple[list[str], str]:
    """One session over the proxy: the page's script run to its end; the kinds of element
    it drew (an exception would be one) and the text of what it sent."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with websockets.connect(stream, subprotocols=["streamlit"], max_size=None,
                                  additional_headers={"Cookie": cookie}) as ws:
        msg = BackMsg()
        msg.rerun_script.page_name = page
        await ws.send(msg.SerializeToString())
        kinds, text = [], []
        while True:
            reply = ForwardMsg()
            reply.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=300))
            if reply.WhichOneof("type") == "delta":
                kinds.append(reply.delta.new_element.WhichOneof("type") or "")
                text.append(str(reply.delta))
            if reply.WhichOneof("type") == "script_finished" and reply.script_finished != 2:
                assert reply.script_finished == 0       # 0 success, 1 error (2: it reran)
                return kinds, "\n".join(text)


def _routes(run) -> dict[str, set]:
    """route cookie -> the processes its requests reached (from nginx's access log)."""
    seen = defaultdict(set)
    for line in (run / "logs" / "disproportionality.access.log").read_text().splitlines():
        route = line.split("route=")[1].split()[0]
        seen[route].add(line.split("upstream=")[1].split()[0])
    return seen


def test_two_processes_behind_nginx_with_sticky_sessions(borough_db, tmp_path):
    if not shutil.which("nginx") and not os.path.exists(serve.NGINX):
        _nginx_missing()
    with serve.serving(2, db=borough_db, rundir=tmp_path / "run",
                       env={"DISPROP_USER_DATA": str(tmp_path / "user")}) as (url, run, ports):
        status, cookies = _get(url + "/")
        assert status == 200
        assert any(c.startswith("disprop_route=") and "HttpOnly" in c for c in cookies)
        # a browser that has the cookie is not given another
        assert not _get(url + "/", cookie="disprop_route=kept")[1]
        for i in range(16):
            for path in ("/", "/_stcore/health", "/_stcore/host-config"):
                _get(url + path, cookie=f"disprop_route=user{i}")
        routes = _routes(run)
        users = {r: u for r, u in routes.items() if r.startswith("user")}
        assert len(users) == 16 and all(len(u) == 1 for u in users.values())   # sticky
        assert {next(iter(u)) for u in users.values()} == {f"127.0.0.1:{p}" for p in ports}
        # a page runs through the proxy, its websocket on the same process as its requests
        first = {}
        for r, u in sorted(users.items()):
            first.setdefault(next(iter(u)), r)          # one route cookie per process

        async def pages():
            return await asyncio.gather(*(_run_page(url, f"disprop_route={r}")
                                          for r in first.values()))

        for kinds, text in _run(pages()):
            assert kinds and "exception" not in kinds and "shared_records" not in text
        assert all(len(u) == 1 for r, u in _routes(run).items() if r.startswith("user"))
        # the processes share the user store: a dataset imported by a third process (the
        # command line) is offered by both
        src = tmp_path / "records.csv"
        src.write_text("child_id,period,sex,ethnicity,age,on_roll,suspensions\n"
                       + "".join(f"{i},2023/24,{'Female' if i % 2 else 'Male'},WBRI,{8 + i % 7},1,"
                                 f"{i % 5 == 0:d}\n" for i in range(60)))
        done = subprocess.run([sys.executable, "-m", "analytics", "import", str(src), "--name",
                               "shared_records"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "DISPROP_USER_DATA": str(tmp_path / "user")})
        assert done.returncode == 0, done.stderr
        for _, text in _run(pages()):
            assert "shared_records" in text
