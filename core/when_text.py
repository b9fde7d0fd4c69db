"""Chat text made ready for reading days and times (core/when.py): one spelling per word
read, small typos corrected, and the helpers the readers share."""

from __future__ import annotations

import difflib
import re

from core.parsing import normalize

_CANONICAL = [  # spellings brought to one form before reading
    (r"[!?;,()\"«»]", " "),
    (r"\bgood (?:morning|afternoon|evening|day|night)\b", " "),  # greetings, not wishes
    (r"\bbonne? (?:matinee|apres[- ]?midi|aprem|soiree|journee|nuit)\b", " "),
    (r"\ba\.m\.?", "am"),
    (r"\bp\.m\.?", "pm"),
    (r"\bapres?[- ]?midi\b|\bapremidi\b|\baprem\b|\baprm\b", "apres-midi"),
    (r"\bapres[- ]?demain\b", "apres-demain"),
    (r"\baujourd ?'? ?hui\b|\baujourdhui\b|\bauj\b|\bajd\b|\bajrd\b", "aujourdhui"),
    (r"\bweek[- ]?ends?\b|\b(?<=ce )w-?e\b", "weekend"),
    (r"\btmrw\b|\btmr\b|\btmrrw\b|\b2morrow\b|\b2moro\b", "tomorrow"),
    (r"\bdemian\b|\bdemin\b|\bdmain\b", "demain"),
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VOCABULARY = _words(
    """lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday
    friday saturday sunday demain tomorrow aujourdhui today semaine semaines prochaine
    prochain weekend weekday weekdays morning afternoon evening matinee journee soiree
    tonight possible janvier fevrier avril juillet septembre octobre novembre decembre
    january february april august september october november december"""
)
_NOT_TYPOS = _words("merci martin vendre vendu vendue vendus domaine demande impossible juliette")


def _fix_typo(match: re.Match[str]) -> str:
    word = match[0]
    if word in _VOCABULARY or word in _NOT_TYPOS:
        return word
    close = difflib.get_close_matches(word, _VOCABULARY, n=1, cutoff=0.84)
    return close[0] if close else word


def canonical(text: str) -> str:
    """Normalised text with one spelling per word we read, and small typos corrected."""
    norm = normalize(text)
    for pattern, repl in _CANONICAL:
        norm = re.sub(pattern, repl, norm)
    return re.sub(r"[a-z]{5,}", _fix_typo, norm)


def mask(text: str, match: re.Match[str]) -> str:
    """The text with the match blanked out, so that it is read only once."""
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def negated(before: str) -> bool:
    """Whether the words just before are a negation ("pas le", "not on", "sauf")."""
    fillers = r"(?:le|la|les|l'|en|in|the|de|du|d'|on|a|an|un|une|ce|cet|cette|dans)"
    negation = r"\b(?:pas|not|sauf|except|hors|jamais|never)"
    return re.search(rf"{negation}(?:\s+{fillers}|\s*l'|\s*d')*\s*$", before) is not None


QUANTITY = re.compile(  # a number followed by one of these is no day and no time
    r"\s*(?:km|kms|kilo\w*|bornes?|miles?|mi\b|ans?\b|annees?|years?|yrs?\b|mois\b"
    r"|months?|jours?\b|days?\b|semaines?|weeks?|hours?\b|min\w*|%|euros?|eur\b|fois\b"
    r"|times\b|x\b|personnes?|people|motos?|bikes?|roues?)"
)
