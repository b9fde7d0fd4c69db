"""Customer-facing strings the hub says itself (French first, English variation)."""

from __future__ import annotations

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

_TEXTS: dict[str, dict[str, str]] = {
    "empty_message": {
        "fr": "Votre message est vide. Écrivez votre question, puis envoyez-la.",
        "en": "Your message is empty. Type your question, then send it.",
    },
    "message_too_long": {
        "fr": "Votre message est trop long (2 000 caractères maximum). Raccourcissez-le, svp.",
        "en": "Your message is too long (2,000 characters at most). Please shorten it.",
    },
    "unknown_choice": {
        "fr": "Je ne connais pas ce choix. Choisissez l'une des options ci-dessous :",
        "en": "I don't know that choice. Please pick one of the options below:",
    },
    "assistant_unavailable": {
        "fr": (
            "L'assistant est momentanément indisponible. Votre message est bien enregistré : "
            "réessayez dans quelques instants, svp."
        ),
        "en": (
            "The assistant is unavailable right now. Your message has been saved: "
            "please try again in a moment."
        ),
    },
    # --- advisor handoff: {position} in the queue, {wait} from `wait_text`
    "handoff_queued": {
        "fr": (
            "Votre demande est transmise à nos conseillers. Vous êtes n° {position} dans la "
            "file d'attente, attente estimée : {wait}. En attendant, je reste à votre "
            "disposition."
        ),
        "en": (
            "Your request has been passed on to our advisors. You are number {position} in "
            "the queue, estimated wait: {wait}. Meanwhile, I'm still here to help."
        ),
    },
    "handoff_waiting": {
        "fr": (
            "Votre demande est déjà en cours : vous êtes n° {position} dans la file "
            "d'attente, attente estimée : {wait}."
        ),
        "en": (
            "Your request is already in progress: you are number {position} in the queue, "
            "estimated wait: {wait}."
        ),
    },
    "no_advisor": {
        "fr": (
            "Désolé, aucun conseiller n'est disponible pour le moment. Un conseiller peut vous "
            "rappeler, vous pouvez nous contacter par téléphone ou par e-mail, ou continuer "
            "avec moi :"
        ),
        "en": (
            "Sorry, no advisor is available right now. An advisor can call you back, you can "
            "contact us by phone or e-mail, or carry on with me:"
        ),
    },
    "handoff_cancelled": {
        "fr": "Votre demande de conseiller est annulée. Je reste à votre disposition.",
        "en": "Your request for an advisor is cancelled. I'm still here to help.",
    },
    "no_pending_request": {
        "fr": "Vous n'avez pas de demande de conseiller en cours.",
        "en": "You have no request for an advisor in progress.",
    },
    "advisor_joined": {
        "fr": "Vous êtes en relation avec {advisor}, de l'équipe Pitlane. Écrivez-lui ici.",
        "en": "You are now talking with {advisor} from the Pitlane team. Write to them here.",
    },
    "handoff_refused": {
        "fr": (
            "Désolé, aucun conseiller ne peut vous répondre pour le moment. Vous pouvez nous "
            "contacter directement ou continuer avec moi."
        ),
        "en": (
            "Sorry, no advisor can answer you right now. You can contact us directly or carry "
            "on with me."
        ),
    },
    "handoff_refused_reason": {
        "fr": (
            "Désolé, aucun conseiller ne peut vous répondre pour le moment ({reason}). Vous "
            "pouvez nous contacter directement ou continuer avec moi."
        ),
        "en": (
            "Sorry, no advisor can answer you right now ({reason}). You can contact us "
            "directly or carry on with me."
        ),
    },
    "handoff_expired": {
        "fr": (
            "Désolé, aucun conseiller n'a pu prendre votre demande à temps. Vous pouvez nous "
            "contacter directement, réessayer plus tard ou continuer avec moi."
        ),
        "en": (
            "Sorry, no advisor could take your request in time. You can contact us directly, "
            "try again later or carry on with me."
        ),
    },
    "handoff_closed": {
        "fr": "{advisor} a terminé la conversation. L'assistant reprend la main :",
        "en": "{advisor} has ended the conversation. The assistant takes over again:",
    },
    "cancel_button": {"fr": "Annuler ma demande", "en": "Cancel my request"},
    "callback_button": {"fr": "Être rappelé(e)", "en": "Call me back"},
    "contact_button": {"fr": "Nous contacter", "en": "Contact details"},
    "wait_minutes": {"fr": "environ {minutes} min", "en": "about {minutes} min"},
    "wait_short": {"fr": "moins d'une minute", "en": "less than a minute"},
    "advisor_fallback_name": {"fr": "Votre conseiller", "en": "Your advisor"},
}

