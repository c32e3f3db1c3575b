"""Write dangjian/reports/templates/bulletin.docx, the Word template of the campaign 通报.

The template is data: open it in Word or WPS to change fonts or wording (keep the ``{{ }}`` and
``{%p %}``/``{%tr %}`` tags), or rerun this script to start again from the default layout
(公文 style: 标题, 主送, 正文 with 一、二、三 headings, 附件 table).

    .venv/bin/python scripts/make_bulletin_template.py
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

OUT = Path(__file__).resolve().parents[1] / "dangjian" / "reports" / "templates" / "bulletin.docx"


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.rPr.rFonts.set(qn("w:eastAsia"), name)


def para(doc, text: str, *, font: str = "仿宋_GB2312", size: float = 16, bold: bool = False,
         center: bool = False, indent: bool = True):  # fmt: skip
    p = doc.add_paragraph()
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.line_spacing = Pt(28)
    _font(p.add_run(text), font, size, bold)
    return p


def main() -> None:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    para(doc, "{{ title }}", font="方正小标宋简体", size=22, center=True)
    para(doc, "", indent=False)
    para(doc, "{{ recipients }}：", indent=False)
    para(doc, "{{ intro }}")
    para(doc, "一、总体进展", font="黑体")
    para(doc, "{{ overall_text }}")
    para(doc, "{%p for line in depth_lines %}", indent=False)
    para(doc, "{{ line }}")
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "二、好的做法", font="黑体")
    para(doc, "{%p for line in good %}", indent=False)
    para(doc, "{{ line }}")
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "三、存在的问题", font="黑体")
    para(doc, "{%p for g in problems %}", indent=False)
    para(doc, "{{ g.heading }}", font="楷体_GB2312")
    para(doc, "{{ g.text }}")
    para(doc, "{%p endfor %}", indent=False)
    para(doc, "各地各单位要对照通报的问题逐项改进，按期完成各项规定动作。")
    para(doc, "", indent=False)
    para(doc, "附件：{{ annex_title }}", indent=True)
    para(doc, "{{ issuer }}", center=False, indent=False).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    para(doc, "{{ date_text }}", indent=False).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.add_page_break()
    para(doc, "附件", font="黑体", indent=False)
    para(doc, "{{ annex_title }}", font="方正小标宋简体", size=18, center=True)
    headers = ["规定动作", "截止", "适用", "完成", "未完成", "未到期", "完成率"]
    table = doc.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for i, h in enumerate(headers):
        _font(table.rows[0].cells[i].paragraphs[0].add_run(h), "黑体", 12)
    table.rows[1].cells[0].paragraphs[0].add_run("{%tr for r in annex %}")
    cells = ["{{ r.name }}", "{{ r.deadline }}", "{{ r.applicable }}", "{{ r.met }}", "{{ r.not_met }}",
             "{{ r.not_due }}", "{{ r.rate }}"]  # fmt: skip
    for i, text in enumerate(cells):
        _font(table.rows[2].cells[i].paragraphs[0].add_run(text), "仿宋_GB2312", 12)
    table.rows[3].cells[0].paragraphs[0].add_run("{%tr endfor %}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
