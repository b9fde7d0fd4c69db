"""How the route matrix calls each route: real path ids, valid bodies, CSRF for staff.

`Targets` makes what a route acts on (a pending handoff request, a room with a message, a
notification, a model...) through the app or core, fresh for routes that destroy or change
their target, so that the admin's call, the last of the four, meets a valid request and
answers what an admin gets. A route with no entry in `BODIES` is called with no body.
Widget routes are called by the caller's `Visitor` (tests/security/visitor.py): the
customer holds the widget's credential (a token issued by the app), the other roles hold none.
The staff accounts' lifecycle routes (deactivate, reactivate, TOTP reset) act on a fresh
member the admin creates, never on the advisor who signs in as a role here.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.pool import NullPool

from core import bookings, staff_reset
from core.job_intake import WalkIn, receive_walk_in
from core.models import Attachment, Customer, Vehicle
from tests.integration.staff_web_support import ADVISOR, pending_request, staff_id, units_of_work
from tests.security.conftest import Caller

_serial = itertools.count(1)
DEMO_PLATE = "AB-123-CD"  # Camille's motorcycle (data/demo.yaml)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_serial)}{uuid.uuid4().hex[:4]}"


class Targets:
    """Makes the objects the routes' paths name; the admin creates them through the API."""

    def __init__(self, client: TestClient, database_url: str, admin: Caller) -> None:
        self.client = client
        self.database_url = database_url
        self.admin = admin

    def _as_admin(self, method: str, path: str, **kwargs: Any) -> Any:
        self.admin.act(self.client)
        response = self.client.request(
            method, path, headers={"X-CSRF-Token": self.admin.csrf or ""}, **kwargs
        )
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json()

    def request_id(self) -> int:
        return pending_request(self.database_url)

    def staff_id(self) -> int:
        return staff_id(self.database_url, ADVISOR[0])

    def member(self) -> dict[str, Any]:
        """A new advisor account (id, email), created by the admin through the JSON API."""
        return self._as_admin("POST", "/api/staff/accounts", json=account_body())

    def member_id(self) -> int:
        return self.member()["id"]

    def reset_token(self) -> str:
        """The token of a valid password-reset link of a new member (core makes the link, as
        `/staff/login/forgot` does before e-mailing it)."""
        email = self.member()["email"]
        with units_of_work(self.database_url) as new_uow:
            link = staff_reset.request_password_reset(
                new_uow(), email=email, client_ip=unique("matrix-"), now=datetime.now(timezone.utc)
            )
        assert link is not None
        return link.token

    def reset_form(self) -> dict[str, str]:
        password = unique("new-password-")
        return {"token": self.reset_token(), "password": password, "password_confirm": password}

    def room_id(self) -> int:
        body = {"name": unique("Room "), "capacity": 10}
        return self._as_admin("POST", "/api/admin/rooms", json=body)["id"]

    def room_message(self, visitor_factory: Callable[[], Any]) -> tuple[int, int]:
        """A room and a message a visitor posted there."""
        room = self.room_id()
        visitor = visitor_factory()
        with visitor.rooms() as socket:
            socket.send_json({"type": "join", "room_id": room, "name": "Alex"})
            while socket.receive_json().get("type") != "joined":
                pass
            socket.send_json({"type": "post", "room_id": room, "text": "hello"})
            while True:
                frame = socket.receive_json()
                if frame.get("type") == "message":
                    return room, frame["message"]["id"]

    def notification_id(self) -> int:
        later = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
        body = {"title": "Offre", "body": "Texte", "audience": "all", "send_at": later}
        return self._as_admin("POST", "/api/admin/notifications", json=body)["id"]

    def model_id(self) -> int:
        return self._as_admin("POST", "/api/admin/models", json=model_body())["id"]

    def entry_id(self) -> int:
        return self._as_admin("POST", "/api/admin/answers", json=answer_body())["id"]

    def reply_id(self) -> int:
        """A new canned reply (issue 17), made by core: admins write them on a page only."""
        from core.canned_replies import CannedReplyInput, create_reply

        with units_of_work(self.database_url) as new_uow:
            return create_reply(new_uow(), CannedReplyInput(**canned_form())).id

    def attachment_id(self, visitor_factory: Callable[[], Any]) -> int:
        visitor = visitor_factory()
        with visitor.chat():
            pass
        assert visitor.upload().status_code == 200
        engine = create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return connection.scalar(select(func.max(Attachment.id)))
        finally:
            engine.dispose()

    # ---- repair jobs (issue 16): a fresh job or booking for each call

    def job_id(self) -> int:
        """A new walk-in job (version 1) of Camille's demo motorcycle at paris-nord."""
        with units_of_work(self.database_url) as new_uow:
            job = receive_walk_in(
                new_uow(),
                WalkIn(agency_code="paris-nord", plate=DEMO_PLATE, problem="Bruit"),
                by_staff_id=staff_id(self.database_url, ADVISOR[0]),
                now=datetime.now(timezone.utc),
            )
        return job.id

    def demo_vehicle(self) -> Any:
        engine = create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                return connection.execute(
                    select(Vehicle.id, Vehicle.customer_id).where(Vehicle.plate == DEMO_PLATE)
                ).one()
        finally:
            engine.dispose()

    def workshop_booking(self) -> str:
        """A new diagnostic booking of Camille's at paris-nord, not checked in."""
        now = datetime.now(timezone.utc)
        customer_id = self.demo_vehicle().customer_id
        with units_of_work(self.database_url) as new_uow:
            start = bookings.offer_slots(new_uow(), "paris-nord", "diagnostic", now).slots[0]
            return bookings.book_slot(
                new_uow(),
                agency_code="paris-nord",
                service_code="diagnostic",
                start_utc=start.start_utc,
                customer_id=customer_id,
                channel="web",
                now=now,
            ).reference

    def check_in_form(self) -> dict[str, str]:
        return {"vehicle": str(self.demo_vehicle().id), "problem": "Bruit au freinage"}

    def assign_form(self) -> dict[str, str]:
        mechanic = staff_id(self.database_url, "mecanicien.paris@pitlane.example")
        return {"mechanic": str(mechanic), "version": "1"}

    def vehicle_id(self) -> int:
        """A fresh customer's vehicle (issue 16, vehicle history)."""
        engine = create_engine(self.database_url, poolclass=NullPool)
        try:
            with engine.begin() as connection:
                customer = connection.execute(
                    insert(Customer).values(
                        name="Alex Matrix", language="fr", created_at=func.now()
                    )
                ).inserted_primary_key[0]
                return connection.execute(
                    insert(Vehicle).values(customer_id=customer, brand="Yamaha", model="MT-07")
                ).inserted_primary_key[0]
        finally:
            engine.dispose()

    def service_settings(self) -> dict[str, Any]:
        current = self._as_admin("GET", "/api/admin/services/paris-nord/maintenance")
        keys = ("capacity", "staff_count", "slot_minutes", "opening_hours", "closed_dates")
        return {key: current[key] for key in keys}


