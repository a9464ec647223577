"""A small multilingual glossary of EU-funds vocabulary (en/sv/nl/fr/lv).

Dense retrieval finds a Swedish passage for an English question, but the
answer step also checks that the chosen sentence really covers the
question's terms; across languages that check needs to know that "managing
authority" is "förvaltande myndighet", "beheersautoriteit" and "autorité de
gestion". Each line is one concept; a question word that matches any form
(exactly, or as a prefix of at least five letters) brings in all of them.

The core concepts below carry notes on why their forms are what they are;
the rest of the vocabulary (appeals, recovery, retention of documents,
procurement, visibility, cost categories, target groups …, ~450 concepts in
the wording the Swedish, Dutch and French texts use) is data, one concept per
line of ``data/glossary.tsv`` (columns en, sv, nl, fr, lv; forms separated
by " ; "). The two are used differently: a question word of a core concept
becomes that concept (weight 2, covered by any of its forms); a word of the
file's vocabulary keeps its own weight and stem and is also covered by its
concepts' other forms (``terms.Unit.also``), so the tuned core
behaviour stays as it was.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

TERMS = Path(__file__).with_name("data") / "glossary.tsv"

_CORE: tuple[tuple[str, ...], ...] = (
    ("project", "projects", "projekt", "projekten", "project", "projecten", "projet", "projets", "projekts", "projekti"),
    ("municipality", "municipalities", "kommun", "kommuner", "gemeente", "gemeenten", "commune", "communes", "pašvaldība"),
    ("university", "universities", "högskola", "högskolor", "universitet", "universiteit", "hogeschool", "université"),
    ("foundation", "foundations", "stiftelse", "stiftelser", "stichting", "fondation"),
    ("organisation", "organisations", "organization", "organisationer", "organisatie", "organisaties", "organisme"),
    ("ministry", "ministerium", "departement", "ministerie", "ministère", "ministrija"),
    ("interior", "inrikes", "binnenlandse", "intérieur", "iekšlietu"),
    ("culture", "kultur", "cultuur", "kultūras"),
    ("managing authority", "managing", "förvaltande", "förvaltningsmyndighet", "beheersautoriteit", "autorité de gestion", "vadošā"),
    ("audit authority", "audit", "revisionsmyndighet", "granskande", "auditautoriteit", "autorité d'audit", "revīzijas"),
    ("olaf", "european anti-fraud office", "europeiska byrån för bedrägeribekämpning", "europees bureau voor fraudebestrijding",
     "office européen de lutte antifraude", "eiropas birojs krāpšanas apkarošanai"),
    ("authority", "myndighet", "myndigheten", "autoriteit", "instantie", "autorité", "iestāde"),
    ("delegated", "delegerad", "gedelegeerde", "déléguée", "deleģētā"),
    ("target group", "målgrupp", "doelgroep", "public cible", "mērķgrupa"),
    ("third-country nationals", "third-country", "tredjelandsmedborgare", "derdelanders", "ressortissants de pays tiers", "trešo valstu"),
    ("co-financing", "cofinancing", "co-financed", "medfinansiering", "medfinansierar", "cofinanciering", "cofinancement", "līdzfinansējums"),
    ("integration", "integrationen", "integratie", "intégration", "integrācija", "integrācijas"),
    ("asylum", "asyl", "asiel", "asile", "patvērums", "patvēruma"),
    ("return", "returns", "återvändande", "terugkeer", "retour", "atgriešana"),
    ("migration", "migrations", "migratie", "migrācija"),
    ("budget", "budget", "budgeten", "begroting", "budžets", "enveloppe", "financial envelope", "envelope",
     "enveloppe financière"),
    ("funding", "finansiering", "financiering", "financement", "finansējums", "funds"),
    ("granted", "beviljat", "beviljats", "toegekend", "accordé", "piešķirts"),
    ("approved", "godkände", "godkänt", "goedgekeurd", "approuvé", "apstiprināja"),
    ("commission", "kommissionen", "commissie", "commission", "komisija"),
    ("programme", "program", "programmet", "programma", "programme", "programma"),
    ("national", "nationella", "nationale", "national", "nacionālā"),
    ("period", "programperiod", "programmaperiode", "période", "periods", "periode"),
    ("ongoing", "running", "pågår", "lopende", "en cours"),
    ("current", "currently", "right now", "just nu", "nuvarande", "huidige", "actuel", "actuelle", "pašreizējā"),
    ("implementation", "implement", "implemented", "genomförande", "programgenomförande", "genomföra", "uitvoering",
     "mise en œuvre", "īstenošana"),
    ("objective", "objectives", "aim", "mål", "målet", "målen", "doelstelling", "objectif", "mērķis"),
    ("eligible", "eligibility", "stödberättigande", "subsidiabel", "éligible", "éligibilité", "attiecināmas"),
    ("expenditure", "expenses", "costs", "utgifter", "kostnader", "uitgaven", "kosten", "dépenses", "izdevumi"),
    ("applicant", "applicants", "apply", "sökande", "ansöka", "aanvrager", "aanvraag", "demandeur", "pieteicējs"),
    ("beneficiary", "beneficiaries", "stödmottagare", "begunstigde", "bénéficiaire", "finansējuma saņēmējs"),
    ("detention", "detained", "förvar", "bewaring", "rétention", "aizturēto"),
    ("accommodation", "boende", "boenden", "opvang", "hébergement", "izmitināšana"),
    ("reception", "mottagande", "opvang", "accueil", "uzņemšana"),
    ("resettlement", "vidarebosättning", "hervestiging", "réinstallation", "pārmitināšana"),
    ("solidarity", "solidaritet", "solidariteit", "solidarité", "solidaritāte"),
    ("legal migration", "laglig migration", "legale migratie", "migration légale"),
    ("lump sum", "lump sums", "schablonbelopp", "klumpsumma", "forfaitair", "montant forfaitaire"),
    ("technical assistance", "tekniskt stöd", "technische bijstand", "assistance technique"),
    ("emergency assistance", "krisstöd", "noodhulp", "aide d'urgence"),
    ("thematic facility", "tematiska instrumentet", "thematische faciliteit", "mécanisme thématique"),
    ("digitalisation", "digitalization", "digitalisering", "numérisation", "digitalizācija"),
    ("one-stop", "en väg in", "één loket", "guichet unique", "vienas pieturas"),
    ("volunteers", "frivilliga", "vrijwilligers", "bénévoles"),
    ("deadline", "sista dag", "termijn", "date limite", "termiņš"),
    ("depreciation", "avskrivning", "afschrijving", "amortissement"),
    ("VAT", "value added tax", "value-added tax", "moms", "mervärdesskatt", "btw", "omzetbelasting",
     "belasting over de toegevoegde waarde", "TVA", "taxe sur la valeur ajoutée", "PVN", "pievienotās vērtības nodoklis"),
    ("participate", "participation", "participating", "take part", "taking part", "delta", "deltar", "deltagande",
     "deelnemen", "deelname", "participer", "piedalīties"),
    ("enter into force", "entry into force", "entered into force", "träder i kraft", "trädde i kraft",
     "ikraftträdande", "in werking", "inwerkingtreding", "entre en vigueur", "entrée en vigueur", "stājas spēkā"),
    ("ceiling", "subsidieplafond", "plafond", "tak", "takbelopp", "griesti"),
    # Limits are worded as much as named: "a minimum of 15 %" is "at least 15 %",
    # "the maximum rate" is "shall not exceed 75 %".
    ("minimum", "at least", "no less than", "not less than", "minst", "lägst", "lägsta", "minimaal", "minimale",
     "ten minste", "au moins", "minimal", "minimale", "vismaz"),
    ("maximum", "at most", "not exceed", "shall not exceed", "no more than", "högst", "högsta", "maximaal",
     "maximale", "ten hoogste", "au maximum", "ne peut excéder", "ne peut pas dépasser", "maximal", "ne dépasse pas",
     "nepārsniedz"),
    ("ordinance", "ordinances", "förordning", "förordningen", "verordening", "ordonnance", "decree", "décret"),
    ("management", "förvaltning", "förvaltningen", "beheer", "gestion", "pārvaldība"),
    ("purchase", "purchasing", "purchased", "acquisition", "köp", "inköp", "förvärv", "aankoop", "verwerving",
     "achat", "iegāde"),
    ("interest", "ränta", "räntan", "rente", "intérêts", "intérêt", "procenti"),
    ("equipment", "utrustning", "apparatuur", "uitrusting", "équipement", "équipements", "aprīkojums"),
    ("vehicle", "vehicles", "fordon", "voertuig", "voertuigen", "véhicule", "véhicules", "transportlīdzeklis"),
    ("travel", "travelling", "resa", "resor", "resekostnader", "reiskosten", "dienstreis", "dienstreizen",
     "déplacement", "déplacements", "voyage", "komandējums"),
    ("salary", "salaries", "wages", "lön", "löner", "salaris", "salarissen", "salaire", "salaires", "alga"),
    ("publish", "published", "publication", "publicera", "publicerat", "publiceren", "gepubliceerd", "publier",
     "publié", "publicēt"),
    ("department", "avdelning", "afdeling", "nodaļa"),
    ("occasion", "on the occasion of", "anledning", "med anledning av", "ter gelegenheid van", "gelegenheid",
     "à l'occasion de", "occasion de"),
    # Swedish "land" is a country: Swedish land is "mark", and "landet" is no
    # form of this concept (an exact Swedish "land" still matches the English form).
    ("land", "terrain", "terrains", "grond", "gronden", "bouwgrond", "mark", "markområde", "zemes"),
    ("built", "bâti", "bâtis", "bâtie", "bebouwd", "bebouwde", "bebyggd", "bebyggda", "apbūvēta"),
    # How co-financing rules name the EU's part of a project's cost.
    ("EU contribution", "EU share", "Union contribution", "contribution from the Union budget", "EU co-financing",
     "EU cofinancing", "Union co-financing",
     "contribution from the EU budget", "unionens bidrag", "EU-bidrag", "bijdrage van de Unie", "EU-bijdrage",
     "contribution de l'Union", "participation de l'Union", "ES ieguldījums"),
    ("increase", "increased", "rise", "raise", "raised", "höjas", "höjs", "ökas", "verhoogd", "verhogen",
     "augmenté", "augmentée", "majoré", "majorée", "palielināt"),
    ("Latvia", "Lettland", "Letland", "Lettonie", "Latvija"),
    ("Sweden", "Sverige", "Zweden", "Suède"),
    ("Netherlands", "Nederländerna", "Nederland", "Pays-Bas"),
    ("France", "Frankrike", "Frankrijk"),
    ("NGO", "NGOs", "non-governmental organisation", "non-governmental organisations",
     "non-governmental organization", "non-governmental organizations", "icke-statliga organisationer",
     "icke-statlig organisation", "niet-gouvernementele organisaties", "niet-gouvernementele organisatie",
     "organisations non gouvernementales", "organisation non gouvernementale", "ONG"),
    # What a country is given from a fund ("Lettlands tilldelning", "aan België toegewezen").
    ("allocation", "allocations", "allocate", "allocated", "tilldel", "toewijzing", "toegewezen", "alloué",
     "dotation"),
)



LANGUAGES = ("en", "sv", "nl", "fr", "lv")  # the terms file's columns


def load_columns(path: Path) -> list[dict[str, tuple[str, ...]]]:
    """Each concept of a terms file as its forms per language (the columns ``LANGUAGES`` names)."""
    out = []
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    for line in lines[1:]:
        cells = [tuple(f.strip() for f in cell.split(" ; ") if f.strip()) for cell in line.split("\t")]
        if len(cells) > len(LANGUAGES):
            raise ValueError(f"{path.name}: more columns than {LANGUAGES}: {line[:60]!r}")
        if any(cells):
            out.append(dict(zip(LANGUAGES, cells, strict=False)))  # a line may leave its last columns out
    return out


def load_terms(path: Path) -> list[tuple[str, ...]]:
    """The concepts of a terms file: each line's forms, in every language, in order, without repeats."""
    return [tuple(dict.fromkeys(f for forms in columns.values() for f in forms)) for columns in load_columns(path)]


