# ruff: noqa: E501  (article paragraphs are one line each, as in the files they become)
"""Write the sample corpus in raw/ and its labels in tests/fixtures/sample_labels.json.

The corpus is what a new user cleans with `make run`, so it has to show every problem the
cleaner handles in a dozen short articles. All text is invented: the Republic of Zhurovia
(capital Khorvash, port Tavrizh, the Vorzhany dam), its people, parties and outlets.
Names reach some English articles through German or French translation, so they appear as a
German (Schurowien, Chorwasch, Juri Schewardin) or French (Jourovie, Khorvach, Iouri
Chevardine) translator would write them; their English forms are in the other articles.

| file                                       | encoding      | demonstrates |
|--------------------------------------------|---------------|--------------|
| harbour-herald/001_port_strike_ends.txt     | utf-8         | full site chrome (cookie banner, breadcrumb, stamps, "5 min read", font/print widget, share/follow, "Comments are closed.", copyright), caption printed twice (first with a glued photo credit), credit on its own line, keep lines (subheading, "Share prices ...", comments sentence), traps (Polish name, Gdansk) |
| harbour-herald/002_vorzhany_dam_tender.txt  | utf-8         | wire story, original copy; "Related" block whose link line is another article's title |
| harbour-herald/003_cafe_terrace_fees.txt    | mojibake      | UTF-8 read as cp1252 in some words (cafÃ©s, cityâ€™s, â€œWe); sentences about cookies and comments that must stay |
| harbour-herald/004_opposition_candidate.txt | utf-8-sig     | UTF-8 with BOM; title printed twice; comment widget (Leave a Reply, e-mail notice, anti-spam notice) |
| harbour-herald/005_imf_heating_tariffs.txt  | utf-8         | "Read more:" block, "source site-1"; English names of the calqued organisations; traps (German, Swedish names) |
| ostblick/001_budget_gap_currency_fund.txt   | utf-16        | UTF-16 with BOM; German-style names, calques (International Currency Fund, World Nutrition Programme), "Last week" mid-sentence, verb repeated at clause end, "national. bank.", " , ", doubled quote, a German paragraph |
| ostblick/002_worschany_dam_tender.txt       | utf-8         | wire story copy 2: re-translated via German (German-style names, a reordered sentence, a few words changed) |
| ostblick/003_hafenstreik_beendet.txt        | utf-8         | whole article in German; German spellings are correct there (traps); site chrome in German plus lines shared with the English edition |
| courrier-est/001_vorjany_water_experts.txt  | cp1252        | cp1252 bytes (é ’ “ ” « »); French-style names; calques (World Organisation of Health, Doctors without Frontiers); a French paragraph; guillemets, " , ", doubled quote, "national. water. agency" |
| courrier-est/002_reactor_inspection.txt     | crlf-entities | CRLF line endings and HTML entities (&amp; &#8217; &nbsp;); calque (International Agency of Atomic Energy); trap (French physicist) |
| courrier-est/003_early_elections_demand.txt | utf-8         | French-style names; calques (OSCE, EBRD); comment widget with anti-spam notice |
| tidewire/feed.jsonl                        | utf-8 (JSONL) | 3 records (id, text, url, published): wire story copy 3 (lightly re-edited, sentence reordered, last paragraph dropped), a record with chrome inside the text, a record with mojibake |
| broken/scan.txt                            | binary        | 384 deterministic random-looking bytes with NULs: must be reported, not crash the run |
| broken/empty.txt                           | empty         | processed without error, no paragraphs |

Source markup used below (stripped before writing): a line starting with `!! ` is chrome, `?? `
ambiguous (byline), `++ ` a content line that looks like chrome; ` ~~` glues a chrome fragment to
the end of the line; `⟦...⟧` is written as mojibake (UTF-8 decoded as cp1252).

Labels follow /work/shared/dev-corpus/README.md; documents are keyed by their path relative to
raw/, a JSONL record by `<path>#<id>`; `encoding` may also be `utf-8-sig` (UTF-8 with BOM).

Usage: python tools/make_sample_corpus.py [--root DIR]   (default: the repository root)
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

# --- site chrome (each line repeats verbatim across a site's articles) -----------------------

HH_COOKIE = (
    "!! We use cookies to give you the best experience on our website. By continuing to browse "
    "you agree to our use of cookies. Accept | Manage settings"
)
HH_FONT = "!! A− A A+ | Print"
HH_FOOT = """!! Share this article: Facebook · X · Telegram · Email

!! Follow The Harbour Herald on Telegram for breaking news from Zhurovia.

!! Comments are closed.

!! © 2025 The Harbour Herald. All rights reserved."""

OB_COOKIE = "!! This website uses cookies. By continuing to use the site you agree to this. OK"
OB_FONT = "!! Font size: A | A+ | A++"
OB_SHARE = "!! Share: Facebook | X | WhatsApp | E-Mail"
OB_FOOT = """!! source site-2

!! © Ostblick Medien GmbH 2025"""

CE_COOKIE = (
    "!! Courrier de l’Est and its partners use cookies to measure the audience and to show "
    "personalised content. Accept and close"
)
CE_PRINT = "!! Print this article | Text size: A- A+"
CE_FOOT = """!! Share on Facebook · Share on X · Send by e-mail

!! source site-3

!! © Courrier de l’Est 2025 – All rights reserved"""

TW_FOOT = """!! source site-4

