"""Calendar invites (core/ics.py): RFC 5545 output parsed back, folding, escaping and the
Europe/Paris time zone on both sides of a DST change."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from core.ics import Invite, escape_text, fold, invite_ics, vtimezone_lines

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS).astimezone(timezone.utc)


def invite(start: datetime, **changes: object) -> Invite:
    values: dict[str, object] = {
        "reference": "PL-ABC234",
        "start_utc": start,
        "end_utc": start + timedelta(hours=1),
        "timezone": "Europe/Paris",
        "summary": "Révision — Pitlane Paris Nord",
        "location": "Pitlane Paris Nord, 48 boulevard de la Chapelle, 75018 Paris",
        "description": "Référence : PL-ABC234\nTéléphone : +33 1 99 00 18 18",
    }
    values.update(changes)
    return Invite(**values)  # type: ignore[arg-type]


def unfold(data: bytes) -> list[str]:
    """The content lines of an iCalendar stream (RFC 5545 3.1: CRLF + space continues)."""
    text = data.decode("utf-8")
    assert "\n" not in text.replace("\r\n", ""), "every line ends with CRLF"
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def components(lines: list[str]) -> dict[str, list[dict[str, str]]]:
    """{component name: [{property (with its parameters): value}]}, nested ones flattened."""
    found: dict[str, list[dict[str, str]]] = {}
    stack: list[dict[str, str]] = []
    for line in lines:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append({})
            found.setdefault(value, []).append(stack[-1])
        elif name == "END":
            stack.pop()
        else:
            stack[-1][name] = value
    assert not stack
    return found


def unescape(value: str) -> str:
    out, chars = "", iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out += "\n" if following in "nN" else following
        else:
            out += char
    return out


def offset(text: str) -> timedelta:
    """'+0200' -> 2 h, '-0330' -> -3 h 30."""
    sign = 1 if text[0] == "+" else -1
    return sign * timedelta(hours=int(text[1:3]), minutes=int(text[3:5]))


def local_of(vtimezone: list[dict[str, str]], at_utc: datetime) -> datetime:
    """What a calendar reads: the offset of the latest onset before the moment."""
    onsets = []
    for part in vtimezone:
        sign = 1 if part["TZOFFSETFROM"][0] == "+" else -1
        before = timedelta(
            hours=int(part["TZOFFSETFROM"][1:3]), minutes=int(part["TZOFFSETFROM"][3:])
        )
        sign_to = 1 if part["TZOFFSETTO"][0] == "+" else -1
        after = timedelta(hours=int(part["TZOFFSETTO"][1:3]), minutes=int(part["TZOFFSETTO"][3:]))
        onset_local = datetime.strptime(part["DTSTART"], "%Y%m%dT%H%M%S")
        onset_utc = onset_local - sign * before
        onsets.append((onset_utc, sign_to * after))
    offset = max(o for o in onsets if o[0] <= at_utc.replace(tzinfo=None))[1]
    return at_utc.replace(tzinfo=None) + offset


def test_an_invite_parses_back_to_one_event_with_the_booking_fields() -> None:
    lines = unfold(invite_ics(invite(paris(2027, 5, 20, 10)), NOW))
    parts = components(lines)

    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert parts["VCALENDAR"][0]["VERSION"] == "2.0"
    (event,) = parts["VEVENT"]
    assert event["UID"] == "booking-PL-ABC234@pitlane"
    assert event["DTSTAMP"] == "20270301T080000Z"
    assert event["DTSTART;TZID=Europe/Paris"] == "20270520T100000"
    assert event["DTEND;TZID=Europe/Paris"] == "20270520T110000"
    assert unescape(event["SUMMARY"]) == "Révision — Pitlane Paris Nord"
    assert unescape(event["LOCATION"]) == (
        "Pitlane Paris Nord, 48 boulevard de la Chapelle, 75018 Paris"
    )
    assert unescape(event["DESCRIPTION"]).splitlines()[0] == "Référence : PL-ABC234"
    assert event["STATUS"] == "CONFIRMED"
    assert parts["VTIMEZONE"][0]["TZID"] == "Europe/Paris"


def test_the_uid_is_the_same_for_the_same_booking_whatever_its_time() -> None:
    first = components(unfold(invite_ics(invite(paris(2027, 5, 20, 10)), NOW)))
    moved = components(unfold(invite_ics(invite(paris(2027, 6, 2, 14)), NOW)))
    other = components(
        unfold(invite_ics(invite(paris(2027, 5, 20, 10), reference="PL-XYZ789"), NOW))
    )

    assert first["VEVENT"][0]["UID"] == moved["VEVENT"][0]["UID"]
    assert first["VEVENT"][0]["UID"] != other["VEVENT"][0]["UID"]


def test_paris_hours_read_back_right_on_both_sides_of_the_dst_changes() -> None:
    # 2027: summer time starts on 28 March, ends on 31 October
    for local in (
        (2027, 3, 27, 10),
        (2027, 3, 29, 10),
        (2027, 10, 30, 10),
        (2027, 11, 2, 10),
        (2027, 1, 5, 9),
    ):
        start = paris(*local)
        parts = components(unfold(invite_ics(invite(start), NOW)))
        event = parts["VEVENT"][0]

        assert event["DTSTART;TZID=Europe/Paris"] == "{:04d}{:02d}{:02d}T{:02d}0000".format(*local)
        assert local_of(parts["STANDARD"] + parts["DAYLIGHT"], start) == datetime(*local)


def test_the_paris_vtimezone_has_the_real_onsets_and_offsets() -> None:
    parts = components(vtimezone_lines("Europe/Paris", 2027))

    summer = {
        p["DTSTART"]: (p["TZOFFSETFROM"], p["TZOFFSETTO"], p["TZNAME"]) for p in parts["DAYLIGHT"]
    }
    winter = {
        p["DTSTART"]: (p["TZOFFSETFROM"], p["TZOFFSETTO"], p["TZNAME"]) for p in parts["STANDARD"]
    }
    assert summer == {
        "20260329T020000": ("+0100", "+0200", "CEST"),
        "20270328T020000": ("+0100", "+0200", "CEST"),
    }
    assert winter == {
        "20261025T030000": ("+0200", "+0100", "CET"),
        "20271031T030000": ("+0200", "+0100", "CET"),
    }


def test_a_zone_without_dst_gets_one_standard_onset() -> None:
    parts = components(vtimezone_lines("Asia/Tokyo", 2027))

    assert "DAYLIGHT" not in parts
    assert [(p["TZOFFSETFROM"], p["TZOFFSETTO"]) for p in parts["STANDARD"]] == [("+0900", "+0900")]


def test_utc_writes_utc_times_and_no_vtimezone() -> None:
    parts = components(unfold(invite_ics(invite(paris(2027, 5, 20, 10), timezone="UTC"), NOW)))

    assert "VTIMEZONE" not in parts
    assert parts["VEVENT"][0]["DTSTART"] == "20270520T080000Z"


def test_a_cancelled_booking_says_so() -> None:
    parts = components(unfold(invite_ics(invite(paris(2027, 5, 20, 10), cancelled=True), NOW)))

    assert parts["VEVENT"][0]["STATUS"] == "CANCELLED"


def test_text_is_escaped() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    data = invite_ics(invite(paris(2027, 5, 20, 10), summary="Révision; pneus, freins"), NOW)
    assert "SUMMARY:Révision\\; pneus\\, freins\r\n" in data.decode("utf-8")


def test_long_lines_fold_at_75_octets_without_splitting_a_character() -> None:
    line = "DESCRIPTION:" + "é" * 100 + "x" * 50
    folded = fold(line)
    pieces = folded.split("\r\n")

    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert folded.replace("\r\n ", "") == line
    data = invite_ics(invite(paris(2027, 5, 20, 10), description="é" * 300), NOW)
    assert all(len(raw) <= 75 for raw in data.split(b"\r\n"))
    for raw in data.split(b"\r\n"):
        raw.decode("utf-8")  # each physical line is whole UTF-8 on its own
