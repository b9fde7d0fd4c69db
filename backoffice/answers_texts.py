"""What the knowledge base's admin page says, French first, English too; merged over the
workshop pages' strings (the staff frame's)."""

from __future__ import annotations

from backoffice.workshop_texts import workshop_texts

_FR = {
    "answers_title": "Réponses du chatbot",
    "answers_lead": "Les réponses que le chatbot donne aux questions des clients (horaires, "
    "tarifs, visite des 1000 km...), trouvées par leurs mots-clés, en français et en anglais, "
    "y compris au milieu d'une réservation.",
    "answers_try": "Essayer une question",
    "answers_try_field": "Question d'un client",
    "answers_try_button": "Voir la réponse",
    "answers_try_none": "Aucune réponse ne correspond : le chatbot propose les coordonnées "
    "ou un conseiller.",
    "answers_try_found": "Sujet « {topic} », mots-clés trouvés : {keywords}",
    "answers_try_agency": "Agence : {agency}",
    "answers_list": "Réponses",
    "answers_empty": "Aucune réponse : le chatbot propose les coordonnées ou un conseiller.",
    "answer_col_topic": "Sujet",
    "answer_col_agency": "Pour",
    "answer_col_keywords": "Mots-clés",
    "answer_col_answer": "Réponse (français)",
    "answer_col_status": "Statut",
    "answer_col_actions": "Actions",
    "answer_group": "Tout le réseau",
    "answer_computed": "Calculé des données",
    "answer_more_keyword": "et 1 autre",
    "answer_more_keywords": "et {count} autres",
    "answer_computed_hint": "Horaires, adresses, coordonnées et règle de la visite des "
    "1000 km sont calculés à partir des agences et des réglages des services ; le texte saisi "
    "ici s'ajoute après. Conseils par saison : sujets tips_winter, tips_spring, tips_summer, "
    "tips_autumn ; seasonal_tips répond avec ceux de la saison en cours.",
    "answer_active": "Utilisée",
    "answer_inactive": "Désactivée",
    "answer_edit": "Modifier",
    "answer_deactivate": "Désactiver",
    "answer_activate": "Réactiver",
    "answer_delete": "Supprimer cette réponse",
    "answer_delete_heading": "Supprimer",
    "answer_delete_hint": "Définitif. Pour ne plus l'utiliser en gardant le texte, "
    "désactivez-la plutôt depuis la liste.",
    "answer_add_heading": "Ajouter une réponse",
    "answer_edit_heading": "Modifier la réponse « {topic} »",
    "field_topic": "Sujet",
    "field_topic_hint": "Un sujet de la liste, ou un nouveau (minuscules, chiffres, _).",
    "field_agency": "Pour",
    "field_keywords": "Mots-clés (un par ligne)",
    "field_keywords_hint": "En français et en anglais ; accents et majuscules ignorés.",
    "field_answer_fr": "Réponse en français",
    "field_answer_en": "Réponse en anglais",
    "field_answer_hint": "Facultative pour un sujet calculé.",
    "field_answer_active": "Utilisée par le chatbot",
    "answer_create": "Ajouter la réponse",
    "answer_save": "Enregistrer",
    "answer_back": "Retour aux réponses",
    "answer_created": "Réponse « {topic} » ajoutée.",
    "answer_saved": "Réponse « {topic} » enregistrée.",
    "answer_deactivated": "La réponse « {topic} » n'est plus utilisée.",
    "answer_activated": "La réponse « {topic} » est de nouveau utilisée.",
    "answer_deleted": "Réponse « {topic} » supprimée.",
    "error_answer": "Réponse refusée : {message}",
    "topic_hours": "Horaires",
    "topic_address": "Adresses",
    "topic_contact": "Coordonnées",
    "topic_prices": "Tarifs indicatifs",
    "topic_service_contents": "Contenu des services",
    "topic_visit_1000": "Visite des 1000 km",
    "topic_tips_winter": "Conseils d'hiver",
    "topic_tips_spring": "Conseils de printemps",
    "topic_tips_summer": "Conseils d'été",
    "topic_tips_autumn": "Conseils d'automne",
    "topic_seasonal_tips": "Conseils de saison",
    "topic_payment": "Moyens de paiement",
    "topic_loan_bike": "Véhicule de prêt",
    "code_invalid_topic": "le sujet fait 2 à 40 caractères : minuscules, chiffres ou _",
    "code_no_keywords": "donnez au moins un mot-clé",
    "code_keyword_too_long": "un mot-clé fait au plus 60 caractères",
    "code_too_many_keywords": "au plus 40 mots-clés",
    "code_keyword_too_generic": "un mot-clé n'a que des petits mots (« c'est quoi ») : il "
    "répondrait à tout",
    "code_empty_answer_fr": "la réponse en français est obligatoire",
    "code_empty_answer_en": "la réponse en anglais est obligatoire",
    "code_answer_too_long": "une réponse fait au plus 1000 caractères",
    "code_unknown_agency": "agence inconnue",
    "code_entry_exists": "ce sujet a déjà une réponse pour tout le réseau ou pour cette agence",
    "code_unknown_entry": "cette réponse n'existe plus",
}

