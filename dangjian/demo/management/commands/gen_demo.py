"""Generate deterministic demo or scale data: org tree, members, posts, 流动党员, demo accounts.

    manage.py gen_demo --shape small --seed 1          # ≈ 300 orgs / 5k members (make run)
    manage.py gen_demo --shape yanbian --seed 1        # ≈ 9.6k orgs / 176k members
    manage.py gen_demo --shape province --seed 1       # ≈ 260k orgs / 5M members, PostgreSQL only
    manage.py gen_demo --shape small --reset           # empty org/member/activity data first

The command refuses to run on a database that already holds orgs or members unless ``--reset``
is given; ``--reset`` removes every org, member and activity row (and the demo accounts) and keeps
other users. Activity records come from ``dangjian.demo.activities``; requirements are then
loaded and compliance recomputed. Under production settings (DJANGO_PRODUCTION=1) the command
refuses to run: the demo accounts have a published password.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from dangjian.demo.accounts import DemoDataMissing, create_demo_accounts, demo_logins_text
from dangjian.demo.activities import generate_activities
from dangjian.demo.generator import DemoGenerator
from dangjian.demo.history import apply_history
from dangjian.demo.plan import SHAPES
from dangjian.demo.reset import reset_demo_data
from dangjian.orgs.models import Member, Org


class Command(BaseCommand):
    help = "生成演示数据（组织树、党员、职务、流动党员与各角色演示账号），同一种子结果相同"

    def add_arguments(self, parser):
        parser.add_argument(
            "--shape",
            default="small",
            help="规模：small（约300个组织/5千党员）、yanbian（约9千/17.6万）、province（约26万/500万，仅 PostgreSQL）",
        )
        parser.add_argument("--seed", type=int, default=1, help="随机种子，相同种子生成相同数据（默认 1）")
        parser.add_argument(
            "--reset", action="store_true", help="先清空全部组织、党员、活动记录与演示账号（保留其他用户）"
        )
        parser.add_argument("--no-activities", action="store_true", help="不生成活动记录，也不计算达标情况")

    def handle(self, *args, shape: str, seed: int, reset: bool, no_activities: bool, **options):
        if getattr(settings, "PRODUCTION", False):
            raise CommandError(
                "生产环境（DJANGO_PRODUCTION=1）不能生成演示数据：演示账号的密码是公开的，"
                "演示数据也会混入真实台账。请在单独的演示或测试库上运行"
            )
        if shape not in SHAPES:
            raise CommandError("规模只能是 small、yanbian 或 province")
        if shape == "province" and connection.vendor != "postgresql":
            raise CommandError(
                "province 规模（约 26 万个组织、500 万名党员）只支持 PostgreSQL："
                "请把 DATABASE_URL 指向 PostgreSQL 数据库后再运行"
            )
        if Org.objects.exists() or Member.objects.exists():
            if not reset:
                raise CommandError(
                    "数据库中已有组织或党员数据，gen_demo 不会覆盖。"
                    "如需重建演示数据，请加 --reset（将清空全部组织、党员、活动记录与演示账号）"
                )
        started = time.perf_counter()
        if reset:
            removed = reset_demo_data()
            total = sum(removed.values())
            self.stdout.write(f"已清空原有数据：{total} 行")

        self.stdout.write(f"生成演示数据：规模 {shape}，种子 {seed}")
        generator = DemoGenerator(shape=shape, seed=seed, today=timezone.localdate(), log=self.stdout.write)
        stats = generator.run()
        self.stdout.write(
            f"已生成 {stats.orgs} 个组织、{stats.members} 名党员（预备党员 {stats.probationary}、"
            f"流动党员 {stats.mobility}、失联党员 {stats.lost_contact}）、{stats.positions} 个职务，"
            f"用时 {stats.seconds:.1f} 秒（CPU {stats.cpu_seconds:.1f} 秒）"
        )
        history = apply_history(seed=seed, today=timezone.localdate())
        self.stdout.write(
            f"纪实起始日期 {history.records_from}；一年内新建支部 {history.founded} 个、撤销 {history.removed} 个、"
            f"正式党员增至 7 名的支部 {history.grown} 个"
        )
        try:
            create_demo_accounts()
        except DemoDataMissing as exc:
            raise CommandError(str(exc)) from exc

        if not no_activities:
            self.activities(seed=seed, shape=shape)
        self.ledgers()
        self.stdout.write(f"完成，共用时 {time.perf_counter() - started:.1f} 秒")
        self.stdout.write(demo_logins_text())

    def ledgers(self) -> None:
        """调研、典型案例、检视整改 examples around the demo accounts (see dangjian.demo.ledgers)."""
        from dangjian.demo.ledgers import cast_from_demo_accounts, generate_ledgers

        cast = cast_from_demo_accounts()
        if cast is not None:
            counts = generate_ledgers(cast)
            self.stdout.write(
                f"已生成调研课题 {counts['topics']} 个、检视问题 {counts['problems']} 个、典型案例 {counts['cases']} 个"
            )

    def activities(self, *, seed: int, shape: str) -> None:
        t = time.perf_counter()
        count = generate_activities(seed=seed, shape=shape, stdout=self.stdout)
        self.stdout.write(f"已生成 {count} 条活动记录，用时 {time.perf_counter() - t:.1f} 秒")
        commands = get_commands()
        # Load the rules without their own recompute; the one full rebuild below covers them.
        steps = (("load_requirements", {"no_recompute": True}), ("recompute_compliance", {}))
        for name, options in steps:
            if name in commands:
                t = time.perf_counter()
                call_command(name, stdout=self.stdout, **options)
                self.stdout.write(f"{name} 完成，用时 {time.perf_counter() - t:.1f} 秒")
