"""Stage 6 — answer, 3 of 5: the kind of fact a question asks for, and whether a sentence gives one.

"How much …?" wants an amount or a share, "When …?" a date, "How many
projects …?" a number of projects, "Who is the director …?" a person's name
(``wants``); ``cue_ok`` tells whether a sentence states that kind of fact.
Builds on ``terms`` (a counted thing is a ``Unit``); ``checks`` and
``extractive`` use it.
"""

from __future__ import annotations

import re

from .sentences import has_quantity
from .terms import FRACTION, Unit, Words, asking_sentences, covers

AMOUNT = re.compile(
    r"\d[\d\s.,\u00a0\u202f]*\s*(?:million|billion|miljon\w*|miljard\w*|miljoen|milj\.|mln|EUR\b|euro(?:s|n|ns)?\b|€|kronor|SEK)"
    r"|(?:EUR|€)\s*\d", re.I)
_PERCENT = re.compile(r"\d\s*(?:%|procent|percent|per cent|pour cent)", re.I)
_DATE = re.compile(
    r"\b\d{1,2}\.\d{1,2}\.\d{4}\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}(?:er)?\s+(?:jan|feb|mar|apr|maj|may|jun|jul|aug|sep|okt|oct|nov|dec|"
    r"janv|févr|avr|mai|juin|juil|août|sept|déc|maart|mei)\w*\s+\d{4}|\b\d{1,2} [A-Z][a-z]+ (?:this year|\d{4})|"
    r"\bOn \d{1,2} \w+", re.I)
_DATE_SPAN = re.compile(r"\d{4}\s+(?:to|and|until|till|tot(?: en met)?|au|jusqu'au|et le|en|och)\s+\d{1,2}(?:er)?\s+\w+\s+\d{4}",
                        re.I)
_YEAR_RANGE = re.compile(r"\b(?:19|20)\d\d\s*[-–—/]\s*(?:19|20)\d\d\b")
YEAR = re.compile(r"(?<![\d])(?:19|20)\d\d(?![\d])")


