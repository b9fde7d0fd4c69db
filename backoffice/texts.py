"""What the staff pages say (French first, English for English-speaking browsers).

The console's script carries the strings it writes itself; these are the server-rendered
ones. Both pick the language the same way: the page's `lang`, decided here.
"""

from __future__ import annotations

LANGUAGES = ("fr", "en")

_TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "brand": "Console conseiller",
        "login_title": "Connexion",
        "login_heading": "Connexion à la console",
        "login_lead": "Espace réservé aux conseillers et administrateurs Pitlane.",
        "email": "Adresse e-mail",
        "password": "Mot de passe",
        "sign_in": "Se connecter",
        "login_failed": "E-mail ou mot de passe incorrect.",
        "login_blocked": "Trop de tentatives échouées. Réessayez dans {minutes} min.",
        "login_expired": "Le formulaire a expiré. Saisissez à nouveau vos identifiants.",
        "login_invalid": "Saisissez votre e-mail et votre mot de passe.",
        "console_title": "Console conseiller",
        "sign_out": "Se déconnecter",
        "role_advisor": "Conseiller",
        "role_admin": "Administrateur",
        "admin_link": "Administration",
        "console_link": "Console",
        "availability": "Disponibilité",
        "available": "Disponible",
        "max_conversations": "Conversations simultanées",
        "max_hint_advisor": "Maximum fixé par un administrateur.",
        "max_hint_admin": "Votre maximum de conversations en même temps.",
        "queue": "File d'attente",
        "queue_empty": "Aucune demande en attente.",
        "closed_tab": "Conversations terminées",
        "no_conversation": "Aucune conversation en cours. Acceptez une demande de la file "
        "d'attente pour discuter avec le client.",
        "search_label": "Rechercher un client",
        "search_placeholder": "Nom ou identifiant du client",
        "search": "Rechercher",
        "connecting": "Connexion…",
        "conversations": "Conversations",
        "admin_title": "Administration",
        "tokens_heading": "Jetons d'API",
        "tokens_lead": "Un jeton permet à un script de lire les réservations "
        "(GET /api/bookings, en-tête Authorization: Bearer). Il n'est affiché qu'une fois.",
        "token_name": "Usage du jeton",
        "token_create": "Créer un jeton",
        "token_created": "Jeton « {name} » créé. Copiez-le maintenant : il ne sera plus affiché.",
        "staff_heading": "Équipe",
        "staff_name": "Nom",
        "staff_email": "E-mail",
        "staff_role": "Rôle",
        "staff_status": "Statut",
        "staff_max": "Conversations max",
        "staff_save": "Enregistrer",
        "staff_saved": "Maximum de {name} : {max} conversations.",
        "status_available": "Disponible",
        "status_away": "Absent",
        "error_title": "Accès refusé",
        "error_forbidden": "Cette page est réservée aux administrateurs.",
        "error_csrf": "La page a expiré. Rechargez-la puis recommencez.",
        "error_invalid": "Valeur invalide : {message}",
        "back": "Retour à la console",
        "outbox_title": "Boîte d'envoi (développement)",
        "outbox_lead": "SMS et e-mails non envoyés : aucun fournisseur n'est configuré.",
        "outbox_date": "Date (fuseau {zone})",
        "outbox_transport": "Moyen",
        "outbox_to": "Destinataire",
        "outbox_subject": "Objet",
        "outbox_message": "Message",
        "outbox_empty": "Aucun message pour l'instant.",
    },
    "en": {
        "brand": "Advisor console",
        "login_title": "Sign in",
        "login_heading": "Sign in to the console",
        "login_lead": "For Pitlane advisors and administrators only.",
        "email": "E-mail address",
        "password": "Password",
        "sign_in": "Sign in",
        "login_failed": "Wrong e-mail or password.",
        "login_blocked": "Too many failed attempts. Try again in {minutes} min.",
        "login_expired": "The form expired. Please enter your credentials again.",
        "login_invalid": "Enter your e-mail and your password.",
        "console_title": "Advisor console",
        "sign_out": "Sign out",
        "role_advisor": "Advisor",
        "role_admin": "Administrator",
        "admin_link": "Administration",
        "console_link": "Console",
        "availability": "Availability",
        "available": "Available",
        "max_conversations": "Conversations at once",
        "max_hint_advisor": "Set by an administrator.",
        "max_hint_admin": "Your maximum of conversations at the same time.",
        "queue": "Queue",
        "queue_empty": "No pending request.",
        "closed_tab": "Closed conversations",
        "no_conversation": "No conversation in progress. Accept a request from the queue to "
        "chat with the customer.",
        "search_label": "Search a customer",
        "search_placeholder": "Customer name or id",
        "search": "Search",
        "connecting": "Connecting…",
        "conversations": "Conversations",
        "admin_title": "Administration",
        "tokens_heading": "API tokens",
        "tokens_lead": "A token lets a script read the bookings (GET /api/bookings, "
        "Authorization: Bearer header). It is shown only once.",
        "token_name": "What the token is for",
        "token_create": "Create a token",
        "token_created": "Token “{name}” created. Copy it now: it will not be shown again.",
        "staff_heading": "Team",
        "staff_name": "Name",
        "staff_email": "E-mail",
        "staff_role": "Role",
        "staff_status": "Status",
        "staff_max": "Max conversations",
        "staff_save": "Save",
        "staff_saved": "{name}'s maximum: {max} conversations.",
        "status_available": "Available",
        "status_away": "Away",
        "error_title": "Access denied",
        "error_forbidden": "This page is for administrators only.",
        "error_csrf": "The page expired. Reload it and try again.",
        "error_invalid": "Invalid value: {message}",
        "back": "Back to the console",
        "outbox_title": "Outbox (development)",
        "outbox_lead": "SMS and e-mails not sent: no provider is configured.",
        "outbox_date": "Date ({zone} time)",
        "outbox_transport": "Transport",
        "outbox_to": "To",
        "outbox_subject": "Subject",
        "outbox_message": "Message",
        "outbox_empty": "No message yet.",
    },
}


