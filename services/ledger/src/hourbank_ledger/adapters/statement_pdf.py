"""The yearly statement as a PDF, with its Chinese text in a font the project installs
(Debian's fonts-wqy-microhei, embedded in the file)."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from hourbank_ledger.application.statements import Statement
from hourbank_ledger.domain.policy import format_hours

DEFAULT_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
STATUS_ZH = {"credited": "已计入", "capped": "限额", "refused": "不予认定", "reversed": "已撤销"}
SUBJECT_ZH = {"public": "公需科目", "professional": "专业科目"}


class StatementFontMissingError(RuntimeError):
    pass


def render_statement(statement: Statement, *, font: Path = DEFAULT_FONT) -> bytes:
    if not font.exists():
        msg = f"statement font {font} is missing: apt-get install fonts-wqy-microhei"
        raise StatementFontMissingError(msg)
    evaluation = statement.evaluation
    pdf = FPDF(format="A4")
    pdf.set_title("继续教育学时年度证明")
    pdf.add_page()
    pdf.add_font("cjk", fname=str(font))
    pdf.set_font("cjk", size=16)

    def line(text: str, size: int = 10, height: float = 6) -> None:
        pdf.set_font("cjk", size=size)
        pdf.cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line("继续教育学时年度证明 (Continuing-education hours statement)", size=15, height=10)
    line(f"人员编号 person id: {statement.person_id}")
    line(f"年度 year: {evaluation.evaluated_year}    地区 region: {evaluation.region_code}")
    line(f"政策 policy: {evaluation.policy_version}    截至 as of: {evaluation.as_of.isoformat()}")
    pdf.ln(3)
    verdict = "达标 (compliant)" if evaluation.compliant else "未达标 (not compliant)"
    line(f"结论 verdict: {verdict}", size=12, height=8)
    for reason in evaluation.reasons:
        line(f"  · {reason}")
    pdf.ln(2)
    line("学时合计 (raw → credited)", size=12, height=8)
    for subject, total in sorted(evaluation.by_subject.items()):
        line(
            f"  {SUBJECT_ZH.get(subject.value, subject.value)} {subject.value}: "
            f"{format_hours(total.raw)} → {format_hours(total.credited)}"
        )
    pdf.ln(2)
    line("明细 entries", size=12, height=8)
    widths = (62, 22, 30, 16, 16, 34)
    headers = ("来源事件 source event", "科目", "类别 kind", "申报", "计入", "状态 status")
    pdf.set_font("cjk", size=8)
    for width, header in zip(widths, headers, strict=True):
        pdf.cell(width, 6, header, border=1)
    pdf.ln()
    for entry in evaluation.entries:
        cells = (
            entry.entry_id[:36],
            SUBJECT_ZH.get(entry.subject.value, entry.subject.value),
            entry.kind.value,
            format_hours(entry.raw_hours),
            format_hours(entry.credited_hours),
            f"{STATUS_ZH.get(entry.status.value, '')} {entry.status.value}",
        )
        for width, cell in zip(widths, cells, strict=True):
            pdf.cell(width, 6, cell, border=1)
        pdf.ln()
    pdf.ln(4)
    line(f"验证码 verification code: {statement.verification_code}", size=12, height=8)
    line(
        "核验 verify: GET /v1/statements/verify?code=…&person_id=…&study_year=…&region=…&as_of=…",
        size=8,
    )
    return bytes(pdf.output())
