"""The 志愿服务记录证明 as PDF: the printable HTML (certificate_html) laid out by WeasyPrint.

WeasyPrint is synchronous and takes tens of milliseconds per page, so it runs in a worker thread and
never blocks the event loop. Chinese text needs a CJK font on the machine: Debian's fonts-wqy-microhei
(scripts/bootstrap.sh and deploy/Dockerfile install it); the template names it after the serif faces.
"""

from __future__ import annotations

import asyncio

from weasyprint import HTML

from services.volunteer.adapters.certificate_html import render
from services.volunteer.domain.record import Certificate


def render_pdf(certificates: list[Certificate], volunteer_name: str) -> bytes:
    pdf = HTML(string=render(certificates, volunteer_name)).write_pdf()
    if pdf is None:  # write_pdf() without a target returns the bytes; None only when given one
        raise RuntimeError("WeasyPrint returned no PDF bytes")
    return pdf


async def render_pdf_async(certificates: list[Certificate], volunteer_name: str) -> bytes:
    return await asyncio.to_thread(render_pdf, certificates, volunteer_name)