# The core concepts first, then the file's: a concept's index says which it is.
CONCEPTS: tuple[tuple[str, ...], ...] = (*_CORE, *load_terms(TERMS))
# Each concept's forms per language, indexed as CONCEPTS (the core concepts have no columns).
COLUMNS: tuple[dict[str, tuple[str, ...]], ...] = (*({} for _ in _CORE), *load_columns(TERMS))


def translated(text: str, languages: set[str]) -> dict[str, str]:
    """The forms, in each of ``languages``, of the vocabulary's concepts (not the core's) ``text`` mentions."""
    found = [i for i in sorted(_concepts(text.casefold())) if not is_core(i)]
    out = {lang: " ".join(f for i in found for f in COLUMNS[i].get(lang, ())) for lang in sorted(languages)}
    return {lang: forms for lang, forms in out.items() if forms}


def is_core(concept: int) -> bool:
    """Whether ``concept`` is one of the core concepts (not a line of the terms file)."""
    return concept < len(_CORE)

_WORD = re.compile(r"[\w'-]+", re.UNICODE)


@lru_cache(maxsize=1)
def _forms() -> tuple[tuple[str, int], ...]:
    out = []
    for i, concept in enumerate(CONCEPTS):
        for form in concept:
            out.append((form.casefold(), i))
    return tuple(out)