def page_language(accept_language: str | None) -> str:
    """'en' when the browser prefers English to French, else 'fr' (Accept-Language, q-values)."""
    best, best_q = "fr", 0.0
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                continue
        q -= position * 1e-6  # equal weights: the first listed wins
        if q > best_q:
            best, best_q = primary, q
    return best


def texts(language: str) -> dict[str, str]:
    return _TEXTS[language if language in LANGUAGES else "fr"]


# Links to the workshop pages (docs/workshop.md) from the console and the admin page.
_TEXTS["fr"].update(
    nav_bookings="Réservations",
    nav_callbacks="Rappels",
    nav_complaints="Réclamations",
    nav_surveys="Satisfaction",
    nav_services="Services",
)
_TEXTS["en"].update(
    nav_bookings="Bookings",
    nav_callbacks="Callbacks",
    nav_complaints="Complaints",
    nav_surveys="Satisfaction",
    nav_services="Services",
)


# The staff error page when a browser asks for a page that fails (backoffice/errors.py).
_TEXTS["fr"].update(
    http_400_title="Demande impossible",
    http_400="Cette demande n'a pas pu être traitée.",
    http_403_title="Accès refusé",
    http_403="Vous n'avez pas accès à cette page.",
    http_404_title="Page introuvable",
    http_404="Cette page n'existe pas ou plus. Utilisez le menu de la console.",
    http_405_title="Action impossible",
    http_405="Cette adresse ne s'ouvre pas ainsi : utilisez les liens et boutons des pages.",
    http_422_title="Demande invalide",
    http_422="L'adresse ou le formulaire contient une valeur invalide.",
    http_429_title="Trop de demandes",
    http_429="Trop de demandes d'un coup : patientez un instant puis réessayez.",
    http_500_title="Erreur inattendue",
    http_500="Une erreur inattendue s'est produite. Réessayez dans un instant.",
)
_TEXTS["en"].update(
    http_400_title="Request not possible",
    http_400="This request could not be handled.",
    http_403_title="Access denied",
    http_403="You do not have access to this page.",
    http_404_title="Page not found",
    http_404="This page does not exist (any more). Use the console's menu.",
    http_405_title="Action not possible",
    http_405="This address does not open that way: use the pages' links and buttons.",
    http_422_title="Invalid request",
    http_422="The address or the form holds an invalid value.",
    http_429_title="Too many requests",
    http_429="Too many requests at once: wait a moment, then try again.",
    http_500_title="Unexpected error",
    http_500="An unexpected error happened. Try again in a moment.",
)
