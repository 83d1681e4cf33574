"""Usage: python -m bench.web_load [--seconds S] [--clients N] [--no-postgres]

`/recs/CODE` under load on real uvicorn, against a bare Starlette app serving the
same bytes the same way. A site of 1,000 recommendations (`bench.web_site`) is
loaded, not timed, and a clerk signs in once; `--clients` concurrent clients (each
its own keep-alive connection and the signed-in cookie) then ask for the page, one
request after another, for `--seconds`. Requests a second, errors (any answer but
200, or a failed connection) and latency are counted at the clients.

Two pairs, each the app first and then its floor, in the same run:
- SQLite, one uvicorn worker;
- PostgreSQL (`--postgres URL`, its database made afresh), two uvicorn workers.

Both servers are started as `python -m uvicorn --factory ... --log-level warning`
(no access log), on h11, from a factory in this module; the floor's route returns
the page's bytes, fetched from the app once, as `text/html`. The load generator is
an httpx2 AsyncClient per client in this process, which shares the machine's cores
with the servers: its own CPU use is printed, since a floor fast enough to keep it
busy is measured short.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
from fastapi import FastAPI
from sqlalchemy import Engine, create_engine, make_url, text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.common import fresh_sqlite
from bench.web_site import CODE, EMAIL, PASSWORD, SECRET, csrf_of, seed_site
from rectrack.app import App
from rectrack.schema import upgrade
from workflow.db import make_engine

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/rectrack_bench_web"
PATH = f"/recs/{CODE}"
PAGE_FILE = "BENCH_WEB_PAGE"  # the environment variable naming the floor's bytes


def rectrack_app() -> FastAPI:
    """The web app as `rectrack web` builds it, from the settings (uvicorn's factory)."""
    from config import load_settings
    from rectrack.web import create_app

    app = App(load_settings())
    web = create_app(app)
    app.ensure_ready()
    return web


def bare_app() -> Starlette:
    """A Starlette app whose one route returns the page's bytes (uvicorn's factory)."""
    page = Path(os.environ[PAGE_FILE]).read_bytes()

    async def the_page(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    return Starlette(routes=[Route("/recs/{code:path}", the_page)])


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu: float = 0.0  # the load generator's own CPU seconds

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def p(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000


async def one_client(base: str, cookies: httpx2.Cookies, until: float, load: Load) -> None:
    async with httpx2.AsyncClient(base_url=base, cookies=cookies, timeout=30) as client:
        while time.perf_counter() < until:
            start = time.perf_counter()
            try:
                response = await client.get(PATH)
                ok = response.status_code == 200
            except httpx2.HTTPError:
                ok = False
            load.latencies.append(time.perf_counter() - start)
            load.errors += not ok


async def drive(base: str, cookies: httpx2.Cookies, clients: int, seconds: float) -> Load:
    load = Load()
    cpu, start = time.process_time(), time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(one_client(base, cookies, until, load) for _ in range(clients)))
    load.seconds, load.cpu = time.perf_counter() - start, time.process_time() - cpu
    return load


def signed_in(base: str) -> tuple[httpx2.Cookies, bytes]:
    """Sign the clerk in; return the session's cookies and the page as the app sends it."""
    with httpx2.Client(base_url=base) as client:
        token = csrf_of(client.get("/login").text)
        form = {"email": EMAIL, "password": PASSWORD, "csrf_token": token}
        assert client.post("/login", data=form).status_code == 303
        page = client.get(PATH)
        assert page.status_code == 200
        return client.cookies, page.content


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def uvicorn(factory: str, workers: int, env: dict[str, str]) -> Iterator[str]:
    """Serve `factory` on a free port with `workers` workers; yield its base URL."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", f"bench.web_load:{factory}"]
    command += ["--port", str(port), "--workers", str(workers)]
    command += ["--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen(command, env={**os.environ, **env}, cwd=Path(__file__).parent.parent)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base, server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"uvicorn stopped with status {server.returncode}")
        try:
            httpx2.get(base + PATH, timeout=1)
            return
        except httpx2.TransportError:
            time.sleep(0.1)
    raise RuntimeError("uvicorn did not start")


def measure(url: str, workers: int, clients: int, seconds: float, tmp: Path) -> list[Load]:
    """The app's load and its floor's, served alike."""
    env = {"RECTRACK_DATABASE_URL": url, "RECTRACK_WEB_SECRET_KEY": SECRET}
    with uvicorn("rectrack_app", workers, env) as base:
        cookies, page = signed_in(base)
        ours = asyncio.run(drive(base, cookies, clients, seconds))
    page_file = tmp / "page.html"
    page_file.write_bytes(page)
    with uvicorn("bare_app", workers, {PAGE_FILE: str(page_file)}) as base:
        floor = asyncio.run(drive(base, cookies, clients, seconds))
    return [ours, floor]


def fresh_postgres(url: str) -> Engine:
    """The database of `url`, made if missing, its schema emptied and migrated."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        found = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).scalar()
        if not found:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def show(title: str, ours: Load, floor: Load) -> None:
    print(f"\n{title}")
    for name, load in (("rectrack web app", ours), ("floor: bare Starlette", floor)):
        share = load.cpu / load.seconds
        print(
            f"  {name:<22} {load.rate:8,.0f} requests/s  errors {load.errors:<4}"
            f" p50 {load.p(50):7.1f} ms  p99 {load.p(99):7.1f} ms"
            f"  (load generator: {share:.0%} of a core)"
        )
    ratio = ours.rate / floor.rate
    print(f"  {'ratio of rates':<22} {ratio:8.2f}x   goal: 0 errors (rps and p99 as they are)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--postgres", default=PG_URL)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "web.db")
        seed_site(fresh_sqlite(path))
        loads = measure(f"sqlite:///{path}", 1, args.clients, args.seconds, Path(tmp))
        show(f"{PATH}: {args.clients} clients, {args.seconds:g} s, SQLite, 1 worker", *loads)
        if args.no_postgres:
            return
        engine = fresh_postgres(args.postgres)
        seed_site(engine)
        engine.dispose()
        loads = measure(args.postgres, 2, args.clients, args.seconds, Path(tmp))
        show(f"{PATH}: {args.clients} clients, {args.seconds:g} s, PostgreSQL, 2 workers", *loads)


if __name__ == "__main__":
    main()
