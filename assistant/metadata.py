"""Document metadata: what the text itself says, overridden by a sidecar.

Extraction is deliberately conservative: a field stays empty unless the text
gives it clearly, because a wrong country or period would silently steer
filters and answers. ``NAME.meta.json`` beside a file overrides any field.
"""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from functools import lru_cache
from pathlib import Path

from .errors import BadDocumentError
from .records import DOC_TYPES, PERIODS, DocumentMeta

_MONTHS = {
    # en, sv, nl, fr, lv month names → number
    **{m: i for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1)},
    **{m: i for i, m in enumerate(
        "januari februari mars april maj juni juli augusti september oktober november december".split(), 1)},
    **{m: i for i, m in enumerate(
        "januari februari maart april mei juni juli augustus september oktober november december".split(), 1)},
    **{m: i for i, m in enumerate(
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(), 1)},
    **{m: i for i, m in enumerate(
        "janvārī februārī martā aprīlī maijā jūnijā jūlijā augustā septembrī oktobrī novembrī decembrī".split(), 1)},
}

# Country names (several languages) → ISO code; used for the document's own
# country and for inferring a country filter from a question.
COUNTRIES: dict[str, tuple[str, ...]] = {
    "LV": ("latvia", "latvian", "lettland", "letland", "lettonie", "latvija", "latvijas", "latvijā", "lettisk",
           "lettiska", "letse", "letton", "lettone"),
    "SE": ("sweden", "swedish", "sverige", "sveriges", "svensk", "zweden", "suède"),
    "NL": ("netherlands", "dutch", "nederland", "nederlandse", "nederländerna", "pays-bas"),
    "FR": ("france", "french", "frankrike", "frankrijk", "française", "français"),
    "EE": ("estonia", "estland", "estonie", "igaunija", "estonian"),
    "LT": ("lithuania", "litauen", "lituanie", "lietuva", "lithuanian"),
    "FI": ("finland", "finlande", "suomi", "finnish"),
    "DE": ("germany", "tyskland", "duitsland", "allemagne", "deutschland", "german"),
    "PL": ("poland", "polen", "pologne", "polish"),
    "DK": ("denmark", "danmark", "denemarken", "danemark", "danish"),
    "IE": ("ireland", "irland", "ierland", "irlande", "irish"),
    "IT": ("italy", "italien", "italië", "italie", "italian"),
    "ES": ("spain", "spanien", "spanje", "espagne", "spanish"),
    "BE": ("belgium", "belgien", "belgië", "belgique", "belgian"),
    "AT": ("austria", "österrike", "oostenrijk", "autriche", "austrian"),
    "GR": ("greece", "grekland", "griekenland", "grèce", "greek"),
    "PT": ("portugal", "portuguese"),
    "BG": ("bulgaria", "bulgarien", "bulgarije", "bulgarie", "bulgarian"),
    "HR": ("croatia", "kroatien", "kroatië", "croatie", "croatian"),
    "CY": ("cyprus", "cypern", "chypre", "cypriot"),
    "CZ": ("czechia", "czech republic", "tjeckien", "tsjechië", "tchéquie", "czech"),
    "HU": ("hungary", "ungern", "hongarije", "hongrie", "hungarian"),
    "LU": ("luxembourg", "luxemburg", "luxembourgish"),
    "MT": ("malta", "malte", "maltese"),
    "RO": ("romania", "rumänien", "roemenië", "roumanie", "romanian"),
    "SK": ("slovakia", "slovakien", "slowakije", "slovaquie", "slovak"),
    "SI": ("slovenia", "slovenien", "slovenië", "slovénie", "slovenian"),
    # Outside the Union: the funds' associated countries and the United
    # Kingdom (in AMIF 2014-2020, not 2021-2027). Swedish "Island" (Iceland)
    # is left out: it is the English word "island".
    "UK": ("united kingdom", "britain", "storbritannien", "verenigd koninkrijk", "royaume-uni", "british"),
    "NO": ("norway", "norge", "noorwegen", "norvège", "norwegian"),
    "IS": ("iceland", "ijsland", "islande", "icelandic"),
    "CH": ("switzerland", "schweiz", "zwitserland", "suisse", "swiss"),
    "LI": ("liechtenstein",),
}