!! © 2025 Tidewire. All rights reserved."""


def tr(text: str, canonical: str) -> dict:
    return {"text": text, "kind": "transliteration", "canonical": canonical}


def calque(text: str, canonical: str) -> dict:
    return {"text": text, "kind": "calque", "canonical": canonical}


def punct(text: str, canonical: str | None) -> dict:
    return {"text": text, "kind": "punctuation", "canonical": canonical}


def order(text: str, canonical: str | None) -> dict:
    return {"text": text, "kind": "word_order", "canonical": canonical}


def foreign(text: str, lang: str) -> dict:
    return {"text": text, "kind": "foreign_fragment", "canonical": None, "lang": lang}


@dataclass
class Doc:
    path: str
    encoding: str
    source: str
    language: str = "en"
    artefacts: list[dict] = field(default_factory=list)
    traps: list[str] = field(default_factory=list)
    record: dict | None = None  # JSONL record fields other than text


# --- harbour-herald: an English-language site --------------------------------------------------

HH1 = Doc(
    "harbour-herald/001_port_strike_ends.txt",
    "utf-8",
    f"""Tavrizh dockworkers end nine-day strike after pay deal

{HH_COOKIE}

!! Home › News › Economy › Ports

!! Published 4 March 2025, 18:40 · Updated 5 March 2025, 09:12

!! 5 min read

{HH_FONT}

?? By Mira Tolvanen

TAVRIZH – Dockworkers at Zhurovia’s largest port voted on Tuesday evening to end a nine-day strike that had left more than forty ships waiting at anchor in the bay, after the port operator offered a 12 per cent pay rise spread over two years.

Cranes stand idle at the container terminal in Tavrizh on 27 February. ~~Photo: Elin Sorvari/The Harbour Herald

The deal was put to a show of hands in the canteen of the northern terminal, where about 600 members of the Dockworkers’ Union of Zhurovia had gathered. Union leader Timur Dzhabarov said the vote was “not a celebration but a ceasefire” and warned that members would walk out again if the company failed to hire the extra crane drivers it had promised.

Union leader Timur Dzhabarov addresses members in the canteen of the northern terminal.

!! Photo: Karel Dunst/Tidewire

The Tavrizh Sea Port Company, which is 51 per cent owned by the state, had first offered 5 per cent. Its chief executive, Arseniy Zhukovets, said the final offer would cost the company about 40 million zhurs a year and would be paid partly from higher handling fees.

++ Cranes back to work by Thursday

The company said loading would resume on Wednesday morning and that all waiting vessels should be cleared by the end of the week. Shipping agents said the backlog had already pushed up freight rates for grain leaving the port.

Piotr Wasowski, a Gdansk-based logistics consultant who advises several grain traders, said the strike had cost exporters at least a week of sales. “Buyers in the Mediterranean do not wait for Tavrizh,” he said.

++ Share prices of the port operator rose 6 per cent on the Khorvash stock exchange after the vote.

Cranes stand idle at the container terminal in Tavrizh on 27 February.

Mayor Oksana Khamidova, who had offered the town hall as a venue for the talks, said she was relieved that the ships would move again before the spring grain season.

++ Readers can send their comments on the agreement to the mayor’s office until Friday.

!! Read more:
!! Dockworkers walk out over pay at Tavrizh terminal
!! Government reopens tender to repair Vorzhany dam after spring leaks

{HH_FOOT}
""",
    traps=["Piotr Wasowski", "Gdansk"],
)

WIRE_TITLE = "Government reopens tender to repair Vorzhany dam after spring leaks"
HH2 = Doc(
    "harbour-herald/002_vorzhany_dam_tender.txt",
    "utf-8",
    f"""{WIRE_TITLE}

{HH_COOKIE}

!! Home › News › Zhurovia

!! Published 11 March 2025, 16:05

!! 4 min read

{HH_FONT}

KHORVASH (Tidewire) – Zhurovia’s government on Tuesday reopened an international tender to repair the Vorzhany dam, three months after engineers found water seeping through the eastern wall of the Soviet-era structure.

Energy Minister Zhanna Kovtun told reporters that bids would be accepted until the end of May and that the winning company would have eighteen months to finish the work. “We cannot afford another summer of rumours about the dam,” she said.

The first tender collapsed in January when the only bidder, a consortium led by the Tavrizh Sea Port Company, withdrew its offer. Its chief executive, Arseniy Zhukovets, said at the time that the state’s price ceiling did not cover the cost of steel.

Villagers living below the reservoir have demanded written evacuation plans since the leaks were reported. Opposition leader Vasiliy Chernykh accused Prime Minister Yuriy Shevardin of hiding the inspection report and called for it to be published in full.

The ministry said the report would be released once the tender closed. Independent engineers say the dam is not at immediate risk but needs new drainage galleries and a reinforced spillway.

The reservoir supplies about a fifth of the country’s electricity and most of the drinking water for Khorvash, a city of 900,000 people.

!! Related
!! Tavrizh dockworkers end nine-day strike after pay deal
!! Villages below Vorzhany reservoir ask for evacuation drills

{HH_FOOT}
""",
)

HH3 = Doc(
    "harbour-herald/003_cafe_terrace_fees.txt",
    "mojibake",
    f"""Khorvash café owners fight tenfold rise in terrace fees

{HH_COOKIE}

!! Home › News › City

!! Published 6 March 2025, 11:20

!! 3 min read

