"""Deterministic demo activity records with attendance, for every org, over the last two years.

Called by ``gen_demo`` after the orgs, members, posts and the deployment's history exist: an
org holds records only between its 成立 and 撤销 dates (a removed branch with the members it had
then), and a branch holds 支委会 only once it has a 支部委员会 (3 委员 in post or 7 正式党员). The caller runs the full
compliance recompute afterwards, so nothing here calls the engine; rows go in with one prepared
INSERT per table (``executemany``; COPY on PostgreSQL), skipping ``save()`` and history.

What a branch holds (each with the branch's own diligence, lower levels and some "lagging"
branches less often, so the dashboards show real differences):
  支委会 monthly (branches with a committee) · 主题党日 monthly, a quarter of them also 集中学习 ·
  党课 quarterly, usually held together with that month's 主题党日 (one record, two kinds) ·
  支部党员大会 quarterly · 组织生活会 + 民主评议党员 once a year in Q4 (one record) · 集中学习 /
  交流研讨 as extra records · 谈心谈话 about once per member per year · 党小组会 monthly per 党小组 ·
  党委会 monthly and 理论学习中心组学习 monthly for 党委/党组/党工委/总支 · 民主生活会 once a
  year for leadership teams.

Attendance rows: yanbian would need 15M+ rows for one row per member per meeting, too many for
SQLite in the time budget. So rows are written for small bodies over the last
``SMALL_BODY_ATTENDANCE_MONTHS`` months (支委会, 党委会, 中心组, 党小组会), for 谈心谈话 and the yearly
组织生活会 always (both are judged per member), and for other whole-membership meetings only in
the last ``FULL_ATTENDANCE_MONTHS`` months; older whole-membership records carry plausible 应到/实到
counts without rows (the 考勤统计 ledger and the absence flags therefore cover the recent months).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import zoneinfo
from collections.abc import Iterable
from typing import Any, TextIO

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from dangjian.activities.models import Activity, ActivityKind, ActivityKindEntry, Attendance, AttendanceStatus
from dangjian.orgs.choices import BRANCH_KINDS, COMMITTEE_TITLES, Mobility, OrgKind, PositionTitle, Standing
from dangjian.orgs.models import Member, MobilityRecord, Org, Position, Transfer

FULL_ATTENDANCE_MONTHS = 3
SMALL_BODY_ATTENDANCE_MONTHS = 12
YEARS = 2
BATCH = 20000

K = ActivityKind
P, L, A, E = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.LEAVE,
    AttendanceStatus.ABSENT,
    AttendanceStatus.ELSEWHERE,
)
LEAVE_REASONS = ("出差", "病假", "事假", "值班", "外出培训", "照顾家人")
AWAY_REASONS = ("外出务工", "在外地无法返回")
HIGHER_KINDS = frozenset({OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.LEADING_GROUP})

TOPICS = {
    K.COMMITTEE_MEETING: (
        "研究本月党建工作安排",
        "研究发展党员和入党积极分子培养工作",
        "研究党费收缴和使用情况",
        "研究主题党日活动方案",
        "研究党员教育管理工作",
        "通报上月工作完成情况，部署本月任务",
    ),
    K.THEME_DAY: (
        "重温入党誓词，学习党章",
        "学习习近平新时代中国特色社会主义思想",
        "开展志愿服务活动",
        "参观红色教育基地",
        "学习《中国共产党支部工作条例（试行）》",
        "交纳党费，集中学习",
    ),
    K.GENERAL_MEETING: (
        "讨论接收预备党员",
        "通报支部工作情况",
        "讨论预备党员转正",
        "学习传达上级会议精神",
        "民主推选优秀共产党员",
    ),
    K.PARTY_LECTURE: (
        "书记讲党课：坚定理想信念",
        "党课：发扬优良作风",
        "党课：学党史悟思想",
        "党课：以学促干",
    ),
    K.GROUP_MEETING: ("学习上级文件精神", "交流学习体会", "讨论党小组工作", "开展批评与自我批评"),
    K.GROUP_STUDY: ("集中学习上级重要会议精神", "集中学习党内法规", "集中学习理论文章"),
    K.SEMINAR: ("交流研讨：结合岗位谈体会", "交流研讨：如何为群众办实事"),
    K.CENTRAL_GROUP_STUDY: ("中心组专题学习", "中心组学习研讨：推动高质量发展", "中心组学习：意识形态工作"),
    K.ORG_LIFE_MEETING: ("召开年度组织生活会，开展民主评议党员",),
    K.HEART_TO_HEART_TALK: ("谈心谈话",),
}
PLACES = ("党员活动室", "会议室", "党群服务中心", "支部活动阵地", "多功能厅")


class _Writer:
    """Buffered inserts of tuples into explicit columns."""

    def __init__(self, model: Any, columns: list[str]) -> None:
        quote = connection.ops.quote_name
        self.table = quote(model._meta.db_table)
        self.columns = ", ".join(quote(c) for c in columns)
        marks = ", ".join(["%s"] * len(columns))
        # identifiers come from model metadata, values are bound parameters
        self.sql = f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})"  # noqa: S608
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {self.table} ({self.columns}) FROM STDIN") as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.sql, self.rows)
        self.count += len(self.rows)
        self.rows = []


class _Org:
    __slots__ = (
        "alive_from",
        "alive_to",
        "committee",
        "committee_from",
        "depth",
        "diligence",
        "fixed_day",
        "id",
        "kind",
        "leadership",
        "members",
        "path",
    )

    def __init__(self, pk: int, path: str, kind: str, depth: int, leadership: bool) -> None:
        self.id, self.path, self.kind, self.depth, self.leadership = pk, path, kind, depth, leadership
        self.members: list[int] = []
        self.committee: list[int] = []
        self.alive_from: dt.date | None = None  # 成立日期 (records only from then on)
        self.alive_to: dt.date | None = None  # 撤销日期 (records only before)
        self.committee_from: dt.date | None = None  # the 支部委员会 exists from
        self.diligence = 1.0
        self.fixed_day = 1


class ActivityGenerator:
    def __init__(self, *, seed: int, shape: str, today: dt.date, now: dt.datetime) -> None:
        self.rng_seed = f"dangjian-demo-activities:{seed}:{shape}"
        self.rng = random.Random(self.rng_seed)
        self.today = today
        self.now = now
        self.tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        self.start = today - dt.timedelta(days=365 * YEARS)
        self.full_from = self.months_back(FULL_ATTENDANCE_MONTHS)
        self.small_from = self.months_back(SMALL_BODY_ATTENDANCE_MONTHS)
        self.adapt_date = connection.ops.adapt_datefield_value
        self.sqlite = connection.vendor == "sqlite"
        # Asia/Shanghai has had a fixed offset since 1991: convert local to UTC by subtraction.
        self.offset = now.astimezone(self.tz).utcoffset() or dt.timedelta(0)
        self.stamp = connection.ops.adapt_datetimefield_value(now)
        self.activity = _Writer(
            Activity,
            [
                "id", "created_at", "updated_at", "org_id", "org_path", "topic", "starts_at", "ends_at",
                "held_on", "place", "host_id", "recorder_id", "lecturer_id", "lecturer_name", "content",
                "resolutions", "observers", "expected_count", "present_count", "deleted_reason",
            ],
        )  # fmt: skip
        self.kind = _Writer(
            ActivityKindEntry, ["id", "activity_id", "kind", "org_id", "org_path", "held_on", "is_active"]
        )
        self.attendance = _Writer(Attendance, ["id", "activity_id", "member_id", "status", "reason"])
        self.next_activity = (Activity.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_kind = (ActivityKindEntry.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        self.next_attendance = (Attendance.objects.aggregate(m=Max("pk"))["m"] or 0) + 1

    def months_back(self, n: int) -> dt.date:
        """The first day of the month ``n - 1`` months before this one."""
        y, m = self.today.year, self.today.month - (n - 1)
        while m < 1:
            y, m = y - 1, m + 12
        return dt.date(y, m, 1)

    # ------------------------------------------------------------ loading

    def load(self) -> list[_Org]:
        orgs: dict[int, _Org] = {}
        for pk, path, kind, depth, leadership, founded, removed in (
            Org.objects.filter(Q(deleted_at__isnull=True) | Q(removed_on__isnull=False))
            .order_by("path")
            .values_list("pk", "path", "kind", "depth", "leadership_team", "founded_on", "removed_on")
        ):
            orgs[pk] = _Org(pk, path, kind, depth, leadership)
            orgs[pk].alive_from, orgs[pk].alive_to = founded, removed
        full_days: dict[int, list[dt.date]] = {}
        for pk, org_id, group_id, full_on in (
            Member.objects.alive()
            .exclude(standing=Standing.SUSPENDED)
            .order_by("pk")
            .values_list("pk", "org_id", "party_group_id", "full_member_on")
        ):
            if org_id in orgs:
                orgs[org_id].members.append(pk)
                if full_on is not None:
                    full_days.setdefault(org_id, []).append(full_on)
            if group_id in orgs:
                orgs[group_id].members.append(pk)
        # Removed orgs held their records with the members they had then.
        for member_id, from_org in Transfer.objects.order_by("pk").values_list("member_id", "from_org_id"):
            org = orgs.get(from_org)
            if org is not None and org.alive_to is not None:
                org.members.append(member_id)
        rank = {t: i for i, t in enumerate(PositionTitle.values)}
        posts = sorted(
            Position.objects.filter(title__in=COMMITTEE_TITLES)
            .filter(Q(ended_on__isnull=True) | Q(org__removed_on__isnull=False))
            .values_list("org_id", "title", "member_id", "started_on"),
            key=lambda r: (r[0], rank.get(r[1], 99), r[2]),
        )
        post_days: dict[int, list[dt.date]] = {}
        for org_id, _title, member_id, started in posts:
            if org_id in orgs and member_id not in orgs[org_id].committee:
                orgs[org_id].committee.append(member_id)
                post_days.setdefault(org_id, []).append(started)
        for org in orgs.values():
            # A 支部委员会 from the day 3 委员 are in post or 7 members are 正式党员.
            days = sorted(post_days.get(org.id, []))[2:3] + sorted(full_days.get(org.id, []))[6:7]
            org.committee_from = min(days) if days else None
        self.away = set(
            MobilityRecord.objects.filter(direction=Mobility.OUT, ended_on__isnull=True).values_list(
                "member_id", flat=True
            )
        )
        ordered = list(orgs.values())
        min_depth = min((o.depth for o in ordered if o.kind in BRANCH_KINDS), default=3)
        for org in ordered:
            # Lower levels lag more; about one org in eight lags badly.
            base = 0.97 - 0.05 * max(0, org.depth - min_depth + 1)
            if org.kind in HIGHER_KINDS:
                base = 0.97 - 0.03 * max(0, org.depth - 1)
            lag = self.rng.uniform(0.4, 0.7) if self.rng.random() < 0.12 else self.rng.uniform(0.9, 1.05)
            org.diligence = max(0.15, min(1.0, base * lag))
            org.fixed_day = self.rng.randint(1, 28)
        # A few members stop coming without leave (they show in the absence flags).
        self.dropouts = {m for o in ordered for m in o.members if self.rng.random() < 0.012}
        return ordered

    # ------------------------------------------------------------ writing

    def drop_indexes(self) -> list[tuple[str, str]]:
        """SQLite: drop the secondary indexes of the three tables for the load and rebuild them
        after (one sort per index instead of a B-tree insert per row; about twice as fast). DDL is
        transactional in SQLite, so a failure leaves the indexes as they were."""
        tables = [m._meta.db_table for m in (Activity, ActivityKindEntry, Attendance)]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN (%s, %s, %s)",
                tables,
            )
            indexes = list(cursor.fetchall())
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        return indexes

    def months(self) -> list[tuple[int, int]]:
        out = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.today.year, self.today.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    def when(self, y: int, m: int, day: int, hour: int, minute: int = 0) -> dt.datetime | None:
        """A local (naive) start time, or None outside the two years before today."""
        try:
            d = dt.date(y, m, day)
        except ValueError:
            d = dt.date(y, m, 28)
        if d < self.start or d >= self.today:
            return None
        return dt.datetime(y, m, d.day, hour, minute)  # noqa: DTZ001 - local wall time, see adapt_dt

    def adapt_dt(self, local: dt.datetime) -> Any:
        utc = local - self.offset
        return str(utc) if self.sqlite else utc.replace(tzinfo=dt.UTC)

    def status(self, member: int) -> tuple[str, str]:
        r = self.rng.random()
        if member in self.dropouts:
            return (A, "未请假") if r < 0.9 else (L, "事假")
        if member in self.away:
            if r < 0.6:
                return E, ""
            return (L, self.rng.choice(AWAY_REASONS)) if r < 0.9 else (A, "未联系上")
        if r < 0.9:
            return P, ""
        if r < 0.98:
            return L, self.rng.choice(LEAVE_REASONS)
        return A, "未说明原因"

    def record(
        self,
        org: _Org,
        kinds: Iterable[str],
        starts: dt.datetime,
        attendees: list[int] | None,
        *,
        rows: bool,
        host: int | None = None,
        recorder: int | None = None,
        lecturer: int | None = None,
        topic: str | None = None,
    ) -> None:
        kinds = list(kinds)
        held = starts.date()
        if (org.alive_from and held < org.alive_from) or (org.alive_to and held >= org.alive_to):
            return
        if K.COMMITTEE_MEETING in kinds and org.kind in BRANCH_KINDS:
            if org.committee_from is None or held < org.committee_from:
                return
        pk = self.next_activity
        self.next_activity += 1
        people = attendees or []
        if rows:
            present = 0
            for member in people:
                status, reason = self.status(member)
                present += status in (P, E)
                self.attendance.add((self.next_attendance, pk, member, status, reason))
                self.next_attendance += 1
            expected = len(people)
        else:
            expected = len(people)
            present = int(expected * self.rng.uniform(0.78, 0.97)) if expected else 0
        ends = starts + dt.timedelta(minutes=self.rng.choice((60, 90, 120)))
        if lecturer is None and (K.PARTY_LECTURE in kinds or K.SPECIAL_LECTURE in kinds):
            lecturer = host
        title = topic or self.rng.choice(TOPICS.get(kinds[0], TOPICS[K.THEME_DAY]))
        held_db = self.adapt_date(held)
        self.activity.add(
            (
                pk, self.stamp, self.stamp, org.id, org.path, title, self.adapt_dt(starts), self.adapt_dt(ends),
                held_db, self.rng.choice(PLACES), host, recorder, lecturer, "",
                "", "", "", expected, present, "",
            )
        )  # fmt: skip
        for kind in kinds:
            self.kind.add((self.next_kind, pk, kind, org.id, org.path, held_db, True))
            self.next_kind += 1

    def rows_for(self, starts: dt.datetime, *, small: bool = False) -> bool:
        return starts.date() >= (self.small_from if small else self.full_from)

    def branch(self, org: _Org) -> None:
        rng = self.rng
        members = org.members
        if not members:
            return
        committee = org.committee or members[: min(3, len(members))]
        host = committee[0]
        recorder = committee[1] if len(committee) > 1 else None
        has_committee = org.committee_from is not None
        p = org.diligence
        months = self.months()
        for y, m in months:
            quarter_month = (m - 1) % 3  # 0, 1, 2 within the quarter
            if has_committee and rng.random() < p:
                s = self.when(y, m, rng.randint(1, 26), rng.choice((8, 14, 16)), rng.choice((0, 30)))
                if s:
                    self.record(
                        org, [K.COMMITTEE_MEETING], s, committee,
                        rows=self.rows_for(s, small=True), host=host, recorder=recorder,
                    )  # fmt: skip
            lecture_due = quarter_month == 1 and rng.random() < p - 0.05
            if rng.random() < p:
                s = self.when(y, m, org.fixed_day, rng.choice((9, 14, 15)))
                if s:
                    kinds = [K.THEME_DAY]
                    if lecture_due and rng.random() < 0.7:
                        kinds.append(K.PARTY_LECTURE)
                        lecture_due = False
                    if rng.random() < 0.25:
                        kinds.append(K.GROUP_STUDY)
                    self.record(org, kinds, s, members, rows=self.rows_for(s), host=host, recorder=recorder)
            if lecture_due:
                s = self.when(y, m, rng.randint(1, 27), 15)
                if s:
                    self.record(
                        org,
                        [K.PARTY_LECTURE],
                        s,
                        members,
                        rows=self.rows_for(s),
                        host=host,
                        recorder=recorder,
                    )
            if quarter_month == 2 and rng.random() < p - 0.05:
                s = self.when(y, m, rng.randint(1, 25), rng.choice((9, 14)))
                if s:
                    self.record(
                        org,
                        [K.GENERAL_MEETING],
                        s,
                        members,
                        rows=self.rows_for(s),
                        host=host,
                        recorder=recorder,
                    )
            if rng.random() < p * 0.9:
                s = self.when(y, m, rng.randint(1, 27), rng.choice((9, 15, 16)))
                if s:
                    self.record(
                        org, [K.GROUP_STUDY], s, members, rows=self.rows_for(s), host=host, recorder=recorder
                    )
            if quarter_month == 0 and rng.random() < p * 0.8:
                s = self.when(y, m, rng.randint(1, 27), rng.choice((9, 15)))
                if s:
                    self.record(
                        org, [K.SEMINAR], s, members, rows=self.rows_for(s), host=host, recorder=recorder
                    )
            if m in (11, 12, 1) and (m == 12 or rng.random() < 0.15) and rng.random() < p:
                s = self.when(y, m, rng.randint(5, 27), 9)
                if s and (m != 1 or rng.random() < 0.5):
                    # Attendance kept every year: each member's 组织生活会 is judged.
                    self.record(
                        org, [K.ORG_LIFE_MEETING, K.MEMBER_APPRAISAL], s, members,
                        rows=True, host=host, recorder=recorder,
                    )  # fmt: skip
        # 谈心谈话: a committee member with each member about once a year, some twice; both
        # take part (attendance rows: the talk is judged per member).
        talkers = committee
        for year_start in range(YEARS):
            for i, member in enumerate(members):
                talks = (rng.random() < p) + (rng.random() < p * 0.35)
                for n in range(talks):
                    day = self.start + dt.timedelta(days=365 * year_start + rng.randrange(365))
                    s = self.when(day.year, day.month, day.day, rng.choice((10, 15, 17)))
                    talker = talkers[(i + n) % len(talkers)]
                    if s and talker != member:
                        self.record(
                            org, [K.HEART_TO_HEART_TALK], s, [talker, member], rows=True,
                            host=talker, topic="谈心谈话：了解思想和工作情况",
                        )  # fmt: skip

    def group(self, org: _Org) -> None:
        if not org.members:
            return
        p = org.diligence - 0.05
        leader = org.members[-1]
        for y, m in self.months():
            if self.rng.random() < p:
                s = self.when(y, m, self.rng.randint(1, 27), self.rng.choice((12, 16, 17)))
                if s:
                    self.record(
                        org, [K.GROUP_MEETING], s, org.members, rows=self.rows_for(s, small=True), host=leader
                    )

    def higher(self, org: _Org) -> None:
        if not org.committee:
            return
        p = org.diligence
        host = org.committee[0]
        central = org.kind in HIGHER_KINDS or org.leadership
        for y, m in self.months():
            if self.rng.random() < p:
                s = self.when(y, m, self.rng.randint(1, 26), 8, 30)
                if s:
                    self.record(
                        org, [K.COMMITTEE_MEETING], s, org.committee,
                        rows=self.rows_for(s, small=True), host=host, topic="党委会：研究部署党建工作",
                    )  # fmt: skip
            if central and self.rng.random() < p - 0.05:
                s = self.when(y, m, self.rng.randint(1, 26), 14, 30)
                if s:
                    self.record(
                        org,
                        [K.CENTRAL_GROUP_STUDY],
                        s,
                        org.committee,
                        rows=self.rows_for(s, small=True),
                        host=host,
                    )
        if org.leadership:
            # 民主生活会 of the leadership team, once a year (usually in December or January). Its
            # own random stream, so the other records stay what they were.
            rng = random.Random(f"{self.rng_seed}:democratic-life:{org.id}")
            for y in sorted({y for y, _m in self.months()}):
                s = self.when(y, 12, rng.randint(5, 28), 9) if rng.random() < p + 0.1 else None
                if s:
                    self.record(
                        org, [K.DEMOCRATIC_LIFE_MEETING], s, org.committee,
                        rows=self.rows_for(s, small=True), host=host, topic="领导班子年度民主生活会",
                    )  # fmt: skip

    def run(self) -> int:
        orgs = self.load()
        indexes = self.drop_indexes() if self.sqlite else []
        for org in orgs:
            if org.kind in BRANCH_KINDS:
                self.branch(org)
            elif org.kind == OrgKind.GROUP:
                self.group(org)
            else:
                self.higher(org)
        for writer in (self.activity, self.kind, self.attendance):
            writer.flush()
        with connection.cursor() as cursor:
            for _name, sql in indexes:
                cursor.execute(sql)
        statements = connection.ops.sequence_reset_sql(no_style(), [Activity, ActivityKindEntry, Attendance])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        return self.activity.count


def generate_activities(*, seed: int, shape: str, stdout: TextIO | Any) -> int:
    """Write demo activity records (and kind entries, attendance) for the orgs and members in the
    database; returns the number of records. Deterministic for the same data, seed and day."""
    started = time.perf_counter()
    now = timezone.now()
    # Rows are consistent by construction: skip SQLite's per-row foreign-key lookups (only possible
    # outside a transaction; inside one this is a no-op and the checks simply stay on).
    disabled = connection.vendor == "sqlite" and connection.disable_constraint_checking()
    try:
        with transaction.atomic():
            generator = ActivityGenerator(seed=seed, shape=shape, today=timezone.localdate(now), now=now)
            count = generator.run()
    finally:
        if disabled:
            connection.enable_constraint_checking()
    stdout.write(
        f"已生成 {count} 条组织生活记录（{generator.kind.count} 条类型、{generator.attendance.count} 条考勤），"
        f"用时 {time.perf_counter() - started:.1f} 秒"
    )
    return count