def model_body() -> dict[str, Any]:
    return {
        "brand": "Testa",
        "model": unique("M"),
        "usage": "road",
        "licence": "A2",
        "engine_cc": 500,
    }


def answer_body() -> dict[str, Any]:
    return {
        "topic": unique("topic_").lower(),
        "keywords": [unique("kw")],
        "answer_fr": "Réponse",
        "answer_en": "Answer",
    }


def path_values(path: str, targets: Targets, visitor_factory: Callable[[], Any]) -> dict[str, Any]:
    """The values of `path`'s placeholders, made fresh for this call."""
    values: dict[str, Any] = {}
    if "{path:path}" in path:  # the widget's preflight: any path under /api/widget/
        values["path"] = "notifications/subscription"
    if "{room_id}" in path and "{message_id}" in path:
        values["room_id"], values["message_id"] = targets.room_message(visitor_factory)
    elif "{room_id}" in path:
        values["room_id"] = targets.room_id()
    makers: dict[str, Callable[[], Any]] = {
        "request_id": targets.request_id,
        # the lifecycle routes (team pages, accounts API) act on a fresh member
        "staff_id": (
            targets.member_id
            if path.startswith(("/staff/admin/team/", "/api/staff/accounts/"))
            else targets.staff_id
        ),
        "notification_id": targets.notification_id,
        "model_id": targets.model_id,
        "entry_id": targets.entry_id,
        "reply_id": targets.reply_id,  # issue 17: a fresh canned reply
        "attachment_id": lambda: targets.attachment_id(visitor_factory),
        "agency": lambda: "paris-nord",
        "service": lambda: "maintenance",
        "reference": lambda: "NOPE-0000",  # no callback or complaint: the staff get 404
        "job_id": targets.job_id,  # a fresh walk-in job (issue 16)
        "vehicle_id": targets.vehicle_id,  # issue 16: a fresh vehicle
        "name": lambda: "pitlane-widget-1.0.0.min.js",  # the built widget's files
    }
    makers.update(money_makers(targets))  # issue 16: jobs, invoices, document links
    if path.endswith("/hours/apply"):  # issue 16: agencies; copying hours: a fresh agency
        makers["agency"] = lambda: fresh_agency(targets.database_url)
    if path.startswith("/staff/bookings/"):  # a check-in: a fresh workshop booking
        makers["reference"] = targets.workshop_booking
    for name, make in makers.items():
        if "{" + name + "}" in path:
            values[name] = make()
    return values