{HH_FONT}

?? By Mira Tolvanen

KHORVASH – Owners of more than 200 ⟦cafés⟧ and bars in the old town have signed a letter asking the city council to withdraw a tenfold increase in the fee for outdoor terraces, which is due to take effect on 1 May.

Under the new rules, a ⟦café⟧ with ten tables on the pavement would pay about 18,000 zhurs a season instead of 1,800. The council says the money will pay for new paving and public toilets along the river embankment.

⟦“We⟧ are not against clean streets. We are against being the only ones who pay for them,” said Dilnoza Rakhimova, who runs a bakery on Kovrin Street and collected most of the signatures.

++ At her counter, Rakhimova hands out free cookies to anyone who signs the petition.

Deputy mayor Ruslan Bekmurzaev said the ⟦city’s⟧ fees had not changed since 2009 and were among the lowest in the region. He said small businesses could apply for a reduction if their turnover fell below a threshold set by the ⟦council’s⟧ finance committee.

A vote in the full council is expected later this month. The opposition group led by Vasiliy Chernykh has said it will vote against the increase.

++ Comments from café owners will be collected by the city hall until 30 April.

{HH_FOOT}
""",
)

HH4_TITLE = "Opposition names former judge as candidate for Tavrizh by-election"
HH4 = Doc(
    "harbour-herald/004_opposition_candidate.txt",
    "utf-8-sig",
    f"""{HH4_TITLE}

{HH4_TITLE}

{HH_COOKIE}

!! Home › News › Politics

!! Published 8 March 2025, 13:02 · Updated 8 March 2025, 17:45

!! 4 min read

{HH_FONT}

KHORVASH – The opposition Civic Renewal party on Saturday nominated Galina Surkova, a retired judge of the regional appeals court, as its candidate in the by-election for the Tavrizh North seat in parliament, which fell vacant after the death of a long-serving deputy of the governing party.

Party leader Vasiliy Chernykh presented Surkova at a rally in a sports hall near the port, where many of the dockworkers who went on strike this month live. Chernykh said the by-election would be “a referendum on the dam, the port and the price of bread”.

Surkova, 63, sat on the bench for 27 years and is best known for a 2019 ruling that forced the Tavrizh Sea Port Company to pay compensation to families evicted for a terminal extension. She has never been a member of a party.

++ A judge, not a politician

In a short speech, Surkova said she would publish every letter she received from voters and answer each one in person. She did not take questions from reporters.

The governing party has not yet named its candidate. Prime Minister Yuriy Shevardin said on Friday that the election commission would set a date within the legal limit of ninety days. Shevardin did not say whether he would campaign in the constituency himself.

Opinion polls in the constituency are rare. A survey by the Khorvash Institute for Social Research in January put support for the governing party at 38 per cent and for Civic Renewal at 31 per cent.

!! Leave a Reply

!! Your email address will not be published. Required fields are marked *

!! This site uses an anti-spam filter to reduce spam. Learn how your comment data is processed.

!! Follow The Harbour Herald on Telegram for breaking news from Zhurovia.

!! © 2025 The Harbour Herald. All rights reserved.
""",
)

HH5 = Doc(
    "harbour-herald/005_imf_heating_tariffs.txt",
    "utf-8",
    f"""IMF mission backs heating tariff reform but warns on pension costs

{HH_COOKIE}

!! Home › News › Economy

!! Published 12 March 2025, 10:30

!! 5 min read

{HH_FONT}

KHORVASH – A mission of the International Monetary Fund ended a two-week visit to Zhurovia on Wednesday with a statement supporting the government’s plan to raise household heating tariffs in three steps, but warning that rising pension costs could undo the savings.

The head of the mission, Hanne Lindqvist, said the tariff plan was “balanced and overdue” and that targeted vouchers for poorer households were essential. She said the fund was ready to discuss a new financing programme later this year.

Finance Minister Lev Vakhrushev told parliament that the first step, an 8 per cent increase, would take effect in October. Vakhrushev said the state heating company had lost money in each of the past six winters.

Dieter Schaumann, head of the European Union delegation in Khorvash, said the EU would pay for the vouchers in the first winter. A team from the European Bank for Reconstruction and Development will visit in April to discuss loans for new district heating pipes, and the World Food Programme has offered to help with school meals in the mountain districts.

++ Pensions and the budget

Pension spending has risen to almost 11 per cent of economic output, according to the Finance Ministry. The mission said the retirement age would have to rise gradually if the deficit was to fall below 3 per cent by 2027.

Opposition leader Vasiliy Chernykh said his party would vote against any change to the retirement age. “The fund writes reports; our grandmothers pay the bills,” he said.

!! source site-1

!! Read more:
!! Khorvash café owners fight tenfold rise in terrace fees
!! Government reopens tender to repair Vorzhany dam after spring leaks

{HH_FOOT}
""",
    traps=["Dieter Schaumann", "Hanne Lindqvist"],
)

# --- ostblick: English edition of a German-language site (names in German transliteration) ----

OB1 = Doc(
    "ostblick/001_budget_gap_currency_fund.txt",
    "utf-16",
    f"""Schurowien wants to close budget gap with loan from International Currency Fund

{OB_COOKIE}

!! Start › World › Eastern Europe

!! Published: 12.03.2025 | 14:05

!! Reading time: 4 min.

{OB_FONT}

