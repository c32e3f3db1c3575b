"""The demo org tree as a plan in memory: names, kinds, sectors, dates and branch sizes.

Everything is drawn from one ``random.Random(seed)`` in a fixed order, so the same seed gives
the same tree. Paths are assigned the way treebeard's ``MP_Node`` does (steplen 4, alphabet
0-9A-Z), so the rows can be bulk-inserted without going through ``add_child``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from dangjian.orgs.choices import NO_TERM_KINDS, OrgKind, Sector
from dangjian.orgs.models import Org, default_term_years
from dangjian.orgs.services import add_years

from . import names as N

STEPLEN = 4
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def path_step(num: int) -> str:
    """Treebeard's step for the ``num``-th child (1-based), base 36, zero-padded to 4."""
    digits = ""
    while num:
        num, rem = divmod(num, len(ALPHABET))
        digits = ALPHABET[rem] + digits
    return digits.rjust(STEPLEN, ALPHABET[0])


@dataclass(slots=True, eq=False)
class PlanOrg:
    name: str
    kind: str
    sector: str
    unit_name: str
    region: str  # 身份证 region code used for this org's members
    place: str = ""  # the county (or prefecture) the org sits in, for addresses
    leadership_team: bool = False
    size: int = 0  # members whose 组织关系 is here (branches only)
    profile: str = "normal"  # member mix: normal / retired / student / rural / community …
    children: list[PlanOrg] = field(default_factory=list)
    founded_on: dt.date | None = None
    term_start: dt.date | None = None
    term_years: int | None = None
    term_due: dt.date | None = None
    path: str = ""
    depth: int = 0
    id: int = 0

    def add(self, child: PlanOrg) -> PlanOrg:
        self.children.append(child)
        return child

    def walk(self) -> Iterator[PlanOrg]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class County:
    name: str  # 延吉市
    short: str  # 延吉
    region: str  # 222401
    weight: float


@dataclass(frozen=True)
class Prefecture:
    name: str  # 延边州
    formal: str  # 中共延边朝鲜族自治州委员会 → shown as 中共延边州委
    region: str  # 222400
    counties: tuple[County, ...]
    scale: float  # multiplies every unit count
    korean_share: float = 0.0


YANBIAN_COUNTIES = (
    County("延吉市", "延吉", "222401", 1.5),
    County("图们市", "图们", "222402", 0.55),
    County("敦化市", "敦化", "222403", 1.4),
    County("珲春市", "珲春", "222404", 0.9),
    County("龙井市", "龙井", "222405", 0.75),
    County("和龙市", "和龙", "222406", 0.7),
    County("汪清县", "汪清", "222424", 0.85),
    County("安图县", "安图", "222426", 0.75),
)

HEBEI_PREFECTURES = (
    ("石家庄市", "1301", 22),
    ("唐山市", "1302", 14),
    ("秦皇岛市", "1303", 7),
    ("邯郸市", "1304", 18),
    ("邢台市", "1305", 18),
    ("保定市", "1306", 24),
    ("张家口市", "1307", 16),
    ("承德市", "1308", 11),
    ("沧州市", "1309", 16),
    ("廊坊市", "1310", 10),
    ("衡水市", "1311", 11),
)

SHAPES = ("tiny", "small", "yanbian", "province")