_COUNTRY_VOCAB = {name: code for code, names in COUNTRIES.items() for name in names}
_LANG_COUNTRY = {"sv": "SE", "lv": "LV", "nl": "NL"}


def country_mentions(text: str) -> dict[str, int]:
    """How often each known country is named in ``text`` (case-insensitive words)."""
    return dict(_country_counts(text))


@lru_cache(maxsize=16384)
def _country_counts(text: str) -> tuple[tuple[str, int], ...]:
    # Cached: the answer step asks again about the same passages and
    # sentences (a 2 000-character passage costs ~0.1 ms to scan).
    words = re.findall(r"[\wåäöéèëüīāēūčšž-]+", text.casefold())
    counts: dict[str, int] = {}
    # Two-word names ("united kingdom") are looked up as word pairs.
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    for word in words + pairs:
        # Swedish genitives: "Estlands", "Lettlands tilldelning".
        code = _COUNTRY_VOCAB.get(word) or (_COUNTRY_VOCAB.get(word[:-1]) if len(word) > 5 and word[-1] == "s" else None)
        if code:
            counts[code] = counts.get(code, 0) + 1
    return tuple(counts.items())


# The fund regulations of each period: citing them places a text in that period.
_PERIOD_ACTS = {
    "2014-2020": r"\b(?:No )?(?:513|514|515|516)/2014\b",
    "2021-2027": r"\b2021/(?:1060|1147|1148|1149)\b",
}


def period_mentions(text: str) -> dict[str, int]:
    """How often each programme period is named, or one of its fund regulations cited."""
    counts = {}
    for period in PERIODS:
        a, b = period.split("-")
        n = len(re.findall(rf"{a}\s*[-–—]\s*{b}", text)) + len(re.findall(_PERIOD_ACTS[period], text))
        if n:
            counts[period] = n
    return counts


# The three EU home-affairs funds, by their acronyms and names in the corpus
# languages. Their regulations repeat whole articles word for word, so a
# question about the AMIF must prefer the AMIF act to the ISF or BMVI one
# saying the same. (The common-provisions funds are left out: the CPR's
# title names them first, and it governs the AMIF too.)
_FUNDS = {
    "AMIF": r"\bamif\b|\bfami\b|asylum,? migration and integration|asyl-?,? migrations- och integrationsfond|"
            r"asiel,? migratie en integratie|asile,? migration et intégration|patvēruma,? migrācijas un integrācijas",
    "ISF": r"\bisf\b|\bfsi\b|internal security fund|fonden för inre säkerhet|fonds? voor interne veiligheid|"
           r"sécurité intérieure|iekšējās drošības fond",
    "BMVI": r"\bbmvi\b|border management and visa|gränsförvaltning och visering|grensbeheer en visa|"
            r"gestion des frontières et (?:des|aux) visas",
}
_FUND_RX = {code: re.compile(rx, re.I) for code, rx in _FUNDS.items()}


# The other EU programmes the common-provisions texts name beside them.
_PROGRAMMES = {
    "ERDF": r"\berdf\b|european regional development fund",
    "ESF+": r"\besf\+|european social fund",
    "CF": r"\bcohesion fund\b",
    "JTF": r"\bjtf\b|just transition fund",
    "EMFAF": r"\bemfaf\b|maritime,? fisheries and aquaculture fund",
    "Interreg": r"\binterreg\b",
    "Structural Funds": r"\bstructural funds?\b",
    # The cohesion-policy goals and delivery modes the CPR sets for those
    # funds, which the home-affairs funds have no part in.
    "Jobs and growth": r"investment for jobs and growth",
    "ETC": r"european territorial cooperation",
    "CLLD": r"\bclld\b|community-led local development",
}
_PROGRAMME_RX = {code: re.compile(rx, re.I) for code, rx in _PROGRAMMES.items()}