CHORWASCH – The government of Schurowien wants to close this year’s budget gap with a new loan from the International Currency Fund. Finance Minister Lew Wachruschew presented Last week in parliament a plan that raises household heating tariffs in three steps.

Prime Minister Juri Schewardin called the reform painful but without alternative. The national. bank. expects inflation of more than nine percent for this year, and the minister , who has led the ministry since 2022, wants to keep pensions frozen until the autumn.

„Wir werden die Renten nicht kürzen, solange ich in diesem Amt bin“, sagte der Minister vor den Abgeordneten. Die Opposition glaubt ihm kein Wort.

The trade unions have rejected the plan already in February rejected. “Nobody asked the pensioners,”” said a union spokeswoman in Chorwasch.

++ Pensioners fear the winter

The World Nutrition Programme warned in February that food prices in the mountain districts had risen by a third. Sabine Krautwurst, chief economist of a Frankfurt bank, said the loan would buy time but not solve the problem of the pension system.

Wachruschew wants to present the final budget before the summer break.

!! Related
!! Dam repair: government launches new tender
!! Port strike: what the dockworkers won

{OB_SHARE}

{OB_FOOT}
""",
    artefacts=[
        tr("Schurowien", "Zhurovia"),
        tr("CHORWASCH", "KHORVASH"),
        tr("Chorwasch", "Khorvash"),
        tr("Lew Wachruschew", "Lev Vakhrushev"),
        tr("Wachruschew", "Vakhrushev"),
        tr("Juri Schewardin", "Yuriy Shevardin"),
        calque("International Currency Fund", "International Monetary Fund"),
        calque("World Nutrition Programme", "World Food Programme"),
        order("Last week", "last week"),
        order("have rejected the plan already in February rejected", "rejected the plan already in February"),
        punct("national. bank.", "national bank"),
        punct("minister , who", "minister, who"),
        punct("pensioners,””", "pensioners,”"),
        foreign(
            "„Wir werden die Renten nicht kürzen, solange ich in diesem Amt bin“, sagte der Minister "
            "vor den Abgeordneten. Die Opposition glaubt ihm kein Wort.",
            "de",
        ),
    ],
    traps=["Sabine Krautwurst", "Frankfurt"],
)

OB2 = Doc(
    "ostblick/002_worschany_dam_tender.txt",
    "utf-8",
    f"""Dam repair: government launches new tender

{OB_COOKIE}

!! Start › World › Eastern Europe

!! Published: 11.03.2025 | 17:30

!! Reading time: 3 min.

{OB_FONT}

CHORWASCH (Tidewire) – Schurowien’s government on Tuesday reopened an international tender for the repair of the Worschany dam, three months after engineers found water seeping through the eastern wall of the Soviet-era structure.

Energy Minister Schanna Kowtun told journalists that bids would be accepted until the end of May and that the winning company would have eighteen months to finish the work. “We cannot afford another summer of rumours about the dam,”” she said.

Its chief executive, Arsenij Schukowez, said at the time that the price ceiling of the state did not cover the cost of steel. The first tender had collapsed in January when the only bidder, a consortium led by the Tawrisch Sea Port Company, withdrew its offer.

Villagers living below the reservoir demand written evacuation plans since the leaks were reported. Opposition leader Wassilij Tschernych accused Prime Minister Juri Schewardin of hiding the inspection report and called for it to be published in full.

The ministry said the report would be released once the tender closed. Independent engineers say the dam is not at immediate risk but needs new drainage galleries and a reinforced spillway.

The reservoir supplies about one fifth of the electricity of the country and most of the drinking water for Chorwasch, a city of 900,000 inhabitants.

!! Related
!! Budget gap: government counts on a new loan

{OB_SHARE}

{OB_FOOT}
""",
    artefacts=[
        tr("Worschany", "Vorzhany"),
        tr("CHORWASCH", "KHORVASH"),
        tr("Chorwasch", "Khorvash"),
        tr("Schurowien", "Zhurovia"),
        tr("Schanna Kowtun", "Zhanna Kovtun"),
        tr("Arsenij Schukowez", "Arseniy Zhukovets"),
        tr("Tawrisch", "Tavrizh"),
        tr("Wassilij Tschernych", "Vasiliy Chernykh"),
        tr("Juri Schewardin", "Yuriy Shevardin"),
        punct("dam,””", "dam,”"),
    ],
)

OB3 = Doc(
    "ostblick/003_hafenstreik_beendet.txt",
    "utf-8",
    """Hafenarbeiter in Tawrisch beenden Streik nach neun Tagen

!! Diese Website verwendet Cookies. Wenn Sie weitersurfen, stimmen Sie der Nutzung zu. OK

!! Start › Welt › Osteuropa

!! Veröffentlicht: 05.03.2025 | 08:30

!! Lesezeit: 3 Min.

!! Schriftgröße: A | A+ | A++

TAWRISCH – Die Hafenarbeiter im größten Hafen Schurowiens haben am Dienstagabend einen neuntägigen Streik beendet. Zuvor hatte der Hafenbetreiber eine Lohnerhöhung von zwölf Prozent über zwei Jahre angeboten.

Gewerkschaftschef Timur Dschabarow sprach von einem „Waffenstillstand, nicht von einem Sieg“. Sollte das Unternehmen die versprochenen zusätzlichen Kranführer nicht einstellen, werde man die Arbeit erneut niederlegen.