WANTS = {
    "amount": re.compile(r"\b(budget|amount|allocation|financial envelope|split|divided|breakdown|lump sums?|unit costs?|"
                         r"engångsbelopp|forfaitair bedrag|montant forfaitaire|belopp|fördela\w*|"
                         r"budget\w*|montant|enveloppe|bedrag|tilldelning\w*|toewijzing|toegewezen|allou\w*|"
                         r"dotation)\b", re.I),
    # "How much of the facility…?", "How much pre-financing…?": an amount or a share.
    "how_much": re.compile(r"\b(how much|hur mycket|combien(?! de (?:temps|fois))|hoeveel|cik)\b", re.I),
    "percent": re.compile(r"\b(share|percent\w*|percentage|rate|proportion|andel|procent|taux|pourcentage|"
                          r"aandeel)\b|%", re.I),
    # "When…?" at the head of the question asks for a date; "When can/may…?"
    # asks for a condition, and Swedish "när" inside a sentence is "if/when".
    "date": re.compile(r"^\W*(?:(?:and|och|et|en)\s+)?(?:when|när|quand|wanneer)\b(?!\s+(?:can|may|could|might|must|should|"
                       r"kan|får|måste|peut|peuvent|doit|mag|moet)\b)|\b(?:dates?|deadlines?|datum|until|by what|by when|"
                       r"från när|sedan när|published|what day|which day|vilket datum|welke datum|quelle date)\b", re.I),
    # "How long…?", "How recent…?": a length of time.
    "duration": re.compile(r"\b(how long|how soon|how quickly|how recent|how old|"
                           r"for how many (?:days|weeks|months|years)|hur länge|hur lång tid|"
                           r"hoe lang|combien de temps|pendant combien|within what (?:time|period)|what time limit|"
                           r"hur snart|inom vilken tid|hoe snel|binnen welke termijn|quel délai)\b", re.I),
    # "How often…?": a frequency ("once a year", "at least twice", "jaarlijks").
    "frequency": re.compile(r"\b(how often|how frequently|how many times|hur ofta|hur många gånger|hoe vaak|"
                            r"hoe dikwijls|à quelle fréquence|combien de fois)\b", re.I),
    # "What were the specific objectives …?", "Vilka är målen …?": several
    # things, which a lead-in and its list give.
    "list": re.compile(r"^\W*(?:what|which)\s+(?:are|were)\s+(?:the\s+)?(?:[^\W\d_]+\s+){0,2}[^\W\d_]+s\b|"
                       r"^\W*(?:vilka\s+(?:är|var)|wat\s+(?:zijn|waren)|welke\s+(?:zijn|waren)|quels\s+sont|"
                       r"quelles\s+sont)\b", re.I),
    # "Which period?": the answering sentence must name a year range.
    "period": re.compile(r"\b(which|what|vilken|welke|quelle)\s+(?:(?:is|was|est|är|var)\s+)?(?:the\s+|la\s+|de\s+)?"
                         r"(?:programme\s+|programming\s+|eligibility\s+)?(period|programperiod|programmaperiode|"
                         r"période|periode)\b", re.I),
    # "Which years must the statements cover?": years, or a number of them.
    "years": re.compile(r"\b(?:which|what|vilka|welke|quelles?)\s+(?:[^\W\d_]+\s+)?(?:years|år|jaren|années)\b", re.I),
    "count": re.compile(r"\b(how many|number of|hur många|antal|combien de(?! temps)|hoeveel)\b", re.I),
    # "What page limit…?", "maximum grant", "plafond": the answer is a figure.
    "limit": re.compile(r"\b(limits?|maximum|minimum|ceilings?|thresholds?|weightings?|caps?|plafonds?|maximal\w*|minimal\w*|"
                        r"högsta|lägsta|maximaal|minimaal|maximale|minimale)\b", re.I),
    # "Where can hearings take place?": a place, or remotely / on site.
    # "Which Member State benefits …?", "Vilka länder …?": the answer names a country.
    "country": re.compile(r"\b(?:which|what|vilket|vilka|welk|welke|quels?|quelles?)\s+(?:member\s+states?|countr\w+|"
                          r"medlemsstat\w*|land|länder|lidstaten|lidstaat|landen|états?\s+membres?|pays)\b", re.I),
    "place": re.compile(r"\b(?:where|waar)\s+(?:can|may|must|should|do|does|is|are|will|shall|kan|kunnen|moet|"
                        r"moeten|mag|mogen|vindt|vinden|worden|wordt)\b|\boù\b|"
                        r"\bvar\s+(?:kan|ska|får|finns|hålls|sker|ligger)\b|\b(?:in|at) what (?:place|location|venue|city)\b",
                        re.I),
    "who": re.compile(r"\b(who|which (authority|body|ministry|organisation|organization)|vem|vilken myndighet|vilka|"
                      r"qui|wie|welke)\b", re.I),
    # "Which service is the responsible authority?": a body, which the
    # answering sentence names ("het Agentschap SZW"). A bare "who" is often
    # answered by a role ("the managing authority", "tredjelandsmedborgare").
    "agent": re.compile(r"\b(?:which|what|vilken|vilket|welke|welk|quel|quelle)\s+"
                        r"(?:authority|body|ministry|organisation|organization|service|department|agency|office|"
                        r"administration|myndighet|instans|avdelning|departement|instantie|organisatie|dienst|"
                        r"ministerie|afdeling|agentschap|autorité|organisme|ministère|direction|bureau|agence)\b", re.I),
    # "Vem är generaldirektör …?", "Who is Latvia's Minister of the Interior?":
    # a person holding an office, by name.
    "person": re.compile(r"\b(?:who|vem|wie|qui)\s+(?:is|was|are|är|var|est|était)\s+(?:the\s+|de\s+|le\s+|la\s+)?"
                         r"(?:[^\W\d_]+(?:['’]s)?\s+)?(?:director\w*|chair\w*|president|minister|head|"
                         r"generaldirektör\w*|ordförande\w*|chef\w*|myndighetschef\w*|voorzitter|directeur\w*|"
                         r"président\w*|ministre)\b", re.I),
}


LIMIT_OF_KIND = re.compile(r"\b(?:minimum|maximum|minimal|maximal|högsta|lägsta|maximaal|minimaal|maximale|minimale)\s+"
                            r"(?:[^\W\d_]+\s+)?(?:percent\w*|percentages?|shares?|rates?|amounts?|sums?|andel\w*|"
                            r"procent\w*|belopp\w*|aandeel|percentage|bedrag\w*|pourcentage|montant)\b", re.I)


