"""The conversations the chat benchmarks play (bench/chat_load.py, bench/scale_load.py).

Mostly text typed as customers type it, in French and in English (abbreviations, missing
accents), with a few button payloads where a customer would click. None of them books
anything: a booking would fill the calendars the next run measures against. Conversation
number i plays SCRIPTS[i % len(SCRIPTS)], so any concurrency mixes them.
"""

from __future__ import annotations

SCRIPTS: tuple[tuple[str, ...], ...] = (
    # French: maintenance check, low mileage, declines the offered service.
    (
        "bonjour",
        "slt je voudrais verifier l'entretien de ma moto",
        "une 2022",
        "l'ete dernier",
        "3000 bornes",
        "non merci",
        "au revoir",
    ),
    # English: maintenance check, then stops before the slots.
    (
        "Hi there",
        "I need to check if my bike is due for a service",
        "it's a 2021",
        "8 months ago",
        "stop",
        "what's your phone number?",
        "thanks, bye",
    ),
    # French: contact details, typed and clicked.
    (
        "salut",
        "c koi votre numero de tel svp",
        "/contact_info",
        "/ask_email",
        "vous etes ouverts le samedi ?",
        "merci bcp",
        "/stop",
    ),
    # English: test ride information, then changes their mind.
    (
        "hello",
        "info on your bikes please",
        "actually no, stop",
        "how can I reach you by email",
        "are you a bot?",
        "ok thank you",
        "goodbye",
    ),
    # French: gibberish, the menu, the maintenance form stopped in the middle.
    (
        "qsdlkj zzkq wpx",
        "menu",
        "/check_maintenance",
        "2019",
        "arrete",
        "c'est combien une vidange pour une 650 ?",
        "non c'est bon",
    ),
)


def script_for(index: int) -> tuple[str, ...]:
    return SCRIPTS[index % len(SCRIPTS)]


def messages_per_round(conversations: int) -> int:
    return sum(len(script_for(i)) for i in range(conversations))
