"""Parts of the day and times as customers type them ("plutôt le matin", "vers 10h", "after
4pm"), read as one window of local slot starts for core/when.py."""

from __future__ import annotations

import re
from datetime import time
from typing import NamedTuple

from core.when_text import QUANTITY, mask, negated

DAY_START, DAY_END = time(0, 0), time(23, 59)
TARGET_SPAN = 60  # minutes either side of a target time that still match it


class Window(NamedTuple):
    """Slot starts from `start` to `end` (both included, local); `target`: nearest first."""

    start: time
    end: time
    target: time | None
    part: str | None


_PARTS = [  # (words, part, first start, last start); the most precise first
    (
        r"tot le matin|tres tot|debut de (?:la )?matinee|de bonne heure"
        r"|early (?:in the )?morning|first thing",
        "early_morning",
        DAY_START,
        time(9, 59),
    ),
    (r"fin de (?:la )?matinee|late (?:in the )?morning", "late_morning", time(10), time(11, 59)),
    (
        r"debut (?:d'|de l')?apres-midi|early (?:in the )?afternoon",
        "early_afternoon",
        time(12),
        time(14, 59),
    ),
    (
        r"fin (?:d'|de l')?apres-midi|late (?:in the )?afternoon|fin de (?:la )?journee"
        r"|end of (?:the )?day|late in the day|apres (?:le|mon) (?:travail|boulot|taf)"
        r"|after work",
        "late_day",
        time(16),
        DAY_END,
    ),
    (
        r"entre midi et (?:deux|2|14 ?h?)|(?:pause|heure) (?:du )?dej(?:euner)?"
        r"|lunch ?(?:time|break)?",
        "lunch",
        time(12),
        time(13, 59),
    ),
    (r"apres-midi|afternoons?", "afternoon", time(12), time(17, 59)),
    (r"matin(?:ee)?s?|mornings?", "morning", DAY_START, time(11, 59)),
    (r"soir(?:ee)?s?|evenings?|tonight", "evening", time(17), DAY_END),
]
_PART_PATTERNS = [(re.compile(rf"\b(?:{words})\b"), *rest) for words, *rest in _PARTS]
_LATER_PARTS = {"afternoon", "early_afternoon", "late_day", "evening", "lunch"}

_T = r"\d{1,2}(?:\s*h(?:eures?|rs?)?\s*(?:[0-5]\d)?|:[0-5]\d)?\s*(?:am|pm)?"
_TIME_RANGE = re.compile(
    rf"(?P<pre>\b(?:entre|between|de|from)\s+)?(?<![\d/.:,])(?P<a>{_T})\s*"
    rf"(?:et|and|a|to|-|jusqu'a)\s*(?P<b>{_T})(?![\d/:]|[.,]\d)"
)
_TIME = re.compile(
    r"(?<![\d/.:,])(?P<h>\d{1,2})(?P<rest>\s*h(?:eures?|rs?)?(?:\s*[0-5]\d)?|:[0-5]\d)?"
    r"(?:\s*(?P<ampm>am|pm))?(?![a-z\d/:]|[.,]\d)"
)
_PREP = re.compile(
    r"(?:^|\s)(?P<prep>vers|around|about|at|a|environ|towards|des|from|apres|after|avant"
    r"|before|until|till|jusqu'a|partir de|pas avant|not before|pas apres|not after)\s*$"
)
_AFTER_PREPS = {"des", "from", "apres", "after", "partir de", "pas avant", "not before"}
_BEFORE_PREPS = {"avant", "before", "until", "till", "jusqu'a", "pas apres", "not after"}


def _part_of_day(text: str) -> tuple[Window | None, str]:
    """The first part of the day named ("le matin", "pas l'après-midi"), and the text without."""
    for pattern, part, first, last in _PART_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        rest = mask(text, match)
        if not negated(text[: match.start()]):
            return Window(first, last, None, part), rest
        # the other side of the day: "pas l'après-midi" is the morning, "pas le matin" after
        if first >= time(12):
            return Window(DAY_START, _plus(first, -1), None, f"not_{part}"), rest
        return Window(_plus(last, 1), DAY_END, None, f"not_{part}"), rest
    return None, text


def _plus(moment: time, minutes: int) -> time:
    """`moment` moved by `minutes`, kept within the day."""
    total = min(max(moment.hour * 60 + moment.minute + minutes, 0), 23 * 60 + 59)
    return time(total // 60, total % 60)


def _clock(raw: str, part: str | None, ampm: str | None = None) -> time | None:
    """ "10h30", "2:15", "14" (+ am/pm) -> a local time; 1..7 without am is afternoon."""
    match = re.fullmatch(r"(\d{1,2})(?:\s*h(?:eures?|rs?)?\s*([0-5]\d)?|:([0-5]\d))?", raw.strip())
    if match is None:
        return None
    hour, minute = int(match[1]), int(match[2] or match[3] or 0)
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif hour > 23:
        return None
    elif hour < 12 and (part in _LATER_PARTS or (part is None and 1 <= hour <= 7)):
        hour += 12
    return time(hour, minute)


def _split_ampm(raw: str) -> tuple[str, str | None]:
    match = re.fullmatch(r"(.*?)\s*(am|pm)?", raw.strip())
    assert match is not None
    return match[1], match[2]


def _time_range(text: str, part: str | None) -> Window | None:
    """ "entre 10h et 12h", "from 2 to 4pm", "10h-12h": slot starts in that range."""
    for match in _TIME_RANGE.finditer(text):
        (a, a_ampm), (b, b_ampm) = _split_ampm(match["a"]), _split_ampm(match["b"])
        timeish = re.search(r"h|:", b) or b_ampm  # "10-12h": the unit said once, at the end
        if not (match["pre"] or timeish) or QUANTITY.match(text, match.end()):
            continue
        start, end = _clock(a, part, a_ampm or b_ampm), _clock(b, part, b_ampm)
        if start is not None and end is not None and start < end:
            return Window(start, _plus(end, -1), None, part)
    return None


def _single_time(text: str, part: str | None) -> Window | None:
    """ "vers 10h", "à 14h30", "at 10", "2pm", "après 16h": a target or a bound."""
    for match in _TIME.finditer(text):
        prep_match = _PREP.search(text[: match.start()])
        prep = prep_match["prep"] if prep_match else None
        if not (match["rest"] or match["ampm"] or prep) or QUANTITY.match(text, match.end()):
            continue
        if re.search(r"\b(?:dans|in|pendant|during|for|durant)\s+$", text[: match.start()]):
            continue  # "dans 2h": a duration
        moment = _clock(match["h"] + (match["rest"] or ""), part, match["ampm"])
        if moment is None:
            continue
        if prep in _AFTER_PREPS:
            return Window(moment, DAY_END, None, part)
        if prep in _BEFORE_PREPS:
            return Window(DAY_START, _plus(moment, -1), None, part)
        return Window(_plus(moment, -TARGET_SPAN), _plus(moment, TARGET_SPAN), moment, part)
    return None


def time_window(text: str) -> Window | None:
    """The part of the day and the time typed, as one window of slot starts."""
    part_window, rest = _part_of_day(text)
    part = part_window.part if part_window else None
    rest = re.sub(r"(?<![-\w])(?:midi|noon)\b", "12h", rest)
    timed = _time_range(rest, part) or _single_time(rest, part)
    if timed is None:
        return part_window
    if part_window is not None:  # "le matin vers 11h30": both, when they meet
        start, end = max(timed.start, part_window.start), min(timed.end, part_window.end)
        if start <= end:
            return Window(start, end, timed.target, part)
    return timed