# "How much money does the Fund have …?" asks for a sum: a share ("35 % for
# asylum") does not answer it, as it may "How much of the facility …?".
_HOW_MUCH_MONEY = re.compile(r"\b(?:how much|hur mycket|hoeveel|combien d['’])\s*(?:money|funding|funds|pengar|medel|"
                             r"geld|middelen|subsidie|argent|financement|crédits)\b", re.I)


# "What share of its allocation …?": the allocation is what the share is of;
# the answer is a share, which a sentence of amounts ("€6.270 billion is
# allocated to …") does not give.
_SHARE_OF = re.compile(r"\b(?:share|percentage|proportion|andel(?:en)?|aandeel|pourcentage|part)\s+(?:of|av|van|de|du|des)\s+"
                       r"(?:the\s+|its\s+|their\s+|a\s+|an\s+|het\s+|de\s+|la\s+|le\s+|l['’]\s*|sa\s+|son\s+|ses\s+|"
                       r"dess\s+|sin\s+|zijn\s+|haar\s+)?(?:[^\W\d_]+\s+)?"
                       r"(?:budget\w*|allocation|amount|financial envelope|envelope|tilldelning\w*|belopp\w*|"
                       r"toewijzing|bedrag\w*|montant|enveloppe|dotation)\b", re.I)


def wants(question: str) -> set[str]:
    """The kinds of fact ``question`` asks for; its statements ("Our budget is €180,000.") ask for none."""
    asked = asking_sentences(question)
    named = {name for name, rx in WANTS.items() if rx.search(asked)}
    if FRACTION.search(asked):
        named.add("how_much")  # "more than a third of its money …?": a share, or the sums it is of
    if _HOW_MUCH_MONEY.search(asked):
        named = (named - {"how_much"}) | {"amount"}
    elif "percent" in named and _SHARE_OF.search(asked):
        named.discard("amount")
    return named


_COUNTED = re.compile(r"\b(?:how many|hur många|hoeveel|combien d[e'’]|number of|antal(?:et)?)\s+([^\W\d_][\w-]*)", re.I)


def counted_word(question: str) -> str:
    """The noun a "how many …" question counts ("projects"), or ''."""
    m = _COUNTED.search(question)
    return m.group(1).casefold() if m else ""


_DURATION = re.compile(
    r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|eighteen|twenty|thirty|"
    r"sixty|ninety|en|ett|två|tre|fyra|fem|sex|sju|åtta|nio|tio|tolv|tretton|femton|arton|tjugo|trettio|sextio|nittio|"
    r"één|een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twaalf|dertien|vijftien|achttien|twintig|dertig|zestig|"
    r"negentig|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|douze|treize|quinze|dix-huit|vingt|trente|soixante|"
    r"quatre-vingt-dix)\b)[\s()\d-]{0,6}"
    r"(?:calendar\s+|working\s+|business\s+)?(?:hours?|days?|weeks?|months?|years?|timmar|dagar|veckor|månader|år|uur|"
    r"dagen|weken|maanden|jaar|jaren|heures?|jours?|semaines?|mois|ans|années?)\b", re.I)


# "only one LEAR", "a single application", "ett ansökningstillfälle": one of
# the counted things. "one" alone is no count ("one of the objectives").
_ONE_OF = re.compile(r"\b(?:only one|one|a single|just one|bara en|bara ett|en enda|ett enda|slechts één|één|"
                     r"un seul|une seule)\s+([^\W\d_][\w-]*)(?:\s+([^\W\d_][\w-]*))?", re.I)


def _one_of(sent: str, counted: Unit | None) -> bool:
    if counted is None or counted.concept is not None or len(counted.token) < 3:
        return False
    # The thing counted, or one word on ("one eligible project").
    return any((w or "").casefold().startswith(counted.token) for m in _ONE_OF.finditer(sent) for w in m.groups())


_FREQUENCY = re.compile(r"\b(?:once|twice|thrice|annually|annual|yearly|every|each year|per year|a year|quarterly|"
                        r"monthly|weekly|daily|times|en gång|två gånger|årligen|årlig|varje år|per år|jaarlijks|"
                        r"per jaar|elk jaar|keer|chaque année|par an|annuel\w*|fois|semestriel\w*)\b", re.I)