_EN = {
    "answers_title": "Chatbot answers",
    "answers_lead": "The answers the chatbot gives to customers' questions (opening hours, "
    "prices, 1000 km visit...), found by their keywords, in French and English, in the middle "
    "of a booking too.",
    "answers_try": "Try a question",
    "answers_try_field": "A customer's question",
    "answers_try_button": "Show the answer",
    "answers_try_none": "No answer matches: the chatbot offers the contact details or an advisor.",
    "answers_try_found": "Topic “{topic}”, keywords found: {keywords}",
    "answers_try_agency": "Agency: {agency}",
    "answers_list": "Answers",
    "answers_empty": "No answers: the chatbot offers the contact details or an advisor.",
    "answer_col_topic": "Topic",
    "answer_col_agency": "For",
    "answer_col_keywords": "Keywords",
    "answer_col_answer": "Answer (French)",
    "answer_col_status": "Status",
    "answer_col_actions": "Actions",
    "answer_group": "Whole network",
    "answer_computed": "Computed from the data",
    "answer_more_keyword": "and 1 more",
    "answer_more_keywords": "and {count} more",
    "answer_computed_hint": "Opening hours, addresses, contact details and the 1000 km visit's "
    "rule are computed from the agencies and the services' settings; the text written here "
    "comes after. Tips per season: topics tips_winter, tips_spring, tips_summer, tips_autumn; "
    "seasonal_tips answers with the current season's.",
    "answer_active": "In use",
    "answer_inactive": "Deactivated",
    "answer_edit": "Edit",
    "answer_deactivate": "Deactivate",
    "answer_activate": "Reactivate",
    "answer_delete": "Delete this answer",
    "answer_delete_heading": "Delete",
    "answer_delete_hint": "Final. To stop using it but keep its text, deactivate it from the "
    "list instead.",
    "answer_add_heading": "Add an answer",
    "answer_edit_heading": "Edit the answer “{topic}”",
    "field_topic": "Topic",
    "field_topic_hint": "A topic of the list, or a new one (lower case, digits, _).",
    "field_agency": "For",
    "field_keywords": "Keywords (one per line)",
    "field_keywords_hint": "In French and English; accents and capitals are ignored.",
    "field_answer_fr": "Answer in French",
    "field_answer_en": "Answer in English",
    "field_answer_hint": "Optional for a computed topic.",
    "field_answer_active": "Used by the chatbot",
    "answer_create": "Add the answer",
    "answer_save": "Save",
    "answer_back": "Back to the answers",
    "answer_created": "Answer “{topic}” added.",
    "answer_saved": "Answer “{topic}” saved.",
    "answer_deactivated": "The answer “{topic}” is no longer used.",
    "answer_activated": "The answer “{topic}” is used again.",
    "answer_deleted": "Answer “{topic}” deleted.",
    "error_answer": "Answer refused: {message}",
    "topic_hours": "Opening hours",
    "topic_address": "Addresses",
    "topic_contact": "Contact details",
    "topic_prices": "Indicative prices",
    "topic_service_contents": "What services include",
    "topic_visit_1000": "1000 km visit",
    "topic_tips_winter": "Winter tips",
    "topic_tips_spring": "Spring tips",
    "topic_tips_summer": "Summer tips",
    "topic_tips_autumn": "Autumn tips",
    "topic_seasonal_tips": "Seasonal tips",
    "topic_payment": "Payment means",
    "topic_loan_bike": "Loan vehicle",
    "code_invalid_topic": "a topic is 2 to 40 characters: lower case, digits or _",
    "code_no_keywords": "give at least one keyword",
    "code_keyword_too_long": "a keyword has at most 60 characters",
    "code_too_many_keywords": "at most 40 keywords",
    "code_keyword_too_generic": "a keyword has only small words (“what is it”): it would "
    "match anything",
    "code_empty_answer_fr": "the answer in French is required",
    "code_empty_answer_en": "the answer in English is required",
    "code_answer_too_long": "an answer has at most 1000 characters",
    "code_unknown_agency": "unknown agency",
    "code_entry_exists": "this topic already has an answer for the whole network or this agency",
    "code_unknown_entry": "this answer no longer exists",
}


def answers_texts(language: str) -> dict[str, str]:
    """The staff frame's strings with the answers page's ones, in `language` (fr default)."""
    lang = "en" if language == "en" else "fr"
    return {**workshop_texts(lang), **(_EN if lang == "en" else _FR)}


def topic_label(t: dict[str, str], topic: str) -> str:
    """A known topic's name, else its code."""
    return t.get(f"topic_{topic}", topic)
