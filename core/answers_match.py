"""Which topic of the knowledge base a customer's question is about, from the keywords of each
topic (pure: no I/O).

Text and keywords are compared as words without accents or case, plurals folded ("horaires"
= "horaire", "pneus" = "pneu"), numbers written together ("1 000 km" = "1000km" = "1000 km").
A keyword of several words matches those words in that order, with at most two small words
between them ("visite 1000 km" matches "la visite des 1000 km"). A word of six letters or
more also matches a close misspelling ("horraires", "payement"), for a little less.

A topic's score is the sum of the weights of its matched keywords, the words of one message
counted once per topic (longest keywords first). A keyword weighs its significant words (not
the small words: articles, pronouns, "quoi", "what"...), each word divided by the square root
of the number of topics that use it: a word only one topic has says more. The best topic
wins: ties go to the topic with the longest matched keyword, then to the topics' order. It
answers when at least one significant word was found (a misspelt one counts 0.8).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.parsing import normalize

MIN_SCORE = 0.8  # strength below: nothing matches well (a single misspelt word still does)
FUZZY_WEIGHT = 0.8
FUZZY_MIN_LENGTH = 6
FUZZY_RATIO = 0.84
MAX_GAP = 2  # small words allowed between the words of a keyword

# Small words: they never count alone and may sit between the words of a keyword.
_SMALL_WORDS = """
    a au aux avec c ca ce ceci cela ces cet cette d de des du elle en es est et etre il ils
    j je l la le les leur leurs lui m ma me mes moi mon n ne nos notre nous on ou par pas pour
    qu que quel quelle quelles quels qui quoi s sa se ses son sont sur t ta te tes toi ton tu
    un une vos votre vous y comment svp stp bonjour merci peut peux puis ai avez
    an the of to in on at for and or is are be do does did i you we my your our it its this
    that what which who how me us there can could would please hello hi have has
