"""The report as one HTML page: readable offline and printable, charts inline, a table next to every chart."""
from __future__ import annotations

from html import escape
from typing import Any

from wegwijzer.reporting.charts import bar_chart
from wegwijzer.reporting.privacy import HIDDEN, THRESHOLD

STYLE = """
:root { color: #1a1a1a; background: #fff; font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif;
        line-height: 1.5; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.8rem; margin-bottom: .25rem; }
h2 { font-size: 1.35rem; margin-top: 2.5rem; border-bottom: 2px solid #1f4e79; padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.note { background: #eef3f8; border-left: 4px solid #1f4e79; padding: .75rem 1rem; }
.pair { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.5rem; align-items: start;
        break-inside: avoid; }
@media (max-width: 50rem) { .pair { grid-template-columns: 1fr; } }
.chart { width: 100%; height: auto; max-width: 40rem; }
.chart text { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif !important; }
figure { margin: 0; }
figcaption { font-size: .95rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .25rem; }
th, td { border-bottom: 1px solid #c8c8c8; padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
dl.totals { display: grid; grid-template-columns: max-content max-content; gap: .2rem 1.5rem; }
dl.totals dd { margin: 0; font-weight: 600; text-align: right; }
@media print { body { max-width: none; padding: 0; } h2 { break-after: avoid; } .pair, table { break-inside: avoid; } }
"""

FUNNEL = (("conversations", "Gesprekken begonnen"), ("intakes_finished", "Vragen helemaal beantwoord"),
          ("referred", "Doorverwezen naar een organisatie"), ("contact_wanted", "Wilde contact met een adviseur"),
          ("consent", "Gaf toestemming"), ("handoffs", "Doorgegeven aan een adviseur"))


def _number(value: Any) -> str:
    return escape(str(value)) if value is not None else "–"


def _table(caption: str, rows: list[dict], heading: str) -> str:
    body = "".join(f'<tr><th scope="row">{escape(r["label"])}</th><td class="n">{_number(r["count"])}</td></tr>'
                   for r in rows)
    return (f'<table><caption>{escape(caption)}</caption><thead><tr><th scope="col">{escape(heading)}</th>'
            f'<th scope="col" class="n">Aantal</th></tr></thead><tbody>{body}</tbody></table>')


def _pair(key: str, title: str, rows: list[dict], heading: str, empty: str = "Nog geen gegevens.") -> str:
    """A chart and its table side by side (the table is what a screen reader reads)."""
    if not rows:
        return f"<h3>{escape(title)}</h3><p>{escape(empty)}</p>"
    chart = bar_chart(key, title, [r["label"] for r in rows], [r["count"] for r in rows])
    return (f'<h3>{escape(title)}</h3><div class="pair"><figure>{chart}'
            f'<figcaption>Grafiek: {escape(title.lower())}. De cijfers staan in de tabel.</figcaption></figure>'
            f'{_table(title, rows, heading)}</div>')


def _totals(pairs: list[tuple[str, Any]]) -> str:
    return '<dl class="totals">' + "".join(f"<dt>{escape(k)}</dt><dd>{_number(v)}</dd>" for k, v in pairs) + "</dl>"


def _period(figures: dict) -> str:
    start, end = figures["period"]["from"], figures["period"]["to"]
    if start and end:
        return f"van {start} tot en met {end}"
    if start:
        return f"vanaf {start}"
    if end:
        return f"tot en met {end}"
    return "alle gegevens tot nu"


def _funnel(figures: dict) -> str:
    funnel = figures["funnel"]
    rows = [{"label": label, "count": funnel[key]} for key, label in FUNNEL]
    return ("<h2>1. Bereik: van eerste bericht tot adviseur</h2>"
            "<p>Hoeveel ondernemers begonnen een gesprek, en hoeveel kwamen bij elke volgende stap. "
            "Dit zijn totalen: die tonen we altijd precies.</p>"
            + _pair("funnel", "Van gesprek tot adviseur", rows, "Stap")
            + _pair("stopped", "Gestopt bij deze vraag", funnel["stopped_at"], "Vraag")
            + "<p>Gestopt: de laatste vraag die Wegwijzer stelde in een gesprek dat daarna niet verder ging.</p>")


def _referrals(figures: dict) -> str:
    r = figures["referrals"]
    return (f"<h2>2. Doorverwijzingen</h2><p>In totaal <strong>{r['total']}</strong> keer verwees Wegwijzer een "
            "ondernemer naar een organisatie.</p>"
            + _pair("region", "Per regio", r["by_region"], "Regio")
            + _pair("municipality", "Per gemeente", r["by_municipality"], "Gemeente")
            + _pair("need", "Per hulpvraag", r["by_need"], "Hulpvraag")
            + _pair("sector", "Per sector", r["by_sector"], "Sector")
            + _pair("size", "Per grootte (aantal medewerkers)", r["by_size_band"], "Medewerkers")
            + _pair("channel", "Per kanaal", r["by_channel"], "Kanaal")
            + _pair("month", "Per maand", r["by_month"], "Maand"))


