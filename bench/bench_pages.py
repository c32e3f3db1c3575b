"""Benchmark: every main page and API list, for every role, at the largest scope of that role.

Uses the yanbian database of bench_demo (generated first if missing). web_setup.py --matrix gives
each role one bench user at its largest scope (the 州委's 党务管理员 reads the whole prefecture).
gunicorn serves with 2 sync workers; each user logs in through the login form; wrk loads each page
with 8 connections. The health-check view (/healthz/, it only answers "ok") is loaded the same way
before and after the pages, and every row gives its throughput as a share of the ok view's.

Goal: every row ≥ 7.5 % of the ok view's req/s and p99 < 150 ms (moonshot ≥ 20 %).

Options after ``bench/run.py pages``: ``--duration 5`` (seconds per page), ``--connections 8``,
``--role 党员`` and ``--only /activities/`` to load a subset. The table is also written to
bench/results/pages.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import bench_demo  # noqa: E402  # sibling module
import bench_web  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SHARE_GOAL = 7.5
P99_GOAL_MS = 150.0

PAGES = [
    ("工作台", "/"),
    ("组织树", "/orgs/"),
    ("党员列表", "/members/"),
    ("组织生活记录", "/activities/"),
    ("日历", "/activities/calendar/"),
    ("我的组织生活", "/activities/mine/"),
    ("达标看板", "/compliance/"),
    ("达标下钻", "/compliance/drill/"),
    ("未达标清单", "/compliance/lagging/"),
    ("本期待办", "/compliance/todo/"),
    ("API 组织列表", "/api/v1/orgs"),
    ("API 党员列表", "/api/v1/members"),
    ("API 组织生活记录", "/api/v1/activities"),
    ("API 达标结果", "/api/v1/compliance/results"),
    ("API 未达标清单", "/api/v1/compliance/lagging"),
    ("API 下级汇总", "/api/v1/compliance/rollup"),
]


def _status(base: str, path: str, cookie: str) -> tuple[int, str]:
    try:
        status, final_url, _ = bench_web.fetch(base + path, cookie)
    except bench_web.urllib.error.HTTPError as exc:
        return exc.code, path
    return status, final_url.removeprefix(base)


def main(args, rest) -> list[dict]:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--role", default="", help="only this role (e.g. 党员)")
    parser.add_argument("--only", default="", help="only the pages whose path contains this")
    opts, _ = parser.parse_known_args([a for a in rest if a != "--"])
    db, error = bench_demo.ready_db("yanbian")
    if error:
        return [error]
    env = bench_demo.django_env(db)
    env["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1"
    setup = subprocess.run(
        [bench_demo.PY, str(ROOT / "bench" / "web_setup.py"), "--matrix"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    info = json.loads(setup.stdout.strip().splitlines()[-1])
    roles = {k: v for k, v in info["roles"].items() if not opts.role or k == opts.role}
    pages = [p for p in PAGES if opts.only in p[1]]

    server, base, port = bench_web.start_gunicorn(env)

    def load(path: str, cookie: str) -> dict:
        return bench_web.warm_and_load(base, path, cookie, opts=opts, server=server)

    rows: list[dict] = []
    try:
        bench_web.wait_for(port)
        first = next(iter(roles.values()))
        ok_cookie = bench_web.login(base, first["username"], first["password"])
        ok_before = load("/healthz/", ok_cookie)
        for role, account in roles.items():
            cookie = bench_web.login(base, account["username"], account["password"])
            for name, path in pages:
                status, final = _status(base, path, cookie)
                row = {"role": role, "scope": account["scope"], "members": account["members"], "page": name,
                       "path": path}  # fmt: skip
                if status != 200 or final.startswith("/login/"):
                    rows.append({**row, "skipped": f"HTTP {status}（该角色不使用此页）"})
                    continue
                if final != path:
                    row["served"] = final
                rows.append({**row, **load(final, cookie)})
        ok_after = load("/healthz/", ok_cookie)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    ok_rps = (ok_before.get("rps", 0) + ok_after.get("rps", 0)) / 2
    ok_row = {"role": "—", "page": "ok 视图（/healthz/）", "path": "/healthz/", "rps": round(ok_rps, 1),
              "p99_ms": max(ok_before.get("p99_ms", 0), ok_after.get("p99_ms", 0)),
              "before_rps": ok_before.get("rps"), "after_rps": ok_after.get("rps")}  # fmt: skip
    for row in rows:
        if "rps" in row and ok_rps:
            row["share_of_ok_pct"] = round(100 * row["rps"] / ok_rps, 1)
            row["meets_goal"] = row["share_of_ok_pct"] >= SHARE_GOAL and row["p99_ms"] < P99_GOAL_MS
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pages.md").write_text(markdown([ok_row, *rows], opts))
    return [ok_row, *rows]


def markdown(rows: list[dict], opts) -> str:
    lines = [
        f"wrk {opts.connections} 连接、每页 {opts.duration} 秒；gunicorn 2 个 sync worker；yanbian 数据（SQLite）。",
        "",
        "| 角色 | 页面 | req/s | p99 | 占 ok 视图 | 达标 |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        if "skipped" in r:
            continue
        share = f"{r['share_of_ok_pct']} %" if "share_of_ok_pct" in r else "100 %"
        meets = "" if "meets_goal" not in r else ("是" if r["meets_goal"] else "**否**")
        lines.append(f"| {r['role']} | {r['page']} `{r.get('served', r['path'])}` | {r.get('rps', '—')} | "
                     f"{r.get('p99_ms', '—')} ms | {share} | {meets} |")  # fmt: skip
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(json.dumps(main(None, []), ensure_ascii=False, indent=1))