def url_of(path: str, values: dict[str, Any]) -> str:
    """`path` with its placeholders filled (`{path:path}` too)."""
    return path.replace("{path:path}", "{path}").format(**values)


@dataclass(frozen=True)
class Body:
    """A request's body: JSON, form fields (a staff form gets its CSRF field) or a builder;
    `params`, a query string made from the targets."""

    json: Any = None
    form: Callable[[], dict[str, str]] | None = None  # fresh values for each call
    build: Callable[[Targets], Any] | None = None  # JSON made from the targets
    form_from: Callable[[Targets], dict[str, str]] | None = None  # form made from the targets
    params: Callable[[Targets], dict[str, str]] | None = None


BODIES: dict[str, Body] = {
    "POST /webhooks/rest/webhook": Body(json={"sender": "matrix-visitor", "message": "bonjour"}),
    "POST /api/staff/login": Body(json={"email": ADVISOR[0], "password": ADVISOR[1]}),
    "PUT /api/staff/me/availability": Body(json={"available": False}),
    "POST /api/handoffs/{request_id}/refuse": Body(json={}),
    "POST /api/handoffs/{request_id}/messages": Body(json={"text": "Bonjour"}),
    "POST /api/handoffs/{request_id}/transfer": Body(json={"advisor_id": 1}),
    "POST /api/handoffs/{request_id}/notes": Body(json={"text": "Rappeler demain"}),
    "POST /api/admin/tokens": Body(json={"name": "matrix"}),
    "PUT /api/admin/staff/{staff_id}": Body(json={"max_conversations": 3}),
    "POST /api/admin/rooms": Body(json={"name": "Matrix room", "capacity": 5}),
    "PATCH /api/admin/rooms/{room_id}": Body(json={"capacity": 20}),
    "POST /api/admin/rooms/{room_id}/bans": Body(json={}),
    "POST /api/admin/notifications": Body(
        json={"title": "Offre", "body": "Texte", "audience": "all"}
    ),
    "POST /api/admin/notifications/preview": Body(
        json={"title": "Offre", "body": "Texte", "audience": "all"}
    ),
    "PUT /api/admin/services/{agency}/{service}": Body(build=Targets.service_settings),
    "POST /api/admin/services/{agency}/{service}/conflicts": Body(build=Targets.service_settings),
    "POST /api/staff/callbacks/{reference}/close": Body(json={"outcome": "done"}),
    "POST /api/staff/complaints/{reference}/answer": Body(json={"answer": "Merci", "close": True}),
    "POST /api/admin/models": Body(build=lambda _: model_body()),
    "PUT /api/admin/models/{model_id}": Body(build=lambda _: model_body()),
    "POST /api/admin/answers": Body(build=lambda _: answer_body()),
    "PUT /api/admin/answers/{entry_id}": Body(build=lambda _: answer_body()),
    "POST /staff/login": Body(form=lambda: {"email": ADVISOR[0], "password": ADVISOR[1]}),
    "POST /staff/admin/answers": Body(form=lambda: answer_form()),
    "POST /staff/admin/answers/{entry_id}": Body(form=lambda: answer_form()),
    "POST /staff/admin/canned-replies": Body(form=lambda: canned_form()),
    "POST /staff/admin/canned-replies/{reply_id}": Body(form=lambda: canned_form()),
    "POST /staff/admin/models": Body(form=lambda: model_form()),
    "POST /staff/admin/models/{model_id}": Body(form=lambda: model_form()),
    "POST /staff/admin/notifications": Body(
        form=lambda: {"title": "Offre", "body": "Texte", "audience": "all", "action": "preview"}
    ),
    "POST /staff/admin/rooms": Body(form=lambda: {"name": unique("Room "), "capacity": "8"}),
    "POST /staff/admin/rooms/{room_id}/capacity": Body(form=lambda: {"capacity": "12"}),
    "POST /staff/admin/rooms/{room_id}/rename": Body(form=lambda: {"name": unique("Room ")}),
    "POST /staff/admin/services": Body(form=lambda: {"agency": "paris-nord", "service": "x"}),
    "POST /staff/admin/staff/{staff_id}": Body(form=lambda: {"max_conversations": "3"}),
    "POST /staff/admin/tokens": Body(form=lambda: {"name": unique("matrix-")}),
    "POST /api/staff/accounts": Body(build=lambda _: account_body()),
    "POST /staff/admin/team": Body(form=lambda: account_body()),
    # an e-mail no account has: the same answer as a known one, and no e-mail leaves
    "POST /staff/login/forgot": Body(form=lambda: {"email": "nobody@pitlane.example"}),
    "GET /staff/login/reset": Body(params=lambda targets: {"token": targets.reset_token()}),
    "POST /staff/login/reset": Body(form_from=Targets.reset_form),
    "POST /staff/login/code": Body(form=lambda: {"code": "123456"}),
    "POST /staff/account/totp": Body(form=lambda: {"code": "not-a-code"}),
    # repair jobs (issue 16): each call acts on a fresh job (version 1) or booking
    "POST /staff/jobs/{job_id}/move": Body(form=lambda: {"to": "diagnosing", "version": "1"}),
    "POST /staff/jobs/{job_id}/notes": Body(form=lambda: {"text": "Note"}),
    "POST /staff/jobs/{job_id}/expected": Body(
        form=lambda: {"expected": "2099-06-01T17:30", "version": "1"}
    ),
    "POST /staff/jobs/{job_id}/assign": Body(form_from=Targets.assign_form),
    "POST /staff/jobs/new": Body(
        form=lambda: {"agency": "paris-nord", "plate": DEMO_PLATE, "problem": "Crevaison"}
    ),
    "POST /staff/bookings/{reference}/check-in": Body(form_from=Targets.check_in_form),
    # issue 16: planning
    "POST /staff/admin/team/{staff_id}/agency": Body(form=lambda: {"agency": "paris-nord"}),
    "POST /staff/planning/{reference}/move": Body(
        form=lambda: {"start": "2030-01-07T08:00:00+00:00"}
    ),
}


