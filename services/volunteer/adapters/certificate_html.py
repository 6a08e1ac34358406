"""Printable HTML for a 志愿服务记录证明 (certificate of volunteer hours); the browser prints it to PDF."""

from __future__ import annotations

from datetime import datetime
from html import escape

from minqing_kit.clock import in_county, zone_label
from services.volunteer.domain.hours import hours_display
from services.volunteer.domain.record import Certificate

_STYLE = """
body{font-family:"Noto Serif CJK SC","Songti SC","WenQuanYi Micro Hei",serif;margin:2cm;color:#111}
h1{text-align:center;letter-spacing:.3em}table{border-collapse:collapse;width:100%;margin:1em 0}
td,th{border:1px solid #444;padding:4px 8px;text-align:left}.sign{margin-top:3em;text-align:right}
section{page-break-after:always}@media print{body{margin:1cm}}
"""


def _local(moment: datetime, fmt: str) -> str:
    """A time as the county reads it (a service at 18:53 Beijing time prints 18:53, not 10:53 UTC)."""
    return escape(in_county(moment).strftime(fmt))


def render(certificates: list[Certificate], volunteer_name: str) -> str:
    sections = []
    for cert in certificates:
        rows = "".join(
            f"<tr><td>{_local(e.span.start, '%Y-%m-%d %H:%M')}–{_local(e.span.end, '%H:%M')}</td>"
            f"<td>{'微心愿服务' if e.source.value == 'request' else '志愿服务活动'}</td>"
            f"<td>{hours_display(e.minutes)}</td></tr>"
            for e in cert.entries)
        trainings = "".join(f"<li>{_local(t.at, '%Y-%m-%d')} {escape(t.title)}</li>" for t in cert.trainings)
        sections.append(f"""<section>
<h1>志愿服务记录证明</h1>
<p>兹证明志愿者 <strong>{escape(volunteer_name)}</strong>（编号 {cert.volunteer_id}）于
{_local(cert.period.start, '%Y-%m-%d')} 至 {_local(cert.period.end, '%Y-%m-%d')} 期间，
参加由 {escape(cert.issued_by)} 组织的志愿服务，累计服务时长 <strong>{cert.total_hours}</strong> 小时
（不含往返路程时间）。</p>
<table><tr><th>服务时间（{zone_label()}）</th><th>类别 (kind)</th><th>时长/小时 (hours)</th></tr>{rows}</table>
{f"<p>培训 (training):</p><ul>{trainings}</ul>" if trainings else ""}
<p class="sign">证明单位：{escape(cert.issued_by)}<br>出具日期：{_local(cert.issued_at, '%Y-%m-%d')}</p>
<p><small>依据《志愿服务条例》《志愿服务记录与证明出具办法》，谁组织、谁记录、谁证明；本证明免费出具。</small></p>
</section>""")
    return (f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>志愿服务记录证明</title>"
            f"<style>{_STYLE}</style></head><body>{''.join(sections)}</body></html>")