def _closed_loop(figures: dict) -> str:
    c = figures["closed_loop"]
    organisations = "".join(
        f'<tr><th scope="row">{escape(o["label"])}</th><td class="n">{_number(o["handoffs"])}</td>'
        f'<td class="n">{_number(o["accepted"])}</td><td class="n">{_number(o["contacted"])}</td>'
        f'<td class="n">{_number(o["closed"])}</td><td class="n">{_number(o["escalated"])}</td>'
        f'<td class="n">{_number(o["median_hours_to_accepted"])}</td>'
        f'<td class="n">{_number(o["median_hours_to_contacted"])}</td>'
        f'<td class="n">{_number(o["promised_working_days"])}</td>'
        f'<td class="n">{_number(o["contacted_in_time_percent"])}</td></tr>' for o in c["by_organisation"])
    table = ('<table><caption>Snelheid en resultaat per organisatie</caption><thead><tr><th scope="col">Organisatie</th>'
             '<th scope="col" class="n">Doorgegeven</th><th scope="col" class="n">Aangenomen</th>'
             '<th scope="col" class="n">Contact gehad</th><th scope="col" class="n">Afgesloten</th>'
             '<th scope="col" class="n">Herinnering gestuurd</th>'
             '<th scope="col" class="n">Uren tot aangenomen (mediaan)</th>'
             '<th scope="col" class="n">Uren tot contact (mediaan)</th>'
             '<th scope="col" class="n">Beloofd: werkdagen</th>'
             f'<th scope="col" class="n">Op tijd gebeld (%)</th></tr></thead><tbody>{organisations}</tbody></table>'
             if organisations else "<p>Nog geen gegevens.</p>")
    return ("<h2>3. Wat de adviseurs deden</h2>"
            "<p>Wat er gebeurde met de vragen die met toestemming aan een adviseur zijn doorgegeven.</p>"
            + _totals([("Doorgegeven aan een adviseur", c["handoffs"]), ("Aangenomen door de adviseur", c["accepted"]),
                       ("Adviseur had contact", c["contacted"]), ("Afgesloten", c["closed"]),
                       ("Herinnering naar de organisatie (niet op tijd aangenomen)", c["escalated"])])
            + _pair("outcomes", "Afgesloten: met welk resultaat", c["outcomes"], "Resultaat")
            + "<h3>Per organisatie</h3>" + table
            + "<p>Uren: de helft van de vragen was sneller, de andere helft langzamer (mediaan), gerekend vanaf het "
              "moment dat de adviseur de vraag kreeg. Op tijd gebeld: het deel van de vragen waarbij de adviseur "
              "contact had binnen het aantal werkdagen dat de organisatie belooft; vragen waarvan die termijn nog "
              "loopt tellen niet mee. Een streepje (–) betekent: minder dan 5 vragen, dus geen cijfer.</p>")


def _unmet(figures: dict) -> str:
    u = figures["unmet"]
    return ("<h2>4. Vragen zonder passend antwoord</h2>"
            "<p>Hier ziet u waar ondernemers naar vroegen dat niet bij de vijf hulpvragen van Wegwijzer past. "
            "Zij kregen een verwijzing naar algemene hulp, zoals het KVK.</p>"
            + _totals([("Vragen over een ander onderwerp", u["other_themes"]),
                       ("Bedrijf buiten Overijssel", u["outside_overijssel"]),
                       ("Gesprek eindigde zonder antwoord ('dat begreep ik niet')", u["unanswered"]),
                       ("Doorverwezen zonder passende regeling", u["no_program"])])
            + _pair("themes", "Andere onderwerpen", u["by_theme"], "Onderwerp")
            + _pair("unmet-region", "Andere onderwerpen per regio", u["by_region"], "Regio")
            + _pair("no-program", "Geen regeling gevonden, per hulpvraag", u["no_program_by_need"], "Hulpvraag"))


def _satisfaction(figures: dict) -> str:
    s = figures["satisfaction"]
    share = (f"<p><strong>{s['helped_percent']}%</strong> van wie antwoordde, zei dat het gesprek hielp.</p>"
             if s["helped_percent"] is not None else "")
    return ("<h2>5. Tevredenheid</h2><p>Na het gesprek kan de ondernemer één vraag beantwoorden: "
            "'Heeft dit gesprek u geholpen?'. Dat is niet verplicht.</p>"
            + _totals([("Beantwoord", s["answered"])]) + share
            + _pair("satisfaction", "Heeft dit gesprek u geholpen?", s["answers"], "Antwoord"))


def render(figures: dict) -> str:
    privacy = (f'<p class="note"><strong>Privacy.</strong> Dit overzicht gebruikt alleen gegevens zonder namen of '
               f'contactgegevens. Is een aantal in een uitsplitsing kleiner dan {THRESHOLD}, dan staat er '
               f'"{HIDDEN}", zodat niemand te herkennen is. Totalen zijn altijd precies.</p>')
    if figures["empty"]:
        body = "<p>Er is niets te melden over deze periode: er zijn nog geen gesprekken.</p>"
    else:
        body = (_funnel(figures) + _referrals(figures) + _closed_loop(figures) + _unmet(figures)
                + _satisfaction(figures))
    return ('<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            f"<title>Wegwijzer Overijssel: overzicht {escape(_period(figures))}</title><style>{STYLE}</style></head>"
            f"<body><main><h1>Wegwijzer Overijssel: wat ondernemers vroegen</h1>"
            f"<p>Periode: {escape(_period(figures))}. Gemaakt op {escape(figures['generated_at'][:10])}.</p>"
            f"{privacy}{body}</main></body></html>\n")