def account_body() -> dict[str, str]:
    name = unique("member")
    return {
        "email": f"{name}@pitlane.example",
        "name": name,
        "role": "advisor",
        "password": unique("member-password-"),
    }


def form_of(key: str, targets: Targets) -> dict[str, str]:
    """The form fields of the route `key` (without its CSRF field), fresh for this call."""
    body = BODIES.get(key)
    if body is not None and body.form is not None:
        return body.form()
    if body is not None and body.form_from is not None:
        return body.form_from(targets)
    return {}


# The sign-in's side forms (no session): their double-submit CSRF token comes from a sign-in
# page, as for the sign-in form itself (sign_in_page_token).
SIGN_IN_FORMS = {"POST /staff/login/code", "POST /staff/login/forgot", "POST /staff/login/reset"}


def sign_in_page_token(client: TestClient) -> str:
    """The CSRF field of the "forgot" page, served to anyone (its cookie stays in the client)."""
    page = client.get("/staff/login/forgot", follow_redirects=False)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, (page.status_code, page.text[:300])
    return found.group(1)


def canned_form() -> dict[str, str]:
    """A canned reply with a shortcut of its own (issue 17)."""
    return {"shortcut": unique("c"), "language": "fr", "title": "Titre", "text": "Bonjour {prenom}"}


def answer_form() -> dict[str, str]:
    body = answer_body()
    return {**body, "keywords": ",".join(body["keywords"]), "active": "1"}


def model_form() -> dict[str, str]:
    return {**{k: str(v) for k, v in model_body().items()}, "active": "1"}


# Routes that end the caller's session: the caller signs in again afterwards.
ENDS_SESSION = {
    "POST /api/staff/logout",
    "POST /staff/logout",
    "POST /api/staff/login",
    "POST /staff/login",
}