@lru_cache(maxsize=16384)
def programme_mentions(text: str) -> tuple[str, ...]:
    """The funds and programmes ``text`` names: the home-affairs funds and the common-provisions ones."""
    return fund_mentions(text) + tuple(code for code, rx in _PROGRAMME_RX.items() if rx.search(text))


@lru_cache(maxsize=4096)
def fund_mentions(text: str) -> tuple[str, ...]:
    """The funds ``text`` names (acronym or full name), in a fixed order."""
    return tuple(code for code, rx in _FUND_RX.items() if rx.search(text))


def without_fund_names(text: str) -> str:
    """``text`` with the funds' names and acronyms blanked ("… establishing the  , amending …")."""
    for rx in _FUND_RX.values():
        text = rx.sub(" ", text)
    return text


# An act's number as titles and questions cite it: "2021/1147", "516/2014",
# "(2021:853)", "décret n° 2015-44" (not a period: "2014-2020").
_ACT_NUMBER = re.compile(r"(?<![\d/:-])(?:(?:19|20)\d\d/\d{1,4}|\d{1,4}/(?:19|20)\d\d|(?:19|20)\d\d:\d{1,4}|"
                         r"(?:19|20)\d\d-\d{1,3})(?![\d/:-])")


@lru_cache(maxsize=4096)
def act_numbers(text: str) -> tuple[str, ...]:
    """The act numbers ``text`` cites ("2021/1147", "2021:853", "2015-44")."""
    return tuple(dict.fromkeys(_ACT_NUMBER.findall(text)))


