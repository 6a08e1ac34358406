"""Printable HTML of a 干群联系卡 (contact card); the browser prints it (to paper or PDF).

HTML, not a server-side PDF: the browser's print dialog makes the PDF, so the service needs no PDF
library or font packages; `@page` sets a card-sized page (A6 landscape).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from minqing_kit.clock import in_county

_STYLE = """
@page{size:A6 landscape;margin:6mm}
body{font-family:"Noto Serif CJK SC","Songti SC",serif;color:#111;margin:0}
.card{border:2px solid #a00;border-radius:6px;padding:8px 12px;max-width:140mm}
h1{font-size:16pt;text-align:center;color:#a00;letter-spacing:.3em;margin:0 0 6px}
dl{display:grid;grid-template-columns:6em 1fr;gap:2px 8px;margin:0}dt{font-weight:bold}dd{margin:0}
ol{margin:4px 0 0 1.2em;padding:0}.no{text-align:right;font-size:9pt;color:#555;margin-top:6px}
"""


def render(*, household_head: str, village: str, cadre_name: str, work_phone: str, email: str | None,
           pledged: list[str], card_no: int, issued_at: datetime) -> str:
    items = "".join(f"<li>{escape(p)}</li>" for p in pledged) or "<li>（暂无）</li>"
    return (
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>干群联系卡</title>"
        f"<style>{_STYLE}</style></head><body><main class=\"card\" aria-label=\"干群联系卡\"><h1>干群联系卡</h1><dl>"
        f"<dt>户主</dt><dd>{escape(household_head)}</dd><dt>村（社区）</dt><dd>{escape(village)}</dd>"
        f"<dt>联系干部</dt><dd>{escape(cadre_name)}</dd><dt>工作电话</dt><dd>{escape(work_phone)}</dd>"
        f"<dt>电子邮箱</dt><dd>{escape(email or '—')}</dd><dt>帮扶承诺</dt><dd><ol>{items}</ol></dd></dl>"
        f"<p class=\"no\">第 {card_no} 号卡 · {escape(in_county(issued_at).strftime('%Y-%m-%d'))} 发放</p>"
        "</main></body></html>")