def widget_call(key: str, visitor: Any) -> int | str | None:
    """The widget routes, called the widget's way; None for any other route."""
    calls: dict[str, Callable[[], Any]] = {
        "WS /ws/chat": lambda: visitor.socket_outcome("/ws/chat"),
        "WS /ws/rooms": lambda: visitor.socket_outcome("/ws/rooms"),
        "POST /api/chat/upload": lambda: visitor.upload().status_code,
        "GET /api/widget/notifications/stream": lambda: visitor.stream_start()[0],
        "POST /api/widget/session": lambda: visitor.session().status_code,
        # on a visitor of its own kind: the role's visitor keeps its token for other routes
        "DELETE /api/widget/session": lambda: (
            type(visitor)(visitor.client, "new" if visitor.token else None).forget().status_code
        ),
        "POST /api/widget/notifications/stream-ticket": lambda: visitor.stream_ticket().status_code,
        "GET /api/widget/notifications/subscription": lambda: visitor.subscription().status_code,
        "POST /api/widget/notifications/subscription": lambda: (
            visitor.set_subscription(True).status_code
        ),
    }
    call = calls.get(key)
    return None if call is None else call()


# ---- issue 16: repair jobs, estimates, invoices, document links (helper "money")


def _advisor_id(targets: Targets) -> int:
    return staff_id(targets.database_url, ADVISOR[0])


def money_job_id(targets: Targets) -> int:
    """A fresh walk-in job (received, version 1) of a demo vehicle at paris-nord."""
    from core.jobs import open_walk_in
    from core.models import Vehicle

    with units_of_work(targets.database_url) as new_uow:
        with new_uow() as uow:
            vehicle = uow.session.scalar(select(func.min(Vehicle.id)))
        job = open_walk_in(
            new_uow(),
            agency_code="paris-nord",
            vehicle_id=vehicle,
            problem="Bruit au freinage",
            by_staff_id=_advisor_id(targets),
            now=datetime.now(timezone.utc),
        )
    return job.id


def money_invoice_id(targets: Targets) -> int:
    """A fresh unpaid invoice: a job taken through its estimate to ready for pickup."""
    from core import estimates, invoices
    from core.jobs import get_job, move
    from core.legal import LEGAL_IDENTITY
    from core.settings_store import write_setting

    job_id, advisor, now = money_job_id(targets), _advisor_id(targets), datetime.now(timezone.utc)
    with units_of_work(targets.database_url) as new_uow:
        with new_uow() as uow:
            write_setting(uow.session, LEGAL_IDENTITY, MATRIX_LEGAL)
            uow.commit()

        def walk(status: str) -> None:
            version = get_job(new_uow(), job_id).version
            move(new_uow(), job_id, status, expected_version=version, by_staff_id=advisor, now=now)

        walk("diagnosing")
        estimates.add_line(
            new_uow(),
            job_id,
            kind="labour",
            label="Diagnostic",
            quantity_centi=100,
            unit_price_cents=6_000,
            by_staff_id=advisor,
        )
        version = get_job(new_uow(), job_id).version
        estimates.send_estimate(
            new_uow(), job_id, expected_version=version, by_staff_id=advisor, now=now
        )
        estimates.record_decision(
            new_uow(), job_id, decision="approve", channel="counter", by_staff_id=advisor, now=now
        )
        walk("in_progress")
        walk("ready_for_pickup")
        return invoices.issue_invoice(new_uow(), job_id, by_staff_id=advisor, now=now).id


def money_token(targets: Targets) -> str:
    """A valid signed link to a fresh invoice's PDF, with the app's secret."""
    from core import signed_links

    secret = targets.client.app.state.settings.document_link_secret.get_secret_value()
    now = datetime.now(timezone.utc)
    return signed_links.make_token(secret, "invoice", money_invoice_id(targets), now)


def money_makers(targets: Targets) -> dict[str, Callable[[], Any]]:
    return {
        "job_id": lambda: money_job_id(targets),
        "invoice_id": lambda: money_invoice_id(targets),
        "line_id": lambda: 2**31 - 1,  # no such line: 404 after the role check
        "token": lambda: money_token(targets),
    }


