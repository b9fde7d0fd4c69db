"""Commercial offers on Telegram: /offres (/offers) says yes, /stopoffres (/stopoffers) or
the "Ne plus recevoir" button under an offer says no. Answered before the dialogue by the
hub (`hub.offers.answer_offers`, as WhatsApp's keywords), never passed to the bot."""

from __future__ import annotations

from hub.texts import OFFERS_UNSUBSCRIBE_PAYLOAD

# command (without "/") -> (subscribed, the language to answer in)
OFFERS_COMMANDS = {
    "offres": (True, "fr"),
    "offers": (True, "en"),
    "stopoffres": (False, "fr"),
    "stopoffers": (False, "en"),
}
UNSUBSCRIBE_PATTERN = f"^{OFFERS_UNSUBSCRIBE_PAYLOAD}$"