# "in Brussels", "at the Commission's premises", "remotely or on site", "på plats".
_PLACE = re.compile(r"\b(?:in|at|i|à|au|te|in de|op)\s+(?!(?:Article|Annex|Regulation|Chapter|Section|Part|Table|"
                    r"Artikel|Bilaga|Bijlage|Annexe|Point|Paragraph|EUR|January|February|March|April|May|June|July|"
                    r"August|September|October|November|December)\b)[A-ZÅÄÖÉ][^\W\d_]+|"
                    r"\b(?:remotely|on[- ]site|online|in person|on the premises|på distans|på plats|digitalt|"
                    r"op afstand|op locatie|à distance|sur place|en ligne)\b")
_YEARS_WORD = re.compile(r"\b(?:years|år|jaren|années|ans)\b", re.I)


# Capitalised words that name no body: sentence openers, funds, acts, the Union.
_NOT_A_NAME = frozenset("""
eu eur euro union european member members state states article articles annex regulation regulations directive
decision chapter section paragraph point the this that these those in on for of by and or if where when amif isf bmvi
fami fsi fund funds fonds fonden programme program cpr tfeu teu oj
""".split())
# Inside a sentence, or at the start of any line but its first.
_PROPER = re.compile(r"(?:(?<=[^\W\d_][\s,(‘'\"«])|(?<=\n))([A-ZÅÄÖÉ][\w-]+|[A-Z]{2,}[\w-]*)")


def _names_someone(sent: str, asked: frozenset[str]) -> bool:
    """Whether ``sent`` names a body or person other than those the question names (a capitalised word inside it)."""
    return any(w.casefold() not in _NOT_A_NAME and w.casefold() not in asked for w in _PROPER.findall(sent))


# A person's name: two capitalised words in a row, neither a word institutions
# are named with ("Managing Authority", "Ministry of Culture", "Action Plan").
_TWO_CAPITALISED = re.compile(r"\b([A-ZÅÄÖÉ][a-zåäöéèëüï]+)\s+([A-ZÅÄÖÉ][a-zåäöéèëüï]+)\b")
_INSTITUTION_WORDS = frozenset("""
european union commission council parliament court ministry minister department agency authority managing audit
delegated fund funds asylum migration integration national programme program action plan regulation interior
culture justice home affairs state states member office service board committee monitoring general directorate
republic kingdom government published press information the this
""".split())


def _names_a_person(sent: str, asked: frozenset[str]) -> bool:
    return any(not {a.casefold(), b.casefold()} & (_INSTITUTION_WORDS | asked)
               for a, b in _TWO_CAPITALISED.findall(sent))


def cue_ok(want: str, sent: str, counted: Unit | None, words: Words, asked: frozenset[str] = frozenset()) -> bool:
    """Whether ``sent`` has the kind of fact the question wants (an amount, a date…)."""
    if want == "agent":
        return _names_someone(sent, asked)
    if want == "person":
        return _names_a_person(sent, asked)
    if want == "amount":
        return bool(AMOUNT.search(sent))
    if want == "how_much":
        return bool(AMOUNT.search(sent) or _PERCENT.search(sent))
    if want == "percent":
        return bool(_PERCENT.search(sent))
    if want == "date":
        # "By when…?" / "What is the deadline…?" is often answered by a time
        # limit ("within 3 months of the invitation") rather than a date.
        return bool(_DATE.search(sent) or _DURATION.search(sent))
    if want == "duration":
        return bool(_DURATION.search(sent))
    if want == "count":
        # "How many projects?" is answered by a number of projects, not by
        # any figure (a budget sentence must not answer it).
        # An amount of money is not a count either ("€10,000 for each person").
        return (has_quantity(AMOUNT.sub(" ", sent)) and (counted is None or covers(counted, words))) or \
            _one_of(sent, counted)
    if want == "limit":
        return has_quantity(sent)
    if want == "years":
        return bool(YEAR.search(sent) or _YEARS_WORD.search(sent))
    if want == "list":
        return "\n" in sent.strip() and bool(re.search(r":\s*\n", sent))
    if want == "frequency":
        return bool(_FREQUENCY.search(sent))
    if want == "country":
        return words.names_country
    if want == "place":
        return bool(_PLACE.search(sent))
    if want == "period":
        # "2014-2020", or "from 1 January 2014 to 31 December 2020".
        return bool(_YEAR_RANGE.search(sent) or _DATE_SPAN.search(sent))
    return True


FIGURE_WANTS = frozenset({"amount", "how_much", "count"})


def asks_for_figure(question: str) -> bool:
    """Whether ``question`` asks for an amount or a count ("How much …?", "What was Latvia's allocation?")."""
    return bool(wants(question) & FIGURE_WANTS)