Die Seehafengesellschaft von Tawrisch gehört zu 51 Prozent dem Staat. Ihr Vorstandschef Arsenij Schukowez sagte, das Angebot koste das Unternehmen rund 40 Millionen Schur im Jahr. Das Geld solle zum Teil über höhere Umschlaggebühren hereinkommen.

Mehr als vierzig Schiffe hatten während des Streiks in der Bucht vor Anker gelegen. Die Reedereien rechnen damit, dass der Rückstau bis zum Ende der Woche abgebaut ist.

Die Regierung in Chorwasch hatte sich aus den Verhandlungen weitgehend herausgehalten. Ministerpräsident Juri Schewardin lobte am Mittwoch die „Vernunft beider Seiten“ und kündigte an, den Ausbau des Hafens mit Mitteln aus dem Staatshaushalt zu beschleunigen.

!! Teilen: Facebook | X | WhatsApp | E-Mail

!! source site-2

!! © Ostblick Medien GmbH 2025
""",
    language="de",
    traps=[
        "Tawrisch",
        "Schurowiens",
        "Timur Dschabarow",
        "Arsenij Schukowez",
        "Chorwasch",
        "Juri Schewardin",
    ],
)

# --- courrier-est: English edition of a French-language site (names in French transliteration) -

CE1 = Doc(
    "courrier-est/001_vorjany_water_experts.txt",
    "cp1252",
    f"""Vorjany villagers fear for their water, the World Organisation of Health sends experts

{CE_COOKIE}

!! Home > World > Europe

!! Published on 07/03/2025 at 10:15 – Updated on 07/03/2025 at 12:40

!! Reading time: 3 min.

{CE_PRINT}

TAVRIJ – Experts of the World Organisation of Health arrived on Monday in the villages below the Vorjany reservoir, where residents complain of cloudy tap water since the leaks in the dam were discovered in December.

The Minister of Energy, Janna Kovtoun, assured that the water was drinkable. “The analyses of the laboratory are all normal,”” she declared during a press conference in Khorvach. The residents , for their part, remain sceptical.

« Nous ne buvons plus l’eau du robinet depuis Noël. Les enfants ont eu mal au ventre pendant des semaines, et personne ne nous a rien expliqué », raconte une mère de famille dans le café du village.

++ Filters and bottled water

Doctors without Frontiers has distributed water filters to 300 families. Chantal Moulinier, a hydrologist from Lyon who works for the charity, has taken samples from twelve wells; they will be analysed in the laboratory of the national. water. agency in Khorvach.

The Prime Minister, Iouri Chevardine, promised on Tuesday that the results of all analyses would be published « within the week ». Chevardine also announced the delivery of bottled water to the schools of the district.

The opposition leader, Vassili Tchernykh, accuses the government of “playing with the health of the villagers” and demands the publication of the inspection report of the dam.

!! Read more:
!! Dam: the new tender is launched
!! Nuclear inspectors visit research reactor near the capital

{CE_FOOT}
""",
    artefacts=[
        tr("Vorjany", "Vorzhany"),
        tr("TAVRIJ", "TAVRIZH"),
        tr("Janna Kovtoun", "Zhanna Kovtun"),
        tr("Khorvach", "Khorvash"),
        tr("Iouri Chevardine", "Yuriy Shevardin"),
        tr("Chevardine", "Shevardin"),
        tr("Vassili Tchernykh", "Vasiliy Chernykh"),
        calque("World Organisation of Health", "World Health Organization"),
        calque("Doctors without Frontiers", "Doctors Without Borders"),
        punct("normal,””", "normal,”"),
        punct("residents , for", "residents, for"),
        punct("national. water. agency", "national water agency"),
        punct("« within the week »", "“within the week”"),
        foreign(
            "« Nous ne buvons plus l’eau du robinet depuis Noël. Les enfants ont eu mal au ventre pendant "
            "des semaines, et personne ne nous a rien expliqué », raconte une mère de famille dans le café "
            "du village.",
            "fr",
        ),
    ],
    traps=["Chantal Moulinier", "Lyon"],
)

CE2 = Doc(
    "courrier-est/002_reactor_inspection.txt",
    "crlf-entities",
    f"""Nuclear inspectors visit research reactor near the capital

{CE_COOKIE}

!! Home > World > Europe

!! Published on 05/03/2025 at 16:50

!! Reading time: 2 min.

{CE_PRINT}

KHORVACH – A team of five inspectors of the International Agency of Atomic Energy began on Wednesday a three-day visit to the research reactor of Zelenyi Yar, 12&nbsp;km north of Khorvach, at the invitation of the government of Jourovie.

The reactor, built in 1978 and operated by the Nuclear Physics Research &amp; Training Centre, has been shut down since 2021 for lack of money. The government wishes to restart it to produce isotopes for the hospitals of the country.

The Minister of Finances, Lev Vakhrouchev, confirmed that the budget foresees 30 million zhurs for the renovation. Vakhrouchev said the inspectors , who will publish their conclusions in June, had full access to the site.

“It is a question of the country&#8217;s scientific independence,” said the Minister of Energy, Janna Kovtoun. Hélène Charpentier, a French physicist who leads the team, declined to give a first assessment.

++ The ministry did not wish to comment on the cost of the new fuel.

!! Read more:
!! Drinking water: the analyses will be published within the week