MATRIX_LEGAL = {
    "name": "Pitlane SAS",
    "address": "1 rue de la Paix, 75002 Paris",
    "siret": "912 345 678 00017",
    "rcs": "RCS Paris 912 345 678",
    "vat_number": "FR40912345678",
}
_LINE = {"kind": "part", "label": "Plaquettes", "quantity": "2", "unit_price": "33.50"}
BODIES.update(
    {
        "GET /api/jobs": Body(params=lambda _: {"agency": "paris-nord"}),
        "POST /api/jobs": Body(
            build=lambda targets: {
                "agency": "paris-nord",
                "vehicle_id": 1,
                "problem": "Voyant moteur allumé",
            }
        ),
        "POST /api/jobs/{job_id}/move": Body(
            json={"to_status": "diagnosing", "expected_version": 1}
        ),
        "POST /api/jobs/{job_id}/assign": Body(json={"mechanic_id": None}),
        "POST /api/jobs/{job_id}/estimate/lines": Body(json=_LINE),
        "POST /api/jobs/{job_id}/estimate/send": Body(json={"expected_version": 1}),
        "POST /api/jobs/{job_id}/estimate/decision": Body(
            json={"decision": "approve", "channel": "counter"}
        ),
        "POST /api/invoices": Body(build=lambda targets: {"job_id": money_job_id(targets)}),
        "POST /api/invoices/{invoice_id}/payment": Body(json={"method": "card"}),
        "POST /api/invoices/{invoice_id}/credit-notes": Body(json={"reason": "Geste commercial"}),
        "POST /staff/invoices/{invoice_id}/payment": Body(form=lambda: {"method": "cash"}),
        "POST /staff/invoices/{invoice_id}/credit-note": Body(form=lambda: {"reason": "Erreur"}),
    }
)
# issue 16: vehicle history
BODIES["POST /api/vehicles/{vehicle_id}/readings"] = Body(json={"km": 12_000})
BODIES["POST /staff/vehicles/{vehicle_id}/readings"] = Body(form=lambda: {"km": "12000"})
# ---- issue 16: a job's estimate and invoice page (helper "estpage"); each on a fresh job
BODIES.update(
    {
        "POST /staff/jobs/{job_id}/estimate/lines": Body(
            form=lambda: {
                "kind": "part",
                "label": "Plaquettes",
                "quantity": "2",
                "unit_price": "33,50",
            }  # fmt: skip
        ),
        "POST /staff/jobs/{job_id}/estimate/send": Body(
            form=lambda: {"version": "1", "lines_version": "1"}
        ),
        "POST /staff/jobs/{job_id}/estimate/decision": Body(
            form=lambda: {"decision": "approve", "channel": "counter"}
        ),
    }
)


# ---- issue 16: agencies (backoffice/agency_pages.py)
PARIS_NORD = {  # paris-nord as data/demo.yaml has it: saving it changes nothing
    "name": "Pitlane Paris Nord",
    "address": "48 boulevard de la Chapelle",
    "postcode": "75018",
    "city": "Paris",
    "latitude": "48.8843",
    "longitude": "2.3550",
    "phone": "+33 1 99 00 18 18",
    "email": "paris-nord@pitlane.example",
    "timezone": "Europe/Paris",
}
AGENCY_HOURS = {"mon_1_start": "09:00", "mon_1_end": "12:00", "mon_2_start": "14:00"}
AGENCY_HOURS["mon_2_end"] = "18:00"


def fresh_agency(database_url: str) -> str:
    """A new agency with hours and quick_service open on them (copying them changes nothing)."""
    from core import agencies_admin
    from core.agency_rules import clean_details

    code = unique("matrix-agency-")
    with units_of_work(database_url) as new_uow:
        agencies_admin.create_agency(new_uow(), code, clean_details(PARIS_NORD))
        agencies_admin.set_agency_hours(new_uow(), code, {"mon": [["09:00", "12:00"]]})
        agencies_admin.open_service(new_uow(), code, "quick_service")
    return code


BODIES.update(
    {
        "POST /staff/admin/agencies": Body(
            form=lambda: {**PARIS_NORD, "code": unique("matrix-"), "name": "Matrix"}
        ),
        "POST /staff/admin/agencies/{agency}": Body(form=lambda: dict(PARIS_NORD)),
        "POST /staff/admin/agencies/{agency}/hours": Body(form=lambda: dict(AGENCY_HOURS)),
        "POST /staff/admin/agencies/{agency}/hours/apply": Body(
            form=lambda: {"apply_quick_service": "1"}
        ),
        "POST /staff/admin/agencies/{agency}/services/{service}": Body(form=lambda: {"open": "1"}),
    }
)
