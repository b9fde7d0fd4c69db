"""What the workshop staff pages show (templates bookings, callbacks, complaints, surveys),
built from the core's views: plain values, no markup."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backoffice.workshop_layout import Catalogue, when
from core.bookings import BookingView
from core.customers import Contacts
from core.feedback import ComplaintView, SurveyStats
from core.formatting import format_number
from core.handoff_ratings import AdvisorRating
from core.workshop import CallbackView


@dataclass(frozen=True)
class Image:
    url: str
    alt: str


@dataclass(frozen=True)
class Details:
    """What the customer told with a booking; `empty` when nothing."""

    mileage: str = ""
    quote: str = ""
    description: str = ""
    images: list[Image] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.mileage or self.quote or self.description or self.images)


@dataclass(frozen=True)
class BookingRow:
    reference: str
    when: str
    agency: str
    service: str
    customer: str
    phone: str
    phone_number: str
    email: str
    channel: str
    details: Details
    # a workshop booking can be checked in: its job opened (issue 16, backoffice/job_pages.py)
    check_in: bool = False
    status: str = "confirmed"  # issue 16: confirmed | cancelled | no_show
    status_label: str = ""
    can_no_show: bool = False  # confirmed and started: staff may record a no-show


def booking_row(
    booking: BookingView,
    known: Catalogue,
    t: dict[str, str],
    lang: str,
    tz: str,
    contacts: dict[int, Contacts],
    now: datetime | None = None,
) -> BookingRow:
    """One booking; the phone and e-mail become tel:/mailto: links when known; with `now`,
    whether a no-show may be recorded."""
    phone, email = contacts.get(booking.customer_id or 0, (None, None))
    return BookingRow(
        reference=booking.reference,
        when=when(booking.start_utc, tz, lang),
        agency=booking.agency_name,
        service=known.service_name(booking.service, lang),
        customer=booking.customer_name or t["anonymous_customer"],
        phone=phone or "",
        phone_number="".join(c for c in phone or "" if c.isdigit() or c == "+"),
        email=email or "",
        channel=t.get(f"channel_{booking.channel}", booking.channel),
        details=_details(booking, t, lang),
        check_in=booking.status != "cancelled"
        and getattr(known.services.get(booking.service), "kind", None) == "workshop",
        status=booking.status,
        status_label=t.get(f"booking_status_{booking.status}", booking.status),
        can_no_show=now is not None and booking.status == "confirmed" and booking.start_utc <= now,
    )


def _details(booking: BookingView, t: dict[str, str], lang: str) -> Details:
    details: dict[str, Any] = booking.details or {}
    mileage = details.get("mileage")
    km = ""
    if isinstance(mileage, int) and not isinstance(mileage, bool):
        km = t["mileage"].format(km=format_number(mileage, lang))
    quote = details.get("quote_number")
    description = details.get("description")
    ids = [i for i in details.get("attachment_ids") or [] if isinstance(i, int)]
    images = [
        Image(
            f"/staff/attachments/{attachment_id}",
            t["image_alt"].format(n=n, reference=booking.reference),
        )
        for n, attachment_id in enumerate(ids, start=1)
    ]
    return Details(
        mileage=km,
        quote=t["quote_number"].format(number=quote) if isinstance(quote, str) and quote else "",
        description=description if isinstance(description, str) else "",
        images=images,
    )


@dataclass(frozen=True)
class CallbackCard:
    reference: str
    kind: str
    customer: str
    phone: str
    email: str
    meta: str
    quote: str
    note: str


def callback_card(task: CallbackView, t: dict[str, str], lang: str, tz: str) -> CallbackCard:
    """One callback task; the number to call (given with the request, else the customer's)."""
    meta = " · ".join(x for x in (task.agency_name, when(task.created_at, tz, lang)) if x)
    quote = t["quote_number"].format(number=task.quote_number) if task.quote_number else ""
    return CallbackCard(
        reference=task.reference,
        kind=t.get(f"kind_{task.kind}", task.kind),
        customer=task.customer_name or t["anonymous_customer"],
        phone=task.customer_phone or "",
        email=task.customer_email or "",
        meta=meta,
        quote=quote,
        note=task.note or "",
    )


@dataclass(frozen=True)
class ComplaintCard:
    reference: str
    status: str
    status_label: str
    customer: str
    contacts: str
    meta: str
    text: str
    answer: str
    answered_by: str


def complaint_card(
    complaint: ComplaintView, t: dict[str, str], lang: str, tz: str
) -> ComplaintCard:
    meta = [when(complaint.created_at, tz, lang)]
    if complaint.agency_name:
        meta.append(complaint.agency_name)
    if complaint.booking_reference:
        meta.append(t["booking_ref"].format(reference=complaint.booking_reference))
    by = (
        t["complaint_answered_by"].format(name=complaint.answered_by_name)
        if complaint.answered_by_name
        else t["complaint_answer"]
    )
    contacts = (complaint.customer_phone, complaint.customer_email)
    return ComplaintCard(
        reference=complaint.reference,
        status=complaint.status,
        status_label=t[f"status_{complaint.status}"],
        customer=complaint.customer_name or t["anonymous_customer"],
        contacts=" · ".join(x for x in contacts if x),
        meta=" · ".join(meta),
        text=complaint.text,
        answer=complaint.answer or "",
        answered_by=by,
    )


@dataclass(frozen=True)
class Bar:
    rating: int
    count: int
    x: float
    y: float
    width: float
    height: float
    centre: float
    value_y: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    title: str
    bars: list[Bar]


@dataclass(frozen=True)
class StatsCard:
    key: str
    heading: str
    figures: list[tuple[str, str]]
    chart: BarChart


def stats_card(stats: SurveyStats, t: dict[str, str], lang: str) -> StatsCard:
    service = stats.service_name_en if lang == "en" else stats.service_name_fr
    average = "—" if stats.average is None else format_number(stats.average, lang, decimals=1)
    return StatsCard(
        key=f"{stats.agency_code}:{stats.service}",
        heading=f"{stats.agency_name} · {service}",
        figures=[
            (str(stats.sent), t["surveys_sent"]),
            (str(stats.count), t["surveys_rated"]),
            (average, t["surveys_average"]),
        ],
        chart=bar_chart(stats.histogram, t["chart_label"], stats.agency_name, service, t),
    )


def advisor_card(rating: AdvisorRating, t: dict[str, str], lang: str) -> StatsCard:
    """An advisor's human chats as the customers rated them (core/handoff_ratings.py)."""
    return StatsCard(
        key=f"advisor:{rating.advisor_id}",
        heading=rating.advisor_name,
        figures=[
            (str(rating.count), t["advisors_count"]),
            (format_number(rating.average, lang, decimals=1), t["surveys_average"]),
        ],
        chart=bar_chart(rating.by_score, t["advisor_chart_label"], rating.advisor_name, "", t),
    )


def bar_chart(
    histogram: dict[int, int], label: str, agency: str, service: str, t: dict[str, str]
) -> BarChart:
    """The geometry of a bar chart of the ratings 1..5 (partials/bar_chart.html draws it)."""
    width, height, top, bottom = 300, 150, 18, 20
    counts = [int(histogram.get(rating, 0)) for rating in range(1, 6)]
    highest = max(counts) or 1
    plot = height - top - bottom
    step = width / 5
    bar_width = step * 0.6
    values = ", ".join(f"{rating}: {n}" for rating, n in zip(range(1, 6), counts, strict=True))
    if not any(counts):
        values = t["no_rating"]
    bars = []
    for index, count in enumerate(counts):
        bar_height = round(plot * count / highest, 1)
        x = round(index * step + (step - bar_width) / 2, 1)
        y = round(top + plot - bar_height, 1)
        centre = round(index * step + step / 2, 1)
        bars.append(
            Bar(index + 1, count, x, y, round(bar_width, 1), bar_height, centre, round(y - 4, 1))
        )
    title = label.format(agency=agency, service=service, values=values)
    return BarChart(width, height, title, bars)


@dataclass(frozen=True)
class Comment:
    stars: str
    meta: str
    text: str