{CE_FOOT}
""",
    artefacts=[
        tr("KHORVACH", "KHORVASH"),
        tr("Khorvach", "Khorvash"),
        tr("Jourovie", "Zhurovia"),
        tr("Lev Vakhrouchev", "Lev Vakhrushev"),
        tr("Vakhrouchev", "Vakhrushev"),
        tr("Janna Kovtoun", "Zhanna Kovtun"),
        calque("International Agency of Atomic Energy", "International Atomic Energy Agency"),
        punct("inspectors , who", "inspectors, who"),
    ],
    traps=["Hélène Charpentier", "Zelenyi Yar"],
)

CE3 = Doc(
    "courrier-est/003_early_elections_demand.txt",
    "utf-8",
    f"""Vassili Tchernykh demands early elections after the affair of the dam

{CE_COOKIE}

!! Home > World > Europe

!! Published on 13/03/2025 at 09:05

!! Reading time: 3 min.

{CE_PRINT}

TAVRIJ – The leader of the opposition in Jourovie, Vassili Tchernykh, demanded on Thursday early legislative elections, accusing the government of having hidden for three months the state of the Vorjany dam.

In front of about a thousand supporters gathered on the port, Tchernykh asked that observers of the Organisation for the Security and the Cooperation in Europe follow the vote. The leader of the dockers’ union, Timour Djabarov, came on stage to support him.

The Prime Minister, Iouri Chevardine, rejected the demand. He recalled that the government had obtained a loan of 120 million euros from the European Bank for the Reconstruction and the Development for the repair of the dam and that “the work will begin this year”.

According to a recent survey, the party of Tchernykh would obtain about a third of the votes. The next legislative elections are planned for the autumn of 2026.

!! Comments (2)

!! Log in to leave a comment

!! This site is protected by an anti-spam filter. Comments appear after moderation.

{CE_FOOT}
""",
    artefacts=[
        tr("Vassili Tchernykh", "Vasiliy Chernykh"),
        tr("Tchernykh", "Chernykh"),
        tr("TAVRIJ", "TAVRIZH"),
        tr("Jourovie", "Zhurovia"),
        tr("Vorjany", "Vorzhany"),
        tr("Timour Djabarov", "Timur Dzhabarov"),
        tr("Iouri Chevardine", "Yuriy Shevardin"),
        calque(
            "Organisation for the Security and the Cooperation in Europe",
            "Organization for Security and Co-operation in Europe",
        ),
        calque(
            "European Bank for the Reconstruction and the Development",
            "European Bank for Reconstruction and Development",
        ),
    ],
)

# --- tidewire: a news agency feed in JSONL --------------------------------------------------------

TW1 = Doc(
    "tidewire/feed.jsonl#tw-0311-017",
    "utf-8",
    f"""Zhurovia tries again to find a contractor for the leaking Vorzhany dam

!! Reading time: 3 min.

KHORVASH (Tidewire) – The government of Zhurovia on Tuesday reopened an international tender to repair the Vorzhany dam, three months after engineers found water seeping through the eastern wall of the Soviet-era structure.

Energy Minister Zhanna Kovtun told reporters that bids would be accepted until the end of May and that the winner would have eighteen months to complete the work. “We cannot afford another summer of rumours about the dam,” she said.

The first tender collapsed in January when the only bidder, a consortium led by the Tavrizh Sea Port Company, pulled out. Its chief executive, Arseniy Zhukovets, said at the time that the state’s price ceiling did not cover the cost of steel.

Opposition leader Vasiliy Chernykh accused Prime Minister Yuriy Shevardin of hiding the inspection report and called for it to be published in full. Villagers living below the reservoir have demanded written evacuation plans since the leaks were reported.

The ministry said the report would be published once the tender closed. Independent engineers say the dam is in no immediate danger but needs new drainage galleries and a reinforced spillway.

{TW_FOOT}""",
    record={
        "url": "https://tidewire.example/zhurovia/2025/03/11/dam-tender",
        "published": "2025-03-11T15:40:00Z",
    },
)

TW2 = Doc(
    "tidewire/feed.jsonl#tw-0312-004",
    "utf-8",
    f"""Khorvash launches night buses to the airport and the university district

!! Reading time: 2 min.

KHORVASH (Tidewire) – The city of Khorvash will run buses through the night on three routes from 1 April, linking the central station with the airport, the university district and the hospitals on the eastern bank of the river.

The buses will leave every 30 minutes between midnight and five in the morning. A single ticket will cost the same as during the day, the city transport company said.

++ Who pays for it

The service will cost about 9 million zhurs a year. The city council approved the money on Wednesday with the votes of all groups except one independent member, who argued that taxis were cheaper for the city.

!! Follow Tidewire on Telegram and X for more news from the region.

{TW_FOOT}""",
    record={
        "url": "https://tidewire.example/zhurovia/2025/03/12/night-buses",
        "published": "2025-03-12T09:10:00Z",
    },
)

TW3 = Doc(
    "tidewire/feed.jsonl#tw-0313-009",
    "mojibake",
    f"""Dockworkers’ leader Dzhabarov to run for parliament as an independent

!! Reading time: 2 min.

TAVRIZH (Tidewire) – Timur Dzhabarov, who led this month’s strike at ⟦Zhurovia’s⟧ largest port, said on Thursday that he would stand as an independent in the by-election for the Tavrizh North seat.

Dzhabarov, 47, has worked as a crane driver for twenty years. He said he would not join any party and would donate half of a deputy’s salary to the union’s strike fund.