"""
# Words whose final s is not a plural: "êtes" is not "été".
_NO_FOLD = frozenset({"etes"})


@dataclass(frozen=True)
class TopicKeywords:
    """The keywords of one topic (of all its entries)."""

    topic: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class TopicMatch:
    topic: str
    score: float
    keywords: tuple[str, ...]  # the keywords found, longest first
    longest: int  # significant words of the longest keyword found
    strength: float  # significant words found (a close spelling counts FUZZY_WEIGHT)


def words(text: str) -> list[str]:
    """The words of a text as they are compared: no accents or case, plurals folded,
    letters and digits apart ("1000km" -> "1000", "km")."""
    plain = normalize(text)
    plain = re.sub(r"(?<=\d)[ .\u00a0\u202f](?=\d{3}(?!\d))", "", plain)  # "1 000" -> "1000"
    return [_fold(word) for word in re.findall(r"[a-z]+|[0-9]+", plain)]


def _fold(word: str) -> str:
    """Plural to singular, roughly and the same way on both sides: "horaires", "pneus",
    "chevaux" -> "horaire", "pneu", "chevau"; "prix" and "kms" are kept apart."""
    if word == "kms":
        return "km"
    if word in _NO_FOLD:
        return word
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    if len(word) > 4 and word.endswith(("aux", "eux")):
        return word[:-1]
    return word


# compared after folding ("vous" -> "vou"), so both spellings are listed
STOPWORDS = frozenset(_SMALL_WORDS.split()) | frozenset(_fold(w) for w in _SMALL_WORDS.split())


def significant(word: str) -> bool:
    return word not in STOPWORDS


def keyword_is_generic(keyword: str) -> bool:
    """A keyword made of small words only ("c'est quoi") would match any question."""
    return not any(significant(word) for word in words(keyword))


def match_topic(text: str, topics: Iterable[TopicKeywords]) -> TopicMatch | None:
    """The topic the question is most about, or None when no topic matches well enough."""
    ranked = rank_topics(text, topics)
    return ranked[0] if ranked and well_enough(ranked[0]) else None


def well_enough(match: TopicMatch) -> bool:
    """At least one significant word found, a misspelt one included (the weights only rank
    the topics: a word two topics share still answers when it is the only one found)."""
    return match.strength >= MIN_SCORE


def rank_topics(text: str, topics: Iterable[TopicKeywords]) -> list[TopicMatch]:
    """Every topic with a keyword in the text, best first."""
    topics = list(topics)
    message = words(text)
    if not message:
        return []
    weights = _word_weights(topics)
    order = {group.topic: index for index, group in enumerate(topics)}
    found = [_score(group, message, weights) for group in topics]
    matches = [match for match in found if match is not None]
    return sorted(matches, key=lambda m: (-round(m.score, 6), -m.longest, order[m.topic]))


def _word_weights(topics: Sequence[TopicKeywords]) -> dict[str, float]:
    """1 / sqrt(number of topics using the word), for the significant words."""
    users: dict[str, set[str]] = {}
    for group in topics:
        for keyword in group.keywords:
            for word in words(keyword):
                if significant(word):
                    users.setdefault(word, set()).add(group.topic)
    return {word: 1 / math.sqrt(len(topics_)) for word, topics_ in users.items()}


@dataclass(frozen=True)
class _Found:
    keyword: str
    start: int
    end: int  # inclusive
    weight: float
    size: int  # significant words
    strength: float


def _score(
    group: TopicKeywords, message: list[str], weights: dict[str, float]
) -> TopicMatch | None:
    found: list[_Found] = []
    for keyword in dict.fromkeys(group.keywords):
        phrase = words(keyword)
        size = sum(1 for word in phrase if significant(word))
        if not size:
            continue
        for start in range(len(message)):
            hit = _match_at(message, start, phrase)
            if hit is not None:
                end, fuzzy = hit
                weight = sum(
                    weights.get(word, 1.0) * (FUZZY_WEIGHT if index in fuzzy else 1.0)
                    for index, word in enumerate(phrase)
                    if significant(word)
                )
                strength = sum(
                    FUZZY_WEIGHT if index in fuzzy else 1.0
                    for index, word in enumerate(phrase)
                    if significant(word)
                )
                found.append(_Found(keyword, start, end, weight, size, strength))
    used: set[int] = set()
    kept: list[_Found] = []
    for hit in sorted(found, key=lambda f: (-f.size, -f.weight, f.start)):
        span = set(range(hit.start, hit.end + 1))
        if span & used:
            continue
        used |= span
        kept.append(hit)
    if not kept:
        return None
    return TopicMatch(
        topic=group.topic,
        score=sum(hit.weight for hit in kept),
        keywords=tuple(dict.fromkeys(hit.keyword for hit in kept)),
        longest=max(hit.size for hit in kept),
        strength=sum(hit.strength for hit in kept),
    )


def _match_at(message: list[str], start: int, phrase: list[str]) -> tuple[int, set[int]] | None:
    """The keyword's words from message[start] on: (index of its last word, indexes of the
    keyword's words matched by a close spelling), or None."""
    if not phrase:
        return None
    fuzzy: set[int] = set()
    position = start - 1
    for index, word in enumerate(phrase):
        position += 1
        skipped = 0
        while position < len(message):
            alike = _alike(message[position], word)
            if alike:
                if alike == 2:
                    fuzzy.add(index)
                break
            # the first word must be right there; later ones may follow a few small words
            if index == 0 or significant(message[position]) or skipped >= MAX_GAP:
                return None
            position += 1
            skipped += 1
        else:
            return None
    return position, fuzzy


def _alike(said: str, keyword_word: str) -> int:
    """0: different; 1: the same word; 2: a close spelling of a long word."""
    if said == keyword_word:
        return 1
    if (
        len(keyword_word) >= FUZZY_MIN_LENGTH
        and len(said) >= FUZZY_MIN_LENGTH - 1
        and keyword_word.isalpha()
        and said.isalpha()
        and difflib.SequenceMatcher(None, said, keyword_word).ratio() >= FUZZY_RATIO
    ):
        return 2
    return 0
