"""User-facing messages in the question's language (English fallback)."""

from __future__ import annotations

_MESSAGES: dict[str, dict[str, str]] = {
    "lead": {
        "en": "According to the indexed documents:",
        "sv": "Enligt de indexerade dokumenten:",
        "nl": "Volgens de geïndexeerde documenten:",
        "fr": "Selon les documents indexés :",
    },
    "lead_other_language": {
        "en": "According to the indexed documents (quoted in their original language):",
        "sv": "Enligt de indexerade dokumenten (citerade på originalspråket):",
        "nl": "Volgens de geïndexeerde documenten (geciteerd in de oorspronkelijke taal):",
        "fr": "Selon les documents indexés (cités dans leur langue d'origine) :",
    },
    "no_sources": {
        "en": "The indexed documents don't say anything about this question.",
        "sv": "De indexerade dokumenten säger inget om den här frågan.",
        "nl": "De geïndexeerde documenten zeggen niets over deze vraag.",
        "fr": "Les documents indexés ne disent rien à ce sujet.",
    },
    "not_covered": {
        "en": "The indexed documents don't say this.",
        "sv": "De indexerade dokumenten säger inte detta.",
        "nl": "De geïndexeerde documenten zeggen dit niet.",
        "fr": "Les documents indexés ne le disent pas.",
    },
    "other_country": {
        "en": "The indexed documents don't say this for {detail}.",
        "sv": "De indexerade dokumenten säger inte detta för {detail}.",
        "nl": "De geïndexeerde documenten zeggen dit niet voor {detail}.",
        "fr": "Les documents indexés ne le disent pas pour {detail}.",
    },
    "other_period": {
        "en": "The indexed documents don't say this for {detail}.",
        "sv": "De indexerade dokumenten säger inte detta för {detail}.",
        "nl": "De geïndexeerde documenten zeggen dit niet voor {detail}.",
        "fr": "Les documents indexés ne le disent pas pour {detail}.",
    },
    "closest": {
        "en": "The closest sources are:",
        "sv": "De närmaste källorna är:",
        "nl": "De meest verwante bronnen zijn:",
        "fr": "Les sources les plus proches sont :",
    },
    "empty_index": {
        "en": "No documents are indexed yet: ask staff to add programme documents.",
        "sv": "Inga dokument är indexerade ännu: be personalen lägga till programdokument.",
    },
}


def message(key: str, lang: str, **values: str) -> str:
    """The message ``key`` in ``lang`` (English when we have no translation)."""
    table = _MESSAGES[key]
    return table.get(lang, table["en"]).format(**values)