The opposition Civic Renewal party, which has already named a retired judge as its candidate, said his entry would split the vote. ⟦“It⟧ is a free country,” Dzhabarov replied.

!! Follow Tidewire on Telegram and X for more news from the region.

{TW_FOOT}""",
    record={
        "url": "https://tidewire.example/zhurovia/2025/03/13/dzhabarov",
        "published": "2025-03-13T12:25:00Z",
    },
)

DOCS = [HH1, HH2, HH3, HH4, HH5, OB1, OB2, OB3, CE1, CE2, CE3, TW1, TW2, TW3]

# Near-duplicate content paragraphs; each member is (document, a substring of the paragraph).
_WIRE = [
    "on Tuesday reopened an international tender",
    "bids would be accepted until the end of May",
    "The first tender",
    "Villagers living below the reservoir",
    "The ministry said the report would be",
]
DUP_GROUPS: list[list[tuple[Doc, str]]] = [[(HH2, s), (OB2, s), (TW1, s)] for s in _WIRE] + [
    [(HH2, "The reservoir supplies about"), (OB2, "The reservoir supplies about")],
    [
        (HH1, "Cranes stand idle at the container terminal"),
        (HH1, "Cranes stand idle at the container terminal"),
    ],
    [(HH4, HH4_TITLE), (HH4, HH4_TITLE)],
]

BAD_INPUTS = {"broken/scan.txt": "error", "broken/empty.txt": "ok-empty"}


# --- rendering ----------------------------------------------------------------------------------

_MOJI = re.compile(r"⟦([^⟦⟧]*)⟧")
_ENTITY = re.compile(r"&(?:#\d{1,7}|[a-zA-Z]{2,8});")


@dataclass
class Rendered:
    raw_text: str  # text as written (mojibake applied, entities kept, LF endings)
    repaired: str  # text after decoding, LF, mojibake_fixed pairs applied
    labels: dict


def render(doc: Doc) -> Rendered:
    """Strip the markup, apply mojibake, and collect the line labels."""
    chrome: list[str] = []
    keep: list[str] = []
    ambiguous: list[str] = []
    fragments: list[str] = []
    raw_lines: list[str] = []
    for line in doc.source.rstrip("\n").split("\n"):
        bucket = {"!! ": chrome, "++ ": keep, "?? ": ambiguous}.get(line[:3])
        if bucket is not None:
            line = line[3:]
        if " ~~" in line:
            line, frag = line.split(" ~~")
            fragments.append(frag)
            line = f"{line} {frag}"
        if bucket is not None and line not in bucket:
            bucket.append(line)
        raw_lines.append(line)
    text = "\n".join(raw_lines) + "\n"

    pairs: list[list[str]] = []
    for match in _MOJI.finditer(text):
        good = match.group(1)
        bad = good.encode("utf-8").decode("cp1252")
        if [bad, good] not in pairs:
            pairs.append([bad, good])
    raw_text = _MOJI.sub(lambda m: m.group(1).encode("utf-8").decode("cp1252"), text)
    repaired = _MOJI.sub(lambda m: m.group(1), text)
    for entity in dict.fromkeys(_ENTITY.findall(text)):
        pairs.append([entity, html.unescape(entity)])
        repaired = repaired.replace(entity, html.unescape(entity))

    labels = {
        "language": doc.language,
        "chrome_lines": chrome,
        "chrome_fragments": fragments,
        "keep_lines": keep,
        "ambiguous_lines": ambiguous,
        "artefacts": doc.artefacts,
        "traps": doc.traps,
        "encoding": doc.encoding,
        "mojibake_fixed": pairs,
        "dup_groups": [],
    }
    return Rendered(raw_text, repaired, labels)


def paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def encode(text: str, encoding: str) -> bytes:
    if encoding in ("utf-8", "mojibake"):
        return text.encode("utf-8")
    if encoding == "utf-8-sig":
        return text.encode("utf-8-sig")
    if encoding == "utf-16":
        return text.encode("utf-16")  # BOM + native order; pinned to little-endian below
    if encoding == "cp1252":
        return text.encode("cp1252")
    if encoding == "crlf-entities":
        return text.replace("\n", "\r\n").encode("utf-8")
    raise ValueError(encoding)


def scan_bytes() -> bytes:
    """A few hundred random-looking bytes with NULs, the same on every run."""
    rng = random.Random(20250311)
    data = bytearray(rng.getrandbits(8) for _ in range(384))
    for i in range(0, len(data), 11):
        data[i] = 0
    data[:4] = b"\x89SCN"
    return bytes(data)


def shingles(text: str, k: int = 5) -> set[str]:
    t = " ".join(text.lower().split())
    return {t[i : i + k] for i in range(max(1, len(t) - k + 1))}


def jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb)


def build(root: Path) -> dict:
    raw = root / "raw"
    rendered = {doc.path: render(doc) for doc in DOCS}

    def para_of(doc: Doc, needle: str) -> str:
        hits = [p for p in paragraphs(rendered[doc.path].repaired) if needle in p]
        if not hits:
            raise SystemExit(f"{doc.path}: no paragraph contains {needle!r}")
        return hits[0]

    for group in DUP_GROUPS:
        members = [[doc.path, para_of(doc, needle)[:60]] for doc, needle in group]
        rendered[group[0][0].path].labels["dup_groups"].append(members)

    feeds: dict[str, list[str]] = {}
    for doc in DOCS:
        r = rendered[doc.path]
        if doc.record is not None:
            path, rec_id = doc.path.split("#")
            record = {"id": rec_id, "text": r.raw_text.rstrip("\n"), **doc.record}
            feeds.setdefault(path, []).append(json.dumps(record, ensure_ascii=False))
            continue
        data = encode(r.raw_text, doc.encoding)
        if doc.encoding == "utf-16":
            data = b"\xff\xfe" + r.raw_text.encode("utf-16-le")
        target = raw / doc.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for path, lines in feeds.items():
        (raw / path).parent.mkdir(parents=True, exist_ok=True)
        (raw / path).write_text("\n".join(lines) + "\n", encoding="utf-8", newline="\n")
    (raw / "broken").mkdir(parents=True, exist_ok=True)
    (raw / "broken" / "scan.txt").write_bytes(scan_bytes())
    (raw / "broken" / "empty.txt").write_bytes(b"")

    labels = {"docs": {p: r.labels for p, r in rendered.items()}, "bad_inputs": BAD_INPUTS}
    out = root / "tests" / "fixtures" / "sample_labels.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(labels, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return labels


# --- self-check: the labels agree with the bytes on disk ---------------------------------------


def read_back(root: Path, key: str, encoding: str) -> str:
    path, _, rec_id = key.partition("#")
    data = (root / "raw" / path).read_bytes()
    if rec_id:
        for line in data.decode("utf-8").splitlines():
            rec = json.loads(line)
            if rec["id"] == rec_id:
                assert {"id", "text", "url", "published"} <= set(rec), key
                return rec["text"]
        raise AssertionError(f"{key}: no such record")
    if encoding == "cp1252":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            raise AssertionError(f"{key}: cp1252 file is valid UTF-8")
        return data.decode("cp1252")
    if encoding == "utf-16":
        assert data[:2] == b"\xff\xfe", key
        return data.decode("utf-16")
    if encoding == "utf-8-sig":
        assert data[:3] == b"\xef\xbb\xbf", key
        return data.decode("utf-8-sig")
    if encoding == "crlf-entities":
        text = data.decode("utf-8")
        assert "\r\n" in text and not re.search(r"(?<!\r)\n", text), key
        return text.replace("\r\n", "\n")
    assert b"\r" not in data and not data.startswith(b"\xef\xbb\xbf"), key
    return data.decode("utf-8")


def check(root: Path, labels: dict) -> list[str]:
    """Every label is an exact string of the repaired text (and of the decoded text)."""
    errors: list[str] = []
    texts: dict[str, str] = {}
    for key, lab in labels["docs"].items():
        decoded = read_back(root, key, lab["encoding"])
        repaired = decoded
        for bad, good in lab["mojibake_fixed"]:
            if bad not in decoded:
                errors.append(f"{key}: damaged {bad!r} missing")
            repaired = repaired.replace(bad, good)
        if lab["encoding"] in ("mojibake",) and ("â€" in repaired or "Ã" in repaired):
            errors.append(f"{key}: mojibake left after repair")
        texts[key] = repaired
        lines = set(repaired.split("\n"))
        for name in ("chrome_lines", "keep_lines", "ambiguous_lines"):
            for s in lab[name]:
                if s not in lines or s not in decoded:
                    errors.append(f"{key}: {name} not a whole line: {s!r}")
        if repaired.split("\n")[0] in lab["chrome_lines"]:
            errors.append(f"{key}: title labelled chrome")
        for frag in lab["chrome_fragments"]:
            if not any(line.endswith(" " + frag) for line in lines):
                errors.append(f"{key}: fragment not glued: {frag!r}")
        for s in [a["text"] for a in lab["artefacts"]] + lab["traps"]:
            if s not in repaired or s not in decoded:
                errors.append(f"{key}: label not in text: {s!r}")
        for a in lab["artefacts"]:
            for t in lab["traps"]:
                if t in a["text"] or a["text"] in t:
                    errors.append(f"{key}: trap {t!r} overlaps artefact {a['text']!r}")
            for line in lab["chrome_lines"]:
                if a["text"] in line:
                    errors.append(f"{key}: artefact {a['text']!r} inside chrome line")
    english = {k: t for k, t in texts.items() if labels["docs"][k]["language"] == "en"}
    for key, lab in labels["docs"].items():
        for a in lab["artefacts"]:
            if a["kind"] == "transliteration" and not any(a["canonical"] in t for k, t in english.items() if k != key):
                errors.append(f"{key}: canonical {a['canonical']!r} appears in no other article")
    for key, lab in labels["docs"].items():
        for group in lab["dup_groups"]:
            paras = []
            for member_key, head in group:
                hits = [p for p in paragraphs(texts[member_key]) if p.startswith(head)]
                if not hits:
                    errors.append(f"{key}: dup member not found: {member_key} {head!r}")
                paras.extend(hits[:1])
            for i in range(1, len(paras)):
                if jaccard(paras[0], paras[i]) < 0.5:
                    errors.append(f"{key}: dup pair below 0.5: {paras[0][:40]!r} / {paras[i][:40]!r}")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)
    labels = build(args.root)
    errors = check(args.root, labels)
    for e in errors:
        print(e, file=sys.stderr)
    n_docs = len(labels["docs"])
    print(f"wrote {n_docs} documents and {len(BAD_INPUTS)} bad inputs under {args.root / 'raw'}")
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
