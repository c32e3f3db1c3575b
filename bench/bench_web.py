"""Benchmark: org tree and member list pages at yanbian scale, gunicorn (2 workers) + wrk.

Uses the database bench_demo leaves in var/bench/yanbian.sqlite3 (generated first if missing).
A bench user gets ORG_ADMIN on the county-level org whose subtree holds about 2,000 members; wrk
loads each page for 20 s over loopback with that user's session cookie. Targets:
p95 < 150 ms, ≥ 300 req/s on the member list. Each row also gives the CPU milliseconds per
request of the server (gunicorn master and workers) and of wrk, and the load average: on a shared
machine req/s follow the other work running, CPU per request much less. One warm request per
page is then profiled with cProfile; the profile goes to bench/results/web_profile.txt.

Options after ``make bench web --``: ``--duration 20`` ``--connections 4``, ``--only /members/``
(load only the pages whose path contains it), ``--no-profile``.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import math
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_demo  # noqa: E402  # sibling module

RESULTS = ROOT / "bench" / "results"
WRK = "/usr/bin/wrk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn 未能在 60 秒内启动")


def login(base: str, username: str, password: str) -> str:
    """Log in through the real login form; returns the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "登录页没有 CSRF 令牌"
    data = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token[1]}
    ).encode()
    opener.open(
        urllib.request.Request(base + "/login/", data=data, headers={"Referer": base + "/login/"}), timeout=30
    )
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "登录失败：没有得到会话"
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def fetch(url: str, cookie: str, htmx: bool = False) -> tuple[int, str, str]:
    headers = {"Cookie": cookie}
    if htmx:
        headers["HX-Request"] = "true"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as resp:
        return resp.status, resp.geturl(), resp.read().decode()


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in a process group (gunicorn master
    and workers), from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 of stat: process group id
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


def run_wrk(url: str, cookie: str, *, duration: int, connections: int, htmx: bool, server_pgid: int) -> dict:
    """One wrk run. Besides wrk's figures, the CPU milliseconds per request spent by the server
    and by wrk itself: on a shared machine they say more about capacity than req/s do."""
    cmd = [WRK, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s"]
    cmd += ["-s", str(ROOT / "bench" / "wrk_report.lua"), "-H", f"Cookie: {cookie}"]
    if htmx:
        cmd += ["-H", "HX-Request: true"]
    server_before = group_cpu_seconds(server_pgid)
    wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=duration + 60, check=False)
    wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = group_cpu_seconds(server_pgid) - server_before
    wrk_cpu = (wrk_after.ru_utime + wrk_after.ru_stime) - (wrk_before.ru_utime + wrk_before.ru_stime)
    m = re.search(r"WRKJSON (\{.*\})", done.stdout)
    if not m:
        return {"error": (done.stderr or done.stdout)[-500:]}
    result = json.loads(m[1])
    if result.get("requests"):
        result["server_cpu_ms_per_req"] = round(server_cpu * 1000 / result["requests"], 2)
        result["wrk_cpu_ms_per_req"] = round(wrk_cpu * 1000 / result["requests"], 2)
    result["load_avg_1m"] = os.getloadavg()[0]
    return result


def start_gunicorn(env: dict) -> tuple[subprocess.Popen, str, int]:
    """gunicorn with 2 sync workers on a free port, in its own process group (for CPU counts)."""
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    return server, f"http://127.0.0.1:{port}", port


def warm_and_load(base: str, path: str, cookie: str, *, opts, server: subprocess.Popen) -> dict:
    """A few requests to warm both workers, then one wrk run of ``path``."""
    for _ in range(4):
        fetch(base + path, cookie)
    return run_wrk(
        base + path, cookie, duration=opts.duration, connections=opts.connections, htmx=False,
        server_pgid=server.pid,
    )  # fmt: skip


def main(args, rest) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", default="", help="load only the pages whose path contains this")
    parser.add_argument("--no-profile", action="store_true", help="skip the cProfile pass")
    opts, _ = parser.parse_known_args([a for a in rest if a != "--"])
    db, error = bench_demo.ready_db("yanbian")
    if error:
        return [error]
    env = bench_demo.django_env(db)
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    env.pop("DJANGO_DEBUG", None)
    py = bench_demo.PY
    setup = subprocess.run(
        [py, str(ROOT / "bench" / "web_setup.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(setup.stdout.strip().splitlines()[-1])
    pages = math.ceil(info["members"] / 50)
    later = max(1, min(pages, pages // 2 + 1))
    targets = [
        ("组织树页面", "/orgs/", False),
        ("组织树下级（htmx 局部）", f"/orgs/{info['child_id']}/children/", True),
        ("党员列表 第1页（本辖区）", f"/members/?org={info['org_id']}", False),
        (f"党员列表 第{later}页", f"/members/?org={info['org_id']}&page={later}", False),
        ("达标看板（本辖区）", f"/compliance/?org={info['org_id']}", False),
        ("达标下钻（本辖区）", f"/compliance/drill/?org={info['org_id']}", False),
    ]
    if opts.only:
        targets = [t for t in targets if opts.only in t[1]]
    rows = load_test(env, info, targets, opts)
    if opts.no_profile:
        return rows
    profile_text = []
    for name, path, _htmx in targets:
        prof = subprocess.run(
            [py, str(ROOT / "bench" / "web_setup.py"), "--profile", path],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        profile_text.append(f"==== {name} {path}\n{prof.stdout}{prof.stderr[-2000:]}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "web_profile.txt").write_text("\n".join(profile_text))
    return rows


def load_test(env: dict, info: dict, targets: list, opts) -> list[dict]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )  # fmt: skip
    rows: list[dict] = []
    try:
        wait_for(port)
        cookie = login(base, info["username"], info["password"])
        for name, path, htmx in targets:
            status, final_url, _body = fetch(base + path, cookie, htmx)
            if status != 200 or "/login/" in final_url:
                rows.append({"name": name, "path": path, "error": f"HTTP {status} {final_url}"})
                continue
            for _ in range(5):  # warm both workers
                fetch(base + path, cookie, htmx)
            result = run_wrk(
                base + path,
                cookie,
                duration=opts.duration,
                connections=opts.connections,
                htmx=htmx,
                server_pgid=server.pid,
            )
            rows.append(
                {
                    "name": name,
                    "path": path,
                    "scope": f"{info['org_name']}（{info['members']} 名党员）",
                    "connections": opts.connections,
                    **result,
                    "target": "p95 < 150 ms" + ("，≥ 300 req/s" if "党员列表" in name else ""),
                }
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    return rows


if __name__ == "__main__":
    print(json.dumps(main(None, []), ensure_ascii=False, indent=1))