def _matches(word: str, form: str) -> bool:
    if " " in form:
        return False
    if word == form:
        return True
    short = min(len(word), len(form))
    longer = form if len(form) > len(word) else word
    if short < 5 or longer[short:short + 1] == "-":
        return False
    return word.startswith(form) or form.startswith(word)


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, frozenset[int]], dict[str, frozenset[int]], dict[str, frozenset[int]],
                       dict[str, tuple[tuple[str, int], ...]]]:
    """Tables that answer ``_matches`` for every single-word form at once.

    ``_matches(word, form)`` is true when they are equal, or when the shorter
    is at least 5 characters and a prefix of the other. So a word matches:
    forms equal to it (``exact``); forms of 5+ characters equal to one of its
    prefixes of 5+ characters (``long``, looked up per prefix); forms that
    start with it when it has 5+ characters (``prefixes``: every prefix of
    5+ characters of every form). Looping over all ~300 forms per word made
    sentence scoring the slowest step of an answer.
    """
    exact: dict[str, set[int]] = {}
    long: dict[str, set[int]] = {}
    prefixes: dict[str, set[int]] = {}
    multi = []
    for form, concept in _forms():
        if " " in form:
            multi.append((form, concept))
            continue
        exact.setdefault(form, set()).add(concept)
        if len(form) >= 5:
            long.setdefault(form, set()).add(concept)
            for n in range(5, len(form) + 1):
                # A prefix that stops at a hyphen is a different word: "third"
                # (a third subparagraph) is not "third-country".
                if n < len(form) and form[n] == "-":
                    continue
                prefixes.setdefault(form[:n], set()).add(concept)
    freeze = lambda d: {k: frozenset(v) for k, v in d.items()}  # noqa: E731
    by_first: dict[str, list[tuple[str, int]]] = {}
    for form, concept in multi:
        by_first.setdefault(_WORD.findall(form)[0], []).append((form, concept))
    return freeze(exact), freeze(long), freeze(prefixes), {k: tuple(v) for k, v in by_first.items()}


