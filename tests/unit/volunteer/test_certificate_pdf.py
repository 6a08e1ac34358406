"""The 志愿服务记录证明 PDF (WeasyPrint over the printable HTML): a real PDF whose text carries the
volunteer's name, the issuer and the hours, in Chinese (the CJK font must be on the machine)."""

from __future__ import annotations

import io
import time
from uuid import uuid4

from pypdf import PdfReader

from services.volunteer.adapters.certificate_pdf import render_pdf
from services.volunteer.domain.enums import HoursSource
from services.volunteer.domain.hours import Period
from services.volunteer.domain.record import ServiceEntry, TrainingEntry, VolunteerRecord

from .factories import at, span


def test_certificate_pdf_carries_name_issuer_and_hours() -> None:
    v = uuid4()
    record = VolunteerRecord(v)
    record.add_services([ServiceEntry(HoursSource.request, uuid4(), span(v, 0, 95), "勤乐村生态环保志愿服务队"),
                         ServiceEntry(HoursSource.request, uuid4(), span(v, 200, 260), "勤乐村生态环保志愿服务队")])
    record.add_training(TrainingEntry(at(300), "急救培训", 90, "勤乐村生态环保志愿服务队"))
    certs = record.certificates(Period(at(0), at(1000)), now=at(1000))

    started = time.perf_counter()
    pdf = render_pdf(certs, "王小红")
    elapsed = time.perf_counter() - started

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = "".join(page.extract_text() for page in reader.pages)
    assert "志 愿 服 务 记 录 证 明" in text  # the title is letter-spaced
    for expected in ("王小红", "勤乐村生态环保志愿服务队", "2.6", "急救培训"):
        assert expected in text, (expected, text)
    assert str(v) in text
    assert elapsed < 10, f"one certificate took {elapsed:.1f} s"


def test_one_page_per_issuer() -> None:
    v = uuid4()
    record = VolunteerRecord(v)
    record.add_services([ServiceEntry(HoursSource.request, uuid4(), span(v, 0, 30), "文明实践所"),
                         ServiceEntry(HoursSource.request, uuid4(), span(v, 100, 160), "生态环保队")])
    reader = PdfReader(io.BytesIO(render_pdf(record.certificates(Period(at(0), at(1000)), now=at(1000)), "李四")))
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) == 2
    assert ["文明实践所" in pages[0], "生态环保队" in pages[1]] == [True, True]
    assert all("李四" in p for p in pages)
