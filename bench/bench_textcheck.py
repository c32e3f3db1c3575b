"""Benchmark: the 形式主义 detector at yanbian scale (≈ 50,000 problems over ≈ 9,000 orgs).

Data: synthetic, generated here from templates with a fixed seed (no database): counties, towns,
villages, communities, schools, hospitals, bureaus and enterprises; each org lists 2–9 problems:
its own concrete problems (figures, facilities, people), stock generic lines, lines copied from a
sibling or from the level above with the name changed (上下一般粗), and lightly edited copies.

Measured (targets):
- near-duplicate check for one newly submitted problem (``DuplicateIndex.candidates``) < 200 ms:
  median, p95 and max over 300 new problems;
- full cross-unit duplicate report (index every problem, list every cross-org pair) < 30 s;
- the index's recall against comparing a sample of new problems with every indexed text;
- the text checks (``text_warnings``) per line.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = 20261203
SYLLABLES = (
    "光明 新兴 红旗 东兴 丹山 园辉 白龙 岭东 北大 仁化 柳洞 八道 金谷 明东 太平 龙山 长安 永丰 东盛 兴安 春阳 河南 "
    "建工 北山 公园 进学 新华 朝阳 依兰 三道 英安 春化 石岘 月晴 凉水 开山 老头 智新 德新 东城 西城 松原 和平 胜利 "
    "民主 团结 友谊 幸福 安民 富民 宏伟 星光 青松 白桦 清泉 长青 双河 三合 五星 红岩 新风 向阳 前进 东风 文化 百草"
).split()
COUNTIES = ["延吉市", "图们市", "敦化市", "珲春市", "龙井市", "和龙市", "汪清县", "安图县"]
FACILITIES = [
    "党员活动室",
    "党群服务中心",
    "便民服务站",
    "农家书屋",
    "卫生室",
    "食堂",
    "村务公开栏",
    "会议室",
]
POSTS = ["组织委员", "网格员", "村会计", "护士长", "班主任", "党小组长", "驻村工作队员"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗金朴崔"
GENERIC_SUBJECTS = [
    "部分党员",
    "个别党员",
    "党员干部",
    "支部委员",
    "班子成员",
    "少数党员",
    "年轻党员",
    "干部职工",
]
GENERIC_ISSUES = [
    "理论学习不够深入",
    "参加组织生活不积极",
    "宗旨意识淡化",
    "担当作为不够",
    "纪律规矩意识不强",
    "先锋模范作用发挥不明显",
    "服务群众意识不强",
    "学用结合不紧密",
    "政治站位不高",
    "履职尽责意识不强",
    "工作作风不够扎实",
    "批评与自我批评开展不够",
]
GENERIC_ORG_LINES = [
    "三会一课制度落实不够严格",
    "党建与业务融合不够紧密，存在两张皮现象",
    "主题党日活动形式单一，内容吸引力不强",
    "意识形态工作责任制落实不到位",
    "发展党员工作程序不够严谨",
    "谈心谈话开展不经常，效果不明显",
    "党务公开不及时、不规范",
    "调研成果转化运用不够",
    "党费收缴不够及时规范",
    "党员档案管理不规范",
    "整改落实不够彻底，存在反弹回潮现象",
    "基层党建基础工作薄弱",
]
TAILS = ["", "", "", "，存在应付心态", "，效果不够明显", "，有待进一步加强"]
SPECIFIC = [
    "{o}{n}名党员连续{m}个月未参加组织生活",
    "{o}{f}自{y}年{mo}月以来未对外开放",
    "{o}{y}年第{q}季度未召开党员大会",
    "{o}{p}{s}某某每月在岗不足{d}天",
    "{o}{n}名流动党员失联超过{m}个月",
    "{o}{y}年村集体收入不足{n}万元",
    "{o}{f}的登记簿{y}年只有{n}次记录",
    "{o}{n}户群众反映{f}{d}天无人值守",
    "{o}对巡察反馈的{d}个问题只整改了{k}个",
    "{o}{n}名预备党员超期{m}个月未讨论转正",
    "{o}{p}岗位空缺{m}个月未补选",
    "{o}{y}年收到的{d}件投诉中有{k}件超期未办结",
]


def _orgs(rng: random.Random) -> list[tuple[str, str, str]]:
    """(org id, display name, parent id): counties → towns/bureaus → villages/communities/units."""
    orgs = []
    for county in COUNTIES:
        orgs.append((county, county + "委", ""))
        for t in range(14):
            town = county + rng.choice(SYLLABLES) + ("镇" if t % 3 else "街道") + str(t)
            orgs.append((town, town[len(county) : -len(str(t))] + "党委", county))
            for v in range(rng.randint(56, 106)):
                suffix = rng.choice(["村", "村", "村", "社区", "小学", "卫生院", "公司"])
                name = rng.choice(SYLLABLES) + rng.choice(SYLLABLES)[0] + suffix
                orgs.append((f"{town}/{v}", name + ("党支部" if suffix in "村社区" else "党总支"), town))
    return orgs


def _specific(rng: random.Random, name: str) -> str:
    template = rng.choice(SPECIFIC)
    d = rng.randint(3, 30)
    return template.format(
        o=name,
        d=d,
        k=rng.randint(1, d),
        n=rng.randint(1, 40),
        m=rng.randint(2, 12),
        y=rng.choice([2023, 2024]),
        mo=rng.randint(1, 12),
        q=rng.randint(1, 4),
        f=rng.choice(FACILITIES),
        p=rng.choice(POSTS),
        s=rng.choice(SURNAMES),
    )


def _generic(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(GENERIC_SUBJECTS) + rng.choice(GENERIC_ISSUES) + rng.choice(TAILS)
    return rng.choice(GENERIC_ORG_LINES) + rng.choice(TAILS)


def _edit(rng: random.Random, text: str) -> str:
    edits = [
        lambda t: t.replace("不够", "不", 1),
        lambda t: t.replace("不", "还不", 1),
        lambda t: "结合实际，" + t,
        lambda t: t + "。",
        lambda t: t.replace("部分", "个别", 1),
    ]
    return rng.choice(edits)(text)


def generate(total: int = 50_000, seed: int = SEED) -> list[tuple[int, str, str]]:
    """[(key, org id, text)] — about ``total`` problems."""
    rng = random.Random(seed)
    orgs = _orgs(rng)
    by_parent: dict[str, list[tuple[str, str, str]]] = {}
    for org in orgs:
        by_parent.setdefault(org[2], []).append(org)
    name_of = {org_id: name for org_id, name, _ in orgs}
    lists: dict[str, list[str]] = {}
    per_org = total / len(orgs)
    for org_id, name, parent in orgs:
        count = max(1, round(rng.uniform(per_org - 3, per_org + 3)))
        own: list[str] = []
        for _ in range(count):
            roll = rng.random()
            if roll < 0.45:
                own.append(_specific(rng, name))
            elif roll < 0.75:
                own.append(_generic(rng))
            elif roll < 0.87 and parent in lists and lists[parent]:
                upper = rng.choice(lists[parent])  # copied from the level above, name swapped
                upper_name = name_of[parent]
                own.append(upper.replace(upper_name, name).replace("全县", "全镇").replace("全市", "全镇"))
            else:
                siblings = [s for s in by_parent.get(parent, []) if s[0] in lists and s[0] != org_id]
                if siblings:
                    sibling = rng.choice(siblings)
                    copied = rng.choice(lists[sibling[0]]).replace(sibling[1], name)
                    own.append(_edit(rng, copied) if rng.random() < 0.5 else copied)
                else:
                    own.append(_specific(rng, name))
        lists[org_id] = own
    items = []
    for org_id, texts in lists.items():
        for text in texts:
            items.append((len(items), org_id, text))
    return items


ADVERBS = ["", "", "还", "仍然", "依然", "比较", "相对", "一定程度上"]
CONNECTORS = ["，", "，", "；", "，同时", "，而且"]


def stock_only(total: int = 20_000, seed: int = SEED) -> list[str]:
    """Distinct stock lines that name nothing (the worst case for blocking on concrete facts)."""
    rng = random.Random(seed)
    issues = GENERIC_ISSUES + GENERIC_ORG_LINES
    seen: set[str] = set()
    while len(seen) < total:
        first = rng.choice(GENERIC_SUBJECTS) + rng.choice(ADVERBS) + rng.choice(issues)
        second = (
            rng.choice(CONNECTORS) + rng.choice(ADVERBS) + rng.choice(issues) if rng.random() < 0.7 else ""
        )
        seen.add(first + second + rng.choice(TAILS))
    return sorted(seen)


def main(args=None, rest=None) -> list[dict]:
    from rapidfuzz import fuzz, process

    from dangjian.textcheck import checks

    rows: list[dict] = []
    started = time.perf_counter()
    items = generate()
    orgs = {org for _, org, _ in items}
    rows.append(
        {
            "name": "textcheck synthetic problems",
            "problems": len(items),
            "orgs": len(orgs),
            "distinct_texts": len({text for _, _, text in items}),
            "seconds": round(time.perf_counter() - started, 1),
        }
    )

    # full cross-unit duplicate report: build the index and list every pair, from cold caches
    checks._canonical.cache_clear()
    started = time.perf_counter()
    index = checks.DuplicateIndex()
    for key, org, text in items:
        index.add(key, text, group=org)
    built = time.perf_counter() - started
    pairs = 0
    orgs_in_pairs: set[str] = set()
    org_of = {key: org for key, org, _ in items}
    for a, b, _score in index.duplicate_pairs():
        pairs += 1
        orgs_in_pairs.add(org_of[a])
        orgs_in_pairs.add(org_of[b])
    total = time.perf_counter() - started
    rows.append(
        {
            "name": "textcheck full duplicate report",
            "target_s": 30,
            "seconds": round(total, 1),
            "index_build_s": round(built, 1),
            "pairs": pairs,
            "orgs_with_duplicates": len(orgs_in_pairs),
        }
    )

    # one newly submitted problem: segment, mask, MinHash, LSH query, score the candidates
    rng = random.Random(SEED + 1)
    fresh = generate(total=2_000, seed=SEED + 2)
    queries = [text for _, _, text in rng.sample(fresh, 300)]
    timings = []
    found_any = 0
    for text in queries:
        t = time.perf_counter()
        result = index.candidates(text, exclude_group="new-org")
        timings.append((time.perf_counter() - t) * 1000)
        found_any += bool(result)
    timings.sort()
    rows.append(
        {
            "name": "textcheck near-duplicate check for one new problem",
            "target_ms": 200,
            "median_ms": round(statistics.median(timings), 2),
            "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
            "max_ms": round(timings[-1], 2),
            "queries": len(queries),
            "with_candidates": found_any,
        }
    )

    # recall of the index against comparing with every indexed text (C-speed prefilter, then exact score)
    entries = index._entries
    masked = [entry[0] for entry in entries]
    sample = queries[:60]
    missed = hits = 0
    for text in sample:
        canon = checks._canonical(text)
        upper = process.cdist([canon[0]], masked, scorer=fuzz.ratio, workers=1)[0]
        partial = process.cdist([canon[0]], masked, scorer=fuzz.partial_ratio, workers=1)[0]
        brute = {
            i
            for i in range(len(entries))
            if max(upper[i], partial[i]) >= checks.DUPLICATE_THRESHOLD * 100 - 1
            and checks._score(canon, entries[i]) >= checks.DUPLICATE_THRESHOLD
        }
        got = {entry for entry, _ in index._similar_entries(canon)}
        hits += len(brute & got)
        missed += len(brute - got)
    rows.append(
        {
            "name": "textcheck index recall vs all-pairs (sample)",
            "queries": len(sample),
            "similar_texts": hits + missed,
            "found_by_index": hits,
            "recall": round(hits / (hits + missed), 4) if hits + missed else 1.0,
        }
    )

    # worst case: distinct lines that name nothing all fall into one bucket, where only the LSH
    # narrows the comparison; stock lines share many bigrams, so candidates grow with the bucket
    for size, report in ((5_000, True), (20_000, False)):
        lines = stock_only(total=size)
        started = time.perf_counter()
        stock_index = checks.DuplicateIndex()
        for key, text in enumerate(lines):
            stock_index.add(key, text, group=key)
        built = time.perf_counter() - started
        row: dict = {
            "name": f"textcheck worst case: {size:,} distinct stock lines in one bucket",
            "index_build_s": round(built, 1),
        }
        if report:
            row["pairs"] = sum(1 for _ in stock_index.duplicate_pairs())
            row["report_seconds"] = round(time.perf_counter() - started, 1)
        timings = []
        for text in stock_only(total=100, seed=SEED + 3):
            t = time.perf_counter()
            stock_index.candidates(text)
            timings.append((time.perf_counter() - t) * 1000)
        timings.sort()
        row.update(
            query_median_ms=round(statistics.median(timings), 2),
            query_p95_ms=round(timings[int(len(timings) * 0.95) - 1], 2),
            query_max_ms=round(timings[-1], 2),
        )
        rows.append(row)

    # the text checks, per line (jieba and features, cold cache)
    from dangjian.textcheck import features as features_module

    features_module.features.cache_clear()
    sample_lines = [text for _, _, text in fresh[:2000]]
    t = time.perf_counter()
    for text in sample_lines:
        checks.text_warnings(text, "problem")
    per_line = (time.perf_counter() - t) * 1000 / len(sample_lines)
    rows.append(
        {"name": "textcheck text_warnings per line", "lines": len(sample_lines), "ms": round(per_line, 3)}
    )
    return rows


if __name__ == "__main__":
    for row in main():
        print(row)
