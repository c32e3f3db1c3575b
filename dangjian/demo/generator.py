"""Deterministic demo and scale data: the org tree, members, positions, 流动党员.

Same shape + seed → the same tree, names, 身份证号 and ids (dates are relative to today, so that
some orgs are always overdue for 换届 and 预备党员 are always recent). Names come from Faker
``zh_CN`` seeded with the seed; every 身份证号 is valid (GB 11643 check digit) and stored the way
the member services store it (encrypted, keyed hash, masked copy).

Rows are bulk-inserted (``writer.TableWriter``) without simple-history rows; member counts are
rebuilt once at the end with ``org_recount``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, transaction
from faker import Faker

from dangjian.core import pii
from dangjian.orgs.choices import (
    BRANCH_KINDS,
    MemberStatus,
    Mobility,
    OrgKind,
    PositionTitle,
    Sector,
    Standing,
    occupation_group,
)
from dangjian.orgs.models import Member, MobilityRecord, Org, Position
from dangjian.orgs.services import (
    NO_PROBATION_FROM,
    NO_PROBATION_TO,
    add_years,
    name_pinyin,
    org_recount,
    probation_end,
)

from . import names as N
from .plan import PlanOrg, build_plan, plan_counts

# Birth places of members born outside the org's own county (长春, 吉林, 哈尔滨, 青岛, 沈阳, 北京).
OTHER_REGIONS = ("220102", "220202", "230103", "370202", "210102", "110105")
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "150", "151", "152", "157", "158", "187", "188", "130",
                   "131", "132", "155", "156", "186", "133", "153", "180", "189", "177", "191", "198")  # fmt: skip

# 工作岗位 code → weight, by the kind of unit (the national code table, DOMAIN).
OCCUPATION_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    Sector.ORGAN: (("011", 75), ("012", 15), ("0211", 5), ("0314", 5)),
    Sector.INSTITUTION: (("0211", 30), ("0212", 60), ("0315", 10)),
    Sector.STATE_ENTERPRISE: (("0213", 30), ("0214", 30), ("0311", 40)),
    Sector.PRIVATE_ENTERPRISE: (("0215", 25), ("0216", 25), ("0312", 35), ("612", 15)),
    Sector.SOCIAL_ORG: (("0217", 20), ("0218", 60), ("605", 20)),
    Sector.RURAL: (("11", 60), ("123", 8), ("122", 2), ("502", 15), ("601", 2), ("605", 8), ("613", 5)),
    Sector.COMMUNITY: (("502", 45), ("602", 10), ("612", 15), ("605", 15), ("604", 5), ("613", 10)),
    Sector.SCHOOL: (("0212", 90), ("0211", 10)),
}
RETIRED_MIX = (("502", 95), ("504", 3), ("503", 2))
STUDENT_MIX = (("313", 50), ("312", 15), ("311", 15), ("302", 8), ("303", 7), ("301", 5))
# 学历 code → weight, by the kind of work (the national code table: 22 大专, 6 普通高中 …).
EDUCATION_MIX: dict[str, tuple[tuple[str, int], ...]] = {
    "cadre": (("21", 50), ("12", 20), ("22", 18), ("11", 2), ("41", 3), ("2B", 4), ("1B", 3)),
    "enterprise": (("21", 50), ("22", 30), ("12", 10), ("41", 10)),
    "worker": (("22", 30), ("41", 15), ("47", 10), ("6", 30), ("21", 15)),
    "farmer": (("7", 45), ("6", 30), ("8", 15), ("41", 5), ("44", 5)),
    "student": (("21", 85), ("12", 15)),
    "retired": (("6", 25), ("41", 20), ("22", 20), ("21", 25), ("7", 10)),
}


def education_profile(occupation: str) -> str:
    """Which EDUCATION_MIX a 工作岗位 code draws from."""
    if occupation in ("011", "012", "0211", "0212"):
        return "cadre"
    if occupation.startswith("021"):
        return "enterprise"
    return {"1": "farmer", "3": "student", "5": "retired"}.get(occupation_group(occupation), "worker")


MALE_SHARE = {"rural": 0.75, "retired": 0.7, "school": 0.45, "student": 0.45, "community": 0.45}
MOBILE_SHARE = {
    Sector.RURAL: 0.05,
    Sector.COMMUNITY: 0.03,
    Sector.PRIVATE_ENTERPRISE: 0.02,
    Sector.SOCIAL_ORG: 0.02,
}
LOST_SHARE = {Sector.RURAL: 0.004, Sector.COMMUNITY: 0.004, Sector.PRIVATE_ENTERPRISE: 0.004}
COMMITTEE_TITLES = (
    PositionTitle.ORGANIZATION,
    PositionTitle.PROPAGANDA,
    PositionTitle.DISCIPLINE,
    PositionTitle.DEPUTY_SECRETARY,
    PositionTitle.YOUTH,
    PositionTitle.WOMEN,
)


def weighted(rng: random.Random, mix: tuple[tuple[str, int], ...]) -> str:
    total = sum(w for _, w in mix)
    pick = rng.random() * total
    for value, w in mix:
        pick -= w
        if pick < 0:
            return value
    return mix[-1][0]


@dataclass
class Candidate:
    """A member who may hold a post in an org above their branch."""

    member_id: int
    joined_on: dt.date


@dataclass
class DemoStats:
    orgs: int = 0
    members: int = 0
    positions: int = 0
    mobility: int = 0
    probationary: int = 0
    lost_contact: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)


class DemoGenerator:
    def __init__(self, *, shape: str, seed: int, today: dt.date, log: Callable[[str], None] = lambda s: None):
        self.shape = shape
        self.seed = seed
        self.today = today
        self.log = log
        self.rng = random.Random(f"dangjian-demo-members:{seed}")
        self.names = NameSource(self.rng)
        self.korean_share = 0.35 if shape != "province" else 0.0
        self.used_ids: set[int] = set()
        self.pinyin: dict[str, tuple[str, str]] = {}
        self.next_member_id = 1
        self.next_position_id = 1
        self.next_mobility_id = 1
        self.cadre_ids: list[int] = []
        self.counts: dict[int, tuple[int, int]] = {}
        self.stats = DemoStats()
        self.latest_full_join = today - dt.timedelta(days=400)

    # ------------------------------------------------------------ entry point

    def run(self) -> DemoStats:
        started = time.perf_counter()
        cpu_started = time.process_time()
        root = build_plan(shape=self.shape, seed=self.seed, today=self.today)
        counts = plan_counts(root)
        self.log(f"规划：{counts['orgs']} 个组织，{counts['members']} 名党员")
        self.orgs = TableWriterSet()
        with transaction.atomic():
            # Members first, so the orgs can be written with their counts; foreign keys are
            # checked at commit on SQLite and PostgreSQL.
            self.visit(root, cadre_rate=0.0)
            for node in root.walk():
                self.orgs.org.add(self.org_row(node))
            self.orgs.flush_all()
            self.stats.timings["rows"] = time.perf_counter() - started
            for i in range(0, len(self.cadre_ids), 900):
                Member.objects.filter(pk__in=self.cadre_ids[i : i + 900]).update(leading_cadre=True)
            self.reset_sequences()
            t = time.perf_counter()
            org_recount()
            self.stats.timings["recount"] = time.perf_counter() - t
        self.stats.orgs = counts["orgs"]
        self.stats.members = self.orgs.member.count
        self.stats.positions = self.orgs.position.count
        self.stats.mobility = self.orgs.mobility.count
        self.stats.seconds = time.perf_counter() - started
        self.stats.cpu_seconds = time.process_time() - cpu_started
        return self.stats

    def reset_sequences(self) -> None:
        """Ids were given explicitly; let the database's sequences continue after them."""
        statements = connection.ops.sequence_reset_sql(no_style(), [Org, Member, Position, MobilityRecord])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    # ------------------------------------------------------------ orgs

    def org_row(self, node: PlanOrg) -> dict:
        return {
            "id": node.id,
            "path": node.path,
            "depth": node.depth,
            "numchild": len(node.children),
            "name": node.name,
            "kind": node.kind,
            "unit_name": node.unit_name,
            "sector": node.sector,
            "leadership_team": node.leadership_team,
            "code": "",
            "founded_on": node.founded_on,
            "term_start": node.term_start,
            "term_years": node.term_years,
            "term_due": node.term_due,
            "full_count": self.counts.get(node.id, (0, 0))[0],
            "probationary_count": self.counts.get(node.id, (0, 0))[1],
        }

    def visit(self, node: PlanOrg, *, cadre_rate: float) -> list[Candidate]:
        """Members of the subtree (depth first); returns a few candidates for posts above."""
        if node.leadership_team and node.depth > 2 and node.sector == Sector.ORGAN:
            cadre_rate = 0.05  # a 县处级 department: its leaders are 县处级领导干部
        if node.kind in BRANCH_KINDS:
            return self.branch(node, cadre_rate=cadre_rate)
        pools = [self.visit(child, cadre_rate=cadre_rate) for child in node.children]
        candidates: list[Candidate] = []
        for i in range(12):  # round-robin over the children so posts spread over the subtree
            for pool in pools:
                if i < len(pool):
                    candidates.append(pool[i])
        candidates = candidates[:12]
        if node.kind != OrgKind.GROUP and candidates:
            self.committee_posts(node, candidates)
        if node.depth <= 2 and node.leadership_team:
            self.log(f"  {node.name}：已生成至第 {self.next_member_id - 1} 名党员")
        return candidates

    def committee_posts(self, node: PlanOrg, candidates: list[Candidate]) -> None:
        """书记 and 委员 of a 党委/党工委/党总支, drawn from members of its subtree."""
        count = min(len(candidates), self.rng.randint(3, 7) if node.kind != OrgKind.GENERAL_BRANCH else 3)
        chosen = candidates[:count]
        titles = [PositionTitle.SECRETARY, *COMMITTEE_TITLES[: count - 1]]
        for cand, title in zip(chosen, titles, strict=False):
            self.position(cand.member_id, node, title, cand.joined_on)
            if node.leadership_team:
                self.cadre_ids.append(cand.member_id)

    def position(self, member_id: int, node: PlanOrg, title: str, joined_on: dt.date) -> None:
        started = max(node.term_start or joined_on, joined_on)
        self.orgs.position.add(
            {
                "id": self.next_position_id,
                "member_id": member_id,
                "org_id": node.id,
                "org_path": node.path,
                "title": title,
                "started_on": min(started, self.today),
                "ended_on": None,
            }
        )
        self.next_position_id += 1

    # ------------------------------------------------------------ members

    def branch(self, node: PlanOrg, *, cadre_rate: float) -> list[Candidate]:
        groups = [c for c in node.children if c.kind == OrgKind.GROUP]
        rows = [self.member(node, cadre_rate) for _ in range(node.size)]
        for i, row in enumerate(rows):
            if groups:
                row["party_group_id"] = groups[i % len(groups)].id
            self.orgs.member.add(row)
        eligible = [r for r in rows if r["status"] == MemberStatus.FULL and not r["lost_contact"]]
        # working members first
        eligible.sort(key=lambda r: (occupation_group(r["occupation"]) in {"3", "5"}, r["id"]))
        if not eligible:
            return []
        full = sum(r["status"] == MemberStatus.FULL for r in rows)
        self.counts[node.id] = (full, len(rows) - full)
        posts = [PositionTitle.SECRETARY]
        if full >= 7:
            posts += [PositionTitle.ORGANIZATION, PositionTitle.PROPAGANDA, PositionTitle.DISCIPLINE]
            if full >= 30 and self.rng.random() < 0.5:
                posts.append(PositionTitle.DEPUTY_SECRETARY)
        for row, title in zip(eligible, posts, strict=False):
            self.position(row["id"], node, title, row["joined_on"])
        eligible_ids = {r["id"] for r in eligible}
        for i, group in enumerate(groups):
            members = [r for j, r in enumerate(rows) if j % len(groups) == i and r["id"] in eligible_ids]
            if members:
                self.position(members[-1]["id"], group, PositionTitle.GROUP_LEADER, members[-1]["joined_on"])
        return [Candidate(r["id"], r["joined_on"]) for r in eligible[:3]]

    def member(self, node: PlanOrg, cadre_rate: float) -> dict:
        rng, today = self.rng, self.today
        profile = node.profile
        if profile == "retired":
            occupation = weighted(rng, RETIRED_MIX)
        elif profile == "student":
            occupation = weighted(rng, STUDENT_MIX)
        else:
            occupation = weighted(rng, OCCUPATION_MIX.get(node.sector, OCCUPATION_MIX[Sector.ORGAN]))
        male = rng.random() < MALE_SHARE.get(profile, MALE_SHARE.get(node.sector, 0.65))
        korean = rng.random() < self.korean_share
        if korean:
            ethnicity = "10"
            surname = rng.choice(N.KOREAN_SURNAMES)
        else:
            r = rng.random()
            ethnicity = "01" if r < 0.95 else ("11" if r < 0.99 else "03")
            surname = self.names.surname()
        given = self.names.given(male)
        name = surname + given
        if name not in self.pinyin:
            self.pinyin[name] = name_pinyin(name)
        initials, full_pinyin = self.pinyin[name]

        group = occupation_group(occupation)
        if group == "5":
            birth_year = rng.randint(1936, 1965)
        elif group == "3":
            birth_year = rng.randint(today.year - 24, today.year - 20)
        elif group == "1":
            birth_year = rng.randint(1945, 1995)
        else:
            birth_year = rng.randint(1963, 1998)
        birth = dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
        adult = add_years(birth, 18)
        probationary = rng.random() < 0.05 and adult < today - dt.timedelta(days=370)
        extension = None
        if probationary:
            joined = today - dt.timedelta(days=rng.randint(20, 350))
            full_on = None
        else:
            age = rng.randint(19, 22) if group == "3" else rng.randint(20, 40)
            joined = add_years(birth, age) + dt.timedelta(days=rng.randint(0, 300))
            joined = min(joined, self.latest_full_join - dt.timedelta(days=rng.randint(0, 60)))
            joined = max(joined, adult + dt.timedelta(days=1))
            if NO_PROBATION_FROM <= joined <= NO_PROBATION_TO and rng.random() < 0.5:
                full_on = joined
            else:
                # 转正 on the day the 预备期 ends; about one in a hundred had it extended.
                if rng.randint(0, 20) == 0 and joined.day % 4 == 0:
                    extension = 6 if joined.day % 8 else 12
                full_on = probation_end(joined, extension)
                if full_on >= today:
                    extension, full_on = None, probation_end(joined)
        region = node.region if rng.random() < 0.85 else rng.choice(OTHER_REGIONS)
        number = self.id_number(region, birth, male)
        phone = ""
        if rng.random() < 0.92:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        lost = rng.random() < LOST_SHARE.get(node.sector, 0.0005)
        lost_on = None
        standing = Standing.NORMAL
        note = ""
        if lost:
            lost_on = max(today - dt.timedelta(days=rng.randint(60, 900)), joined)
            if (today - lost_on).days > 183 and rng.random() < 0.7:
                standing = Standing.SUSPENDED
                note = "失联超过6个月，已停止党籍"
        member_id = self.next_member_id
        self.next_member_id += 1
        if probationary:
            self.stats.probationary += 1
        if lost:
            self.stats.lost_contact += 1
        elif rng.random() < MOBILE_SHARE.get(node.sector, 0.005) and group != "5":
            self.mobility(member_id, node, joined, phone)
        education = weighted(rng, EDUCATION_MIX[education_profile(occupation)])
        id_masked = pii.mask_id_number(number)
        return {
            "id": member_id,
            "org_id": node.id,
            "org_path": node.path,
            "party_group_id": None,
            "name": name,
            "name_initials": initials,
            "name_pinyin": full_pinyin,
            "gender": "M" if male else "F",
            "ethnicity": ethnicity,
            "birth_date": birth,
            "id_number_hash": pii.lookup_hash(number),
            "id_number_encrypted": pii.encrypt(number),
            "id_number_masked": id_masked,
            "phone_encrypted": pii.encrypt(phone),
            "phone_masked": pii.mask_phone(phone),
            "address": f"{node.place}{node.unit_name.removeprefix(node.place)}" if rng.random() < 0.6 else "",
            "education": education,
            "status": MemberStatus.PROBATIONARY if probationary else MemberStatus.FULL,
            "joined_on": joined,
            "full_member_on": full_on,
            "probation_extension_months": extension,
            "occupation": occupation,
            "standing": standing,
            "lost_contact": lost,
            "lost_contact_on": lost_on,
            "leading_cadre": node.sector == Sector.ORGAN and rng.random() < cadre_rate,
            "note": note,
        }

    def id_number(self, region: str, birth: dt.date, male: bool) -> str:
        """A valid, unused 18-digit 公民身份号码 (odd 17th digit for men, even for women)."""
        base = f"{region}{birth:%Y%m%d}"
        while True:
            order = self.rng.randrange(500) * 2 + (1 if male else 0)
            first17 = f"{base}{order:03d}"
            key = int(first17)
            if key not in self.used_ids:
                self.used_ids.add(key)
                return first17 + pii.id_check_digit(first17)

    def mobility(self, member_id: int, node: PlanOrg, joined: dt.date, phone: str) -> None:
        rng = self.rng
        place = rng.choice(N.OUT_PLACES)
        started = max(self.today - dt.timedelta(days=rng.randint(190, 1200)), joined)
        self.orgs.mobility.add(
            {
                "id": self.next_mobility_id,
                "member_id": member_id,
                "org_path": node.path,
                "direction": Mobility.OUT,
                "place": place,
                "host_org_id": None,
                "host_org_name": f"{place}流动党员党支部" if rng.random() < 0.6 else "",
                "contact": phone,
                "started_on": started,
                "ended_on": None,
            }
        )
        self.next_mobility_id += 1


