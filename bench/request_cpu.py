"""Server CPU per request, in-process: the WSGI application called directly, as gunicorn calls it,
with a bench user's session cookie (the users of ``web_setup.py --matrix``).

On a shared machine wall-clock throughput follows the other work running; the CPU time one
request costs the server process does not. Each path is requested ``-n`` times after a warm-up;
the median and the mean of ``time.process_time`` per request are printed. ``--profile`` runs the
same requests under cProfile and prints the functions that cost most.

    DATABASE_URL=sqlite:///var/bench/yanbian.sqlite3 .venv/bin/python bench/request_cpu.py \\
        --role 州委党务管理员 -n 300 /healthz/ /activities/mine/
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.pop("DJANGO_DEBUG", None)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.test import Client  # noqa: E402

from config.wsgi import application  # noqa: E402

USERS = {
    "州委党务管理员": "bench_root",
    "县委党务管理员": "bench_county",
    "支部书记": "bench_branch",
    "督导": "bench_supervisor",
    "党员": "bench_member",
}
PASSWORD = "Bench#Matrix-2025"


def login_cookie(username: str) -> str:
    """Log in through the login form (as the page bench does) and return the Cookie header."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.get("/login/")
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"登录失败：{username}"
    return "; ".join(f"{k}={m.value}" for k, m in client.cookies.items())


def environ(path: str, cookie: str) -> dict:
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def request(path: str, cookie: str) -> str:
    status: list[str] = []
    body = application(environ(path, cookie), lambda s, h, exc_info=None: status.append(s))
    try:
        for _chunk in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return status[0]


def measure(path: str, cookie: str, n: int) -> dict:
    status = request(path, cookie)
    for _ in range(5):
        request(path, cookie)
    times = []
    for _ in range(n):
        t = time.process_time()
        request(path, cookie)
        times.append(time.process_time() - t)
    return {"path": path, "status": status, "median_ms": statistics.median(times) * 1000,
            "mean_ms": statistics.fmean(times) * 1000}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--role", default="州委党务管理员", choices=sorted(USERS))
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--lines", type=int, default=40)
    opts = parser.parse_args()
    cookie = login_cookie(USERS[opts.role])
    for path in opts.paths:
        if opts.profile:
            for _ in range(5):
                request(path, cookie)
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(opts.n):
                request(path, cookie)
            prof.disable()
            stats = pstats.Stats(prof)
            stats.sort_stats("cumulative").print_stats(opts.lines)
            stats.sort_stats("tottime").print_stats(opts.lines)
            continue
        row = measure(path, cookie, opts.n)
        print(f"{opts.role:10} {row['path']:40} {row['status']:8} median {row['median_ms']:7.2f} ms  "
              f"mean {row['mean_ms']:7.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