def parse_date(text: str) -> str:
    """The first date in ``text`` as ISO YYYY-MM-DD, or ''."""
    m = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text)
    if m:
        return m.group(0)
    m = re.search(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", text)
    if m:
        return f"{m.group(3)}-{int(m.group(2)):02d}-{int(m.group(1)):02d}"
    m = re.search(r"\b(\d{1,2})(?:er)?\.?\s+([A-Za-zÀ-ÿāēīūčšž]+)\s+(\d{4})\b", text)
    if m and m.group(2).casefold() in _MONTHS:
        return f"{m.group(3)}-{_MONTHS[m.group(2).casefold()]:02d}-{int(m.group(1)):02d}"
    return ""


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language ('' when unsure); deterministic."""
    sample = re.sub(r"https?://\S+|[#*_\[\]()<>|]", " ", text[:4000])
    if len(sample.strip()) < 20:
        return ""
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0  # langdetect is random unless seeded
    try:
        return detect(sample)
    except LangDetectException:
        return ""


def extract_metadata(text: str, *, name: str, pdf_title: str = "", pdf_date: str = "") -> DocumentMeta:
    """Metadata that ``text`` states itself (see module docstring)."""
    head = text[:3000]
    lines = [ln.strip().lstrip("#").strip() for ln in head.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("<") and not ln.startswith("[")]
    language = detect_language(text)
    title, doc_type, publisher, country, date = "", "", "", "", ""

    # Rejoined text puts "of 7 July 2021 establishing the …" on the heading's line.
    reg = re.search(
        r"^(REGULATION|DIRECTIVE|DECISION) \(EU[^)]*\) (?:No )?(\d+/\d{4}|\d{4}/\d+)[^\n]*?"
        r"\s(of \d{1,2} \w+ \d{4})\s+([^\n]+)",
        head, re.M,
    )
    if "SUMMARY OF:" in head:
        doc_type, country, publisher = "summary", "EU", "EUR-Lex / Publications Office of the EU"
        after = head.split("SUMMARY OF:", 1)[1].strip().splitlines()
        title = f"Summary: {after[0].strip()}" if after else lines[0]
    elif reg:
        doc_type, country = "regulation", "EU"
        publisher = "European Parliament and Council (Official Journal)"
        title = f"{reg.group(1).title()} (EU) {reg.group(2)} {reg.group(4).strip()}"
        date = parse_date(reg.group(3))
    elif re.search(r"^(Förordning|Lag) \(\d{4}:\d+\)", head, re.M):
        doc_type, country = "national", "SE"
        dep = re.search(r"^Departement: (.+)$", head, re.M)
        publisher = f"Regeringskansliet ({dep.group(1).strip()})" if dep else "Regeringskansliet"
        issued = re.search(r"^Utfärdad: (\S+)", head, re.M)
        date = issued.group(1) if issued else ""
    elif re.search(r"^#*\s*(Décret|Arrêté|Loi) n°", head, re.M):
        doc_type, country, publisher = "national", "FR", "Gouvernement français (Journal officiel)"
    elif re.search(r"^#*\s*(Regeling|Besluit|Beleidsregels?) ", head, re.M | re.I):
        doc_type, country, publisher = "national", "NL", "Rijksoverheid (Staatscourant)"
    elif re.search(r"(?i)\bcall\b|funding & tenders|funding and tenders", head) and name.endswith(".pdf"):
        doc_type, country, publisher = "call", "EU", "European Commission"

    if not title:
        title = pdf_title or (lines[0] if lines else name)
    title = re.sub(r"\s+", " ", title)[:300]

    published = re.search(r"(?im)^\s*(?:published|publicerad|publicēts|publié)\s*:?\s*(.+)$", head)
    if published:
        date = parse_date(published.group(1)) or date
        doc_type = doc_type or "press"
    if not date:
        date = parse_date("\n".join(lines[:8])) or pdf_date

    prepared = re.search(r"(?is)prepared by:\s*\n+\s*([^\n]+)", text[-1500:])
    if prepared and not publisher:
        publisher = prepared.group(1).strip()

    url_match = re.search(r"<?(https?://[^\s<>]+)>?\s*$", text[-600:].strip())
    url = url_match.group(1) if url_match else ""

    if not country:
        mentions = country_mentions(text[:20000])
        if mentions:
            best = max(mentions, key=mentions.__getitem__)
            if mentions[best] >= 2:
                country = best
        country = country or _LANG_COUNTRY.get(language, "")

    period = ""
    year = re.search(r"\b(?:No |\()?(20\d\d)[/:]\d+|\b\d+/(20\d\d)\b", title)
    reg_year = int(next(g for g in year.groups() if g)) if year else 0
    if doc_type in ("regulation", "summary") and reg_year:
        period = "2014-2020" if reg_year < 2021 else "2021-2027"
    else:
        counts = period_mentions(text)
        if counts:
            best = max(counts, key=counts.__getitem__)
            # A period is assigned only when it clearly dominates.
            if counts[best] > sum(counts.values()) - counts[best]:
                period = best

    return DocumentMeta(
        title=title, publisher=publisher, date=date, language=language, country=country,
        period=period, doc_type=doc_type or "other", url=url,
    )


def sidecar_path(path: Path) -> Path:
    """``report.pdf`` → ``report.pdf.meta.json``."""
    return path.with_name(path.name + ".meta.json")


def apply_sidecar(meta: DocumentMeta, path: Path) -> DocumentMeta:
    """Override ``meta`` with the fields of ``path``'s sidecar, if there is one."""
    side = sidecar_path(path)
    if not side.is_file():
        return meta
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadDocumentError(
            f"sidecar {side.name} is not valid JSON ({exc})", "fix or remove the sidecar"
        ) from None
    if not isinstance(data, dict):
        raise BadDocumentError(f"sidecar {side.name} must hold a JSON object", "fix the sidecar")
    known = {f.name for f in fields(DocumentMeta)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise BadDocumentError(
            f"sidecar {side.name} has unknown field(s) {', '.join(unknown)}",
            f"valid fields: {', '.join(sorted(known))}",
        )
    if data.get("period") and data["period"] not in PERIODS:
        raise BadDocumentError(f"sidecar {side.name}: period must be one of {', '.join(PERIODS)}")
    if data.get("doc_type") and data["doc_type"] not in DOC_TYPES:
        raise BadDocumentError(f"sidecar {side.name}: doc_type must be one of {', '.join(DOC_TYPES)}")
    return replace(meta, **{k: str(v) for k, v in data.items()})