# The main menu, re-offered after an unknown choice when nothing else was on offer.
_MENU: dict[str, list[tuple[str, str]]] = {
    "fr": [
        ("Vérifier mon entretien", "/check_maintenance"),
        ("Essayer une moto", "/vehicle_info"),
        ("Nous contacter", "/contact_info"),
        ("Parler à un conseiller", "/ask_advisor"),
        ("Arrêter", "/stop"),
    ],
    "en": [
        ("Check my maintenance", "/check_maintenance"),
        ("Try a motorbike", "/vehicle_info"),
        ("Contact us", "/contact_info"),
        ("Talk to an advisor", "/ask_advisor"),
        ("Stop", "/stop"),
    ],
}


def normalise_language(value: object) -> str | None:
    """'fr', 'fr-FR', 'EN_gb' -> 'fr' / 'en'; anything else -> None."""
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in LANGUAGES else None


def say(key: str, language: str | None, **values: object) -> str:
    """The hub's text `key` in `language` (French when unknown), `{name}`s filled from values."""
    variants = _TEXTS[key]
    text = variants.get(language or DEFAULT_LANGUAGE, variants[DEFAULT_LANGUAGE])
    return text.format(**values) if values else text


def menu(language: str | None) -> list[tuple[str, str]]:
    """The main menu's (title, payload) pairs in `language`."""
    return _MENU.get(language or DEFAULT_LANGUAGE, _MENU[DEFAULT_LANGUAGE])


def wait_text(seconds: float, language: str | None) -> str:
    """An estimated wait as people say it: 'environ 4 min', 'less than a minute'."""
    if seconds < 60:
        return say("wait_short", language)
    return say("wait_minutes", language, minutes=round(seconds / 60))


# ---- commercial offers on the chat channels (WhatsApp keywords, Telegram commands) --------
# The Telegram unsubscribe button carries the command itself as its callback data.
OFFERS_UNSUBSCRIBE_PAYLOAD = "/stopoffres"

_TEXTS.update(
    {
        "offers_on_whatsapp": {
            "fr": (
                "C'est noté : vous recevrez nos offres commerciales ici. Pour ne plus les "
                "recevoir, envoyez OFFRES STOP."
            ),
            "en": (
                "Done: you will get our commercial offers here. To stop them, send OFFERS STOP."
            ),
        },
        "offers_off_whatsapp": {
            "fr": (
                "C'est noté : vous ne recevrez plus nos offres commerciales. Pour les recevoir "
                "à nouveau, envoyez OFFRES."
            ),
            "en": (
                "Done: you will not get our commercial offers any more. Send OFFERS to get "
                "them again."
            ),
        },
        "offers_held_by_stop_whatsapp": {
            "fr": (
                "C'est noté, mais vous avez envoyé STOP : vous ne recevez aucun message de "
                "notre part. Envoyez START pour recevoir à nouveau nos messages, offres "
                "comprises."
            ),
            "en": (
                "Noted, but you sent STOP: you get no messages from us. Send START to get our "
                "messages again, offers included."
            ),
        },
        "offers_on_telegram": {
            "fr": (
                "C'est noté : vous recevrez nos offres commerciales ici. Pour ne plus les "
                "recevoir, envoyez /stopoffres ou appuyez sur le bouton ci-dessous."
            ),
            "en": (
                "Done: you will get our commercial offers here. To stop them, send "
                "/stopoffers or press the button below."
            ),
        },
        "offers_off_telegram": {
            "fr": (
                "C'est noté : vous ne recevrez plus nos offres commerciales. Pour les recevoir "
                "à nouveau, envoyez /offres."
            ),
            "en": (
                "Done: you will not get our commercial offers any more. Send /offers to get "
                "them again."
            ),
        },
        "offers_footer_whatsapp": {
            "fr": "Pour ne plus recevoir nos offres, envoyez OFFRES STOP.",
            "en": "To stop getting our offers, send OFFERS STOP.",
        },
        "offers_footer_telegram": {
            "fr": "Pour ne plus recevoir nos offres : /stopoffres ou le bouton ci-dessous.",
            "en": "To stop getting our offers: /stopoffers or the button below.",
        },
        "offers_unsubscribe_button": {"fr": "Ne plus recevoir", "en": "Unsubscribe"},
    }
)


def offers_text(key: str, channel: str, language: str | None) -> str | None:
    """The offers text `key` ('offers_on', 'offers_off', 'offers_footer', ...) for a chat
    `channel` in `language`; None for a channel without one."""
    name = f"{key}_{channel}"
    return say(name, language) if name in _TEXTS else None