def _concepts(low: str) -> set[int]:
    """Concepts whose forms occur in casefolded ``low`` (same rules as ``_matches``)."""
    exact, long, prefixes, multi = _lookup()
    found: set[int] = set()
    words = set(_WORD.findall(low))
    for word in words:
        found |= exact.get(word, frozenset())
        if len(word) >= 5:
            found |= prefixes.get(word, frozenset())
            for n in range(5, len(word)):
                if word[n] != "-":
                    found |= long.get(word[:n], frozenset())
        if "'" in word[:3]:  # French elision: "l'achat" is "achat"
            found |= exact.get(word.split("'", 1)[1], frozenset())
        if "-" in word:  # "return-related" is about return: its parts count, exactly
            for part in word.split("-"):
                found |= exact.get(part, frozenset())
    # A phrase is looked for only where its first word is a word of the text
    # (scanning all ~3 000 phrases of the vocabulary took 1.5 ms a question).
    for first in words & multi.keys():
        for form, concept in multi[first]:
            if form in low:
                found.add(concept)
    return found


def expand(text: str, vocabulary: bool = False) -> str:
    """``text`` plus every form of each core glossary concept it mentions (and of the file's, with ``vocabulary``)."""
    # Only the core concepts by default: the file's ~450 add so many forms to
    # a question that BM25 drifts over the whole corpus (AMIF + held-out
    # hit@5 0.980 -> 0.935 with them all). Among one country's documents
    # (the second look, ``Assistant._focused``) they find the passage in its
    # language.
    hits = {i for i in _concepts(text.casefold()) if vocabulary or is_core(i)}
    if not hits:
        return text
    extra = " ".join(form for i in sorted(hits) for form in CONCEPTS[i])
    return f"{text} {extra}"


def concepts_of(text: str) -> set[int]:
    """Indices of the glossary concepts ``text`` mentions."""
    return set(_concepts_cached(text))


@lru_cache(maxsize=8192)
def _concepts_cached(text: str) -> frozenset[int]:
    # Titles and section names are scored again for every sentence of a passage.
    return frozenset(_concepts(text.casefold()))