class NameSource:
    """Chinese names from Faker's ``zh_CN`` person data (surnames weighted by frequency).

    Drawn with the generator's own seeded ``Random``: the same names as ``Faker.name()`` would
    give in kind, at a fraction of the cost per call, which matters at 5 million members.
    """

    def __init__(self, rng: random.Random):
        provider = Faker("zh_CN").factories[0].provider("faker.providers.person")
        self.rng = rng
        self.surnames = list(provider.last_names.keys())
        self.cum_weights = list(itertools.accumulate(provider.last_names.values()))
        self.male = list(provider.first_names_male)
        self.female = list(provider.first_names_female)

    def surname(self) -> str:
        return self.surnames[bisect.bisect(self.cum_weights, self.rng.random() * self.cum_weights[-1])]

    def given(self, male: bool) -> str:
        return self.rng.choice(self.male if male else self.female)


class TableWriterSet:
    """The writers of one run; members are flushed before the rows that point at them."""

    def __init__(self) -> None:
        from .writer import TableWriter

        self.org = TableWriter(Org, batch_size=5000)
        self.member = TableWriter(Member, batch_size=5000)
        self.position = TableWriter(Position, batch_size=5000)
        self.mobility = TableWriter(MobilityRecord, batch_size=5000)

    def flush_all(self) -> None:
        for writer in (self.org, self.member, self.position, self.mobility):
            writer.flush()