class Planner:
    """Builds the tree for a shape. All randomness comes from ``rng``."""

    def __init__(self, *, rng: random.Random, today: dt.date):
        self.rng = rng
        self.today = today
        self.used_names: set[tuple[str, str]] = set()

    # ------------------------------------------------------------ small helpers

    def n(self, base: float, scale: float) -> int:
        """A unit count: ``base`` × ``scale``, jittered ±20 %, at least 1."""
        return max(1, round(base * scale * self.rng.uniform(0.8, 1.2)))

    def place(self, suffix: str, scope: str) -> str:
        """A two-character place name unique within ``scope`` (春兴 + 村)."""
        for _ in range(200):
            name = self.rng.choice(N.PLACE_FIRST) + self.rng.choice(N.PLACE_SECOND)
            if name[0] != name[1] and (scope, name + suffix) not in self.used_names:
                self.used_names.add((scope, name + suffix))
                return name + suffix
        return f"{self.rng.choice(N.PLACE_FIRST)}{len(self.used_names)}{suffix}"

    def size(self, profile: str) -> int:
        """Members of one branch: 3–50, most 10–30, shifted by the kind of unit."""
        r = self.rng.random()
        if profile in {"private", "social"}:
            return self.rng.randint(3, 12) if r < 0.6 else self.rng.randint(13, 28)
        if profile == "rural":
            if r < 0.08:
                return self.rng.randint(5, 12)
            return self.rng.randint(18, 40) if r < 0.8 else self.rng.randint(41, 50)
        if profile == "retired":
            return self.rng.randint(8, 25) if r < 0.7 else self.rng.randint(26, 48)
        if r < 0.08:
            return self.rng.randint(3, 9)
        if r < 0.85:
            return self.rng.randint(10, 30)
        return self.rng.randint(31, 50)

    def branch(
        self,
        parent: PlanOrg,
        name: str,
        unit: str,
        sector: str,
        profile: str = "normal",
        kind: str = OrgKind.BRANCH,
    ) -> PlanOrg:
        node = parent.add(
            PlanOrg(
                name=name,
                kind=kind,
                sector=sector,
                unit_name=unit,
                region=parent.region,
                place=parent.place,
                profile=profile,
            )
        )
        node.size = self.size(profile)
        # Larger branches split into 党小组 (党小组 hold no 组织关系 of their own).
        groups = 0
        if node.size >= 38 and self.rng.random() < 0.25:
            groups = self.rng.randint(2, 4)
        elif node.size >= 25 and self.rng.random() < 0.03:
            groups = 2
        for i in range(groups):
            node.add(
                PlanOrg(
                    name=f"第{N.GROUP_NUMERALS[i]}党小组",
                    kind=OrgKind.GROUP,
                    sector=sector,
                    unit_name=unit,
                    region=parent.region,
                    place=parent.place,
                )
            )
        return node

    def committee(
        self,
        parent: PlanOrg,
        name: str,
        unit: str,
        sector: str,
        kind: str = OrgKind.COMMITTEE,
        leadership_team: bool = False,
    ) -> PlanOrg:
        return parent.add(
            PlanOrg(
                name=name,
                kind=kind,
                sector=sector,
                unit_name=unit,
                region=parent.region,
                place=parent.place,
                leadership_team=leadership_team,
            )
        )

    def unit_with_branches(
        self, parent: PlanOrg, unit: str, sector: str, big: bool, profile: str = "normal"
    ) -> None:
        """A unit: one 党支部, or (larger units) a 党委/党总支 over several branches."""
        r = self.rng.random()
        if not big and r < 0.75:
            self.branch(parent, f"{unit}党支部", unit, sector, profile)
            return
        if big and r < 0.5:
            head = self.committee(parent, f"{unit}党委", unit, sector)
            count = self.rng.randint(3, 7)
        else:
            head = self.committee(parent, f"{unit}党总支", unit, sector, kind=OrgKind.GENERAL_BRANCH)
            count = self.rng.randint(2, 4)
        for i in range(count):
            self.branch(head, f"{unit}第{N.GROUP_NUMERALS[i % 8]}党支部", unit, sector, profile)
        if sector in {Sector.ORGAN, Sector.INSTITUTION, Sector.STATE_ENTERPRISE} and self.rng.random() < 0.6:
            self.branch(head, f"{unit}离退休干部党支部", unit, sector, "retired")

    # ------------------------------------------------------------ levels

    def county(self, parent: PlanOrg, c: County, scale: float) -> PlanOrg:
        s = scale * c.weight
        top = parent.add(
            PlanOrg(
                name=f"中共{c.name}委",
                kind=OrgKind.COMMITTEE,
                sector=Sector.ORGAN,
                unit_name=f"中共{c.name}委员会",
                region=c.region,
                place=c.name,
                leadership_team=True,
            )
        )
        # 县直机关工委: departments, each a 支部 or a 机关党委/总支 with its branches.
        organs = self.committee(
            top,
            f"中共{c.name}直属机关工作委员会",
            f"{c.name}直属机关",
            Sector.ORGAN,
            OrgKind.WORKING_COMMITTEE,
        )
        for dept in N.DEPARTMENTS[: min(len(N.DEPARTMENTS), self.n(30, min(s, 1.3)))]:
            self.unit_with_branches(organs, f"{c.name}{dept}", Sector.ORGAN, big=self.rng.random() < 0.3)
        # 乡镇党委: 机关支部 plus village branches (big villages: 村党总支).
        for _ in range(self.n(9, min(s, c.weight))):
            town_name = self.place(self.rng.choice("镇镇镇乡"), c.name)
            town = self.committee(top, f"中共{c.name}{town_name}委员会", f"{c.name}{town_name}", Sector.RURAL)
            town.name = f"{town_name}党委"
            self.branch(town, f"{town_name}机关党支部", f"{town_name}人民政府", Sector.ORGAN)
            for _ in range(max(2, round(self.rng.randint(10, 20) * min(scale, 2.4)))):
                village = self.place("村", town_name)
                unit = f"{town_name}{village}"
                if self.rng.random() < 0.08:
                    head = self.committee(
                        town, f"{village}党总支", unit, Sector.RURAL, kind=OrgKind.GENERAL_BRANCH
                    )
                    for i in range(self.rng.randint(2, 3)):
                        self.branch(
                            head, f"{village}第{N.GROUP_NUMERALS[i]}党支部", unit, Sector.RURAL, "rural"
                        )
                else:
                    self.branch(town, f"{village}党支部", unit, Sector.RURAL, "rural")
            if self.rng.random() < 0.4:
                self.branch(
                    town,
                    f"{town_name}非公企业联合党支部",
                    f"{town_name}非公企业",
                    Sector.PRIVATE_ENTERPRISE,
                    "private",
                    kind=OrgKind.JOINT_BRANCH,
                )
        # 街道党工委: 社区党委/党总支/支部.
        for _ in range(self.n(3, min(s, c.weight))):
            street = self.place("街道", c.name)
            st = self.committee(
                top, f"{street}党工委", f"{c.name}{street}", Sector.COMMUNITY, OrgKind.WORKING_COMMITTEE
            )
            self.branch(st, f"{street}机关党支部", f"{street}办事处", Sector.ORGAN)
            for _ in range(max(2, round(self.rng.randint(4, 8) * min(scale, 2.0)))):
                community = self.place("社区", street)
                unit = f"{street}{community}"
                if self.rng.random() < 0.35:
                    head = self.committee(st, f"{community}党委", unit, Sector.COMMUNITY)
                    self.branch(head, f"{community}第一党支部", unit, Sector.COMMUNITY, "community")
                    self.branch(head, f"{community}离退休党员党支部", unit, Sector.COMMUNITY, "retired")
                    self.branch(head, f"{community}流动党员党支部", unit, Sector.COMMUNITY, "community")
                else:
                    self.branch(st, f"{community}党支部", unit, Sector.COMMUNITY, "community")
        # 教育、卫健、国资 systems and the 两新 working committee.
        edu = self.committee(top, f"中共{c.name}教育局委员会", f"{c.name}教育局", Sector.SCHOOL)
        edu.name = f"{c.name}教育系统党委"
        for i in range(self.n(18, s)):
            kind = N.SCHOOL_KINDS[i % len(N.SCHOOL_KINDS)]
            prefix = c.name if i < len(N.SCHOOL_KINDS) else c.name + self.place("镇", c.name + "学校")
            school = f"{prefix}{kind}"
            self.unit_with_branches(edu, school, Sector.SCHOOL, big=kind.endswith("中学"), profile="school")
        health = self.committee(top, f"{c.name}卫生健康系统党委", f"{c.name}卫生健康局", Sector.INSTITUTION)
        for i in range(self.n(5, s)):
            unit = c.name + (
                N.HEALTH_UNITS[i]
                if i < len(N.HEALTH_UNITS)
                else self.place("镇", c.name + "卫生院") + "卫生院"
            )
            self.unit_with_branches(health, unit, Sector.INSTITUTION, big=unit.endswith("医院"))
        soe = self.committee(
            top, f"{c.name}国资系统党委", f"{c.name}国有资产监督管理局", Sector.STATE_ENTERPRISE
        )
        for i in range(self.n(4, s)):
            unit = c.name + N.STATE_ENTERPRISES[i % len(N.STATE_ENTERPRISES)]
            self.unit_with_branches(soe, unit, Sector.STATE_ENTERPRISE, big=self.rng.random() < 0.4)
        new = self.committee(
            top,
            f"中共{c.name}非公有制经济组织和社会组织工作委员会",
            f"{c.name}两新组织",
            Sector.PRIVATE_ENTERPRISE,
            OrgKind.WORKING_COMMITTEE,
        )
        new.name = f"{c.name}两新工委"
        for _ in range(self.n(28, s)):
            unit = f"{c.short}{self.place('', 'firm')}{self.rng.choice(N.INDUSTRIES)}有限公司"
            self.branch(new, f"{unit}党支部", unit, Sector.PRIVATE_ENTERPRISE, "private")
        for _ in range(self.n(9, s)):
            unit = f"{c.name}{self.place('', 'soc')}{self.rng.choice(N.SOCIAL_ORGS)}"
            self.branch(new, f"{unit}党支部", unit, Sector.SOCIAL_ORG, "social")
        return top

    def prefecture_units(self, top: PlanOrg, short: str, scale: float) -> None:
        """市直 (州直) 机关、教育、卫健、国资、两新 under the 市委."""
        organs = self.committee(
            top, f"中共{short}直属机关工作委员会", f"{short}直属机关", Sector.ORGAN, OrgKind.WORKING_COMMITTEE
        )
        for dept in N.DEPARTMENTS[: min(len(N.DEPARTMENTS), self.n(45, min(scale, 1.2)))]:
            unit = f"{short}{dept}"
            head = self.committee(organs, f"{unit}机关党委", unit, Sector.ORGAN, leadership_team=True)
            for i in range(self.rng.randint(2, 6)):
                self.branch(head, f"{unit}第{N.GROUP_NUMERALS[i]}党支部", unit, Sector.ORGAN)
            self.branch(head, f"{unit}离退休干部党支部", unit, Sector.ORGAN, "retired")
        edu = self.committee(
            top, f"中共{short}教育工作委员会", f"{short}教育局", Sector.SCHOOL, OrgKind.WORKING_COMMITTEE
        )
        for i in range(self.n(8, scale)):
            kind = N.SCHOOL_KINDS[i % 10]
            self.unit_with_branches(edu, f"{short}{kind}", Sector.SCHOOL, big=True, profile="school")
        for _ in range(self.n(2, scale)):
            college = f"{short}{self.place('', 'college')}职业技术学院"
            head = self.committee(edu, f"中共{college}委员会", college, Sector.SCHOOL, leadership_team=True)
            for i in range(self.rng.randint(3, 6)):
                self.branch(head, f"{college}第{N.GROUP_NUMERALS[i]}教工党支部", college, Sector.SCHOOL)
            for i in range(self.rng.randint(2, 4)):
                self.branch(
                    head, f"{college}第{N.GROUP_NUMERALS[i]}学生党支部", college, Sector.SCHOOL, "student"
                )
        health = self.committee(top, f"{short}卫生健康系统党委", f"{short}卫生健康委员会", Sector.INSTITUTION)
        for i in range(self.n(6, scale)):
            unit = f"{short}{N.HEALTH_UNITS[i % len(N.HEALTH_UNITS)]}"
            if i >= len(N.HEALTH_UNITS):
                unit = f"{short}第{i - len(N.HEALTH_UNITS) + 2}人民医院"
            self.unit_with_branches(health, unit, Sector.INSTITUTION, big=True)
        soe = self.committee(
            top, f"{short}国资委党委", f"{short}国有资产监督管理委员会", Sector.STATE_ENTERPRISE
        )
        for i in range(self.n(6, scale)):
            unit = f"{short}{N.STATE_ENTERPRISES[i % len(N.STATE_ENTERPRISES)]}"
            if i >= len(N.STATE_ENTERPRISES):
                unit = f"{short}{self.place('', 'soe')}{N.STATE_ENTERPRISES[i % len(N.STATE_ENTERPRISES)]}"
            self.unit_with_branches(soe, unit, Sector.STATE_ENTERPRISE, big=True)
        new = self.committee(
            top, f"{short}两新工委", f"{short}两新组织", Sector.PRIVATE_ENTERPRISE, OrgKind.WORKING_COMMITTEE
        )
        for _ in range(self.n(30, scale)):
            unit = f"{short}{self.place('', 'pfirm')}{self.rng.choice(N.INDUSTRIES)}集团有限公司"
            self.unit_with_branches(new, unit, Sector.PRIVATE_ENTERPRISE, big=False, profile="private")
        for _ in range(self.n(10, scale)):
            unit = f"{short}{self.place('', 'psoc')}{self.rng.choice(N.SOCIAL_ORGS)}"
            self.branch(new, f"{unit}党支部", unit, Sector.SOCIAL_ORG, "social")

    def prefecture(self, parent: PlanOrg | None, p: Prefecture) -> PlanOrg:
        short = p.name
        top = PlanOrg(
            name=f"中共{short}委",
            kind=OrgKind.COMMITTEE,
            sector=Sector.ORGAN,
            unit_name=p.formal,
            region=p.region,
            place=short,
            leadership_team=True,
        )
        if parent is not None:
            parent.add(top)
        for c in p.counties:
            self.county(top, c, p.scale)
        self.prefecture_units(top, short, p.scale * (len(p.counties) / 8) ** 0.5)
        return top

    # ------------------------------------------------------------ shapes

    def build(self, shape: str) -> PlanOrg:
        if shape == "tiny":
            p = Prefecture(
                "延边州", "中共延边朝鲜族自治州委员会", "222400", YANBIAN_COUNTIES[1:2], 0.04, 0.35
            )
            root = self.prefecture(None, p)
        elif shape == "small":
            p = Prefecture("延边州", "中共延边朝鲜族自治州委员会", "222400", YANBIAN_COUNTIES[1:2], 0.7, 0.35)
            root = self.prefecture(None, p)
        elif shape == "yanbian":
            p = Prefecture("延边州", "中共延边朝鲜族自治州委员会", "222400", YANBIAN_COUNTIES, 3.15, 0.35)
            root = self.prefecture(None, p)
        elif shape == "province":
            root = PlanOrg(
                name="中共河北省委",
                kind=OrgKind.COMMITTEE,
                sector=Sector.ORGAN,
                unit_name="中共河北省委员会",
                region="130100",
                place="河北省",
                leadership_team=True,
            )
            self.prefecture_units(root, "省", 3.0)
            for name, code, n_counties in HEBEI_PREFECTURES:
                counties = []
                for i in range(n_counties):
                    short = self.place("", "county")
                    suffix = self.rng.choice("县县县区市")
                    number = i + 1 if suffix == "区" else 21 + i
                    counties.append(
                        County(f"{short}{suffix}", short, f"{code}{number:02d}", self.rng.uniform(1.4, 2.6))
                    )
                self.prefecture(
                    root, Prefecture(name, f"中共{name}委员会", f"{code}00", tuple(counties), 1.8)
                )
        else:
            raise ValueError(shape)
        self.finish(root)
        return root

    def finish(self, root: PlanOrg) -> None:
        """Paths, depths, ids (pre-order), founded and term dates."""
        root.path, root.depth = path_step(1), 1
        next_id = 1
        stack = [root]
        while stack:
            node = stack.pop()
            node.id = next_id
            next_id += 1
            self.dates(node)
            for i, child in enumerate(node.children, 1):
                child.path = node.path + path_step(i)
                child.depth = node.depth + 1
            stack.extend(reversed(node.children))

    def dates(self, node: PlanOrg) -> None:
        if node.kind == OrgKind.GROUP:
            return
        rng, today = self.rng, self.today
        earliest = 2000 if node.sector in {Sector.PRIVATE_ENTERPRISE, Sector.SOCIAL_ORG} else 1950
        year = rng.randint(earliest, 2019)
        node.founded_on = dt.date(year, rng.randint(1, 12), 1)
        if node.kind in NO_TERM_KINDS:  # appointed or temporary: no 换届
            return
        node.term_years = default_term_years(node.kind, node.sector)
        if rng.random() < 0.07:  # overdue for 换届 by up to 18 months
            elapsed = node.term_years * 365 + rng.randint(20, 540)
        else:
            elapsed = rng.randint(30, node.term_years * 365 - 20)
        start = today - dt.timedelta(days=elapsed)
        node.term_start = max(start, node.founded_on)
        node.term_due = add_years(node.term_start, node.term_years)


def build_plan(*, shape: str, seed: int, today: dt.date) -> PlanOrg:
    return Planner(rng=random.Random(f"dangjian-demo-tree:{seed}"), today=today).build(shape)


def plan_counts(root: PlanOrg) -> dict[str, int]:
    orgs = members = branches = groups = 0
    for node in root.walk():
        orgs += 1
        members += node.size
        branches += node.kind in {OrgKind.BRANCH, OrgKind.JOINT_BRANCH}
        groups += node.kind == OrgKind.GROUP
    return {"orgs": orgs, "members": members, "branches": branches, "groups": groups}


assert Org.steplen == STEPLEN and Org.alphabet == ALPHABET
