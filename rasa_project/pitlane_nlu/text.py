"""How a typed word is normalised before the model sees it (pure Python, no Rasa import).

Accents and case never change the meaning ("Révision" = "revision"), common chat
abbreviations read as the words they stand for ("rdv", "stp", "jsuis"), a number glued to
its unit is two words ("1000km" = "1000 km"), and digits are reduced to their shape
("12000" and "15000" are the same word to the model), so that examples generalise.
"""

from __future__ import annotations

import re
import unicodedata

# Chat abbreviations and frequent misspellings -> the words they stand for (normalised).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    # French
    "bjr": ("bonjour",),
    "bsr": ("bonsoir",),
    "slt": ("salut",),
    "cc": ("coucou",),
    "stp": ("s'il", "te", "plait"),
    "svp": ("s'il", "vous", "plait"),
    "svpl": ("s'il", "vous", "plait"),
    "rdv": ("rendez", "vous"),
    "rdvs": ("rendez", "vous"),
    "rendezvous": ("rendez", "vous"),
    "jsuis": ("je", "suis"),
    "chui": ("je", "suis"),
    "jveux": ("je", "veux"),
    "jvoudrais": ("je", "voudrais"),
    "jai": ("j", "ai"),
    "g": ("j", "ai"),
    "c": ("c", "est"),
    "cest": ("c", "est"),
    "pr": ("pour",),
    "pk": ("pourquoi",),
    "pq": ("pourquoi",),
    "qd": ("quand",),
    "qq": ("quelque",),
    "qqch": ("quelque", "chose"),
    "qqn": ("quelqu'un",),
    "bcp": ("beaucoup",),
    "tt": ("tout",),
    "tjs": ("toujours",),
    "tjrs": ("toujours",),
    "dispo": ("disponible",),
    "dispos": ("disponibles",),
    "mtn": ("maintenant",),
    "auj": ("aujourd'hui",),
    "ajd": ("aujourd'hui",),
    "dsl": ("desole",),
    "mrc": ("merci",),
    "mci": ("merci",),
    "tel": ("telephone",),
    "num": ("numero",),
    "n°": ("numero",),
    "nº": ("numero",),
    "ya": ("il", "y", "a"),
    # "ct" is read as "contrôle technique": the workshop meaning wins over the chat one.
    "ct": ("controle", "technique"),
    "diag": ("diagnostic",),
    "becane": ("moto",),
    "becanne": ("moto",),
    "meule": ("moto",),
    # English
    "u": ("you",),
    "ur": ("your",),
    "r": ("are",),
    "pls": ("please",),
    "plz": ("please",),
    "thx": ("thanks",),
    "ty": ("thank", "you"),
    "wanna": ("want", "to"),
    "gonna": ("going", "to"),
    "gotta": ("got", "to"),
    "im": ("i", "am"),
    "i'm": ("i", "am"),
    "dont": ("do", "not"),
    "don't": ("do", "not"),
    "cant": ("can", "not"),
    "can't": ("can", "not"),
    "wont": ("will", "not"),
    "won't": ("will", "not"),
    "doesnt": ("does", "not"),
    "doesn't": ("does", "not"),
    "isnt": ("is", "not"),
    "isn't": ("is", "not"),
    "appt": ("appointment",),
    "asap": ("as", "soon", "as", "possible"),
    "info": ("information",),
    "infos": ("information",),
}
_GLUED_NUMBER = re.compile(r"^(\d+)([a-z]+)$")  # "1000km", "12k", "9500kms"
_DIGIT = re.compile(r"\d")


def strip_accents(text: str) -> str:
    """ "Révision" -> "Revision" (compatibility forms folded too: "ﬁ" -> "fi")."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_word(word: str) -> list[str]:
    """One typed word as the words the model sees (usually one, sometimes two or none)."""
    plain = strip_accents(word.lower()).replace("’", "'")
    if plain in ABBREVIATIONS:
        return list(ABBREVIATIONS[plain])
    glued = _GLUED_NUMBER.match(plain)
    if glued:
        return [_DIGIT.sub("0", glued.group(1)), glued.group(2)]
    return [_DIGIT.sub("0", plain)]
