"""The board pack drawn: one self-contained HTML page (inline SVG charts from report/charts.py, inline CSS that
prints to A4) and an XLSX in the Analysis Function style, both from the same `PackResult` (services/pack.py),
so a chart and its table agree.

Nothing is fetched: no fonts, scripts or images from anywhere, and no web address appears in either file.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hcsworkforce.model.labels import RATE_METRICS, metric_label
from hcsworkforce.report import charts
from hcsworkforce.report.tabular import fmt_cell, write_xlsx
from hcsworkforce.services.pack import PackFunnel, PackResult

VARIATION_TEXT = {
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral": "Special cause: neither better nor worse",
    "common_cause": "Common cause: no significant change",
    None: "Not enough data",
}
CSS = f"""
body{{font-family:Arial,Helvetica,sans-serif;color:#212b32;margin:1.5rem auto;max-width:1100px;font-size:15px}}
h1{{color:#005eb8;margin-bottom:.2rem}}h2{{color:#003087;border-bottom:2px solid #005eb8;padding-bottom:.2rem}}
h3{{margin:.8rem 0 .3rem}}
nav ol{{columns:2}}nav{{background:#f0f4f5;padding:.5rem 1rem;margin:1rem 0}}
table{{border-collapse:collapse;font-size:12px;margin:.3rem 0}}
th,td{{border-bottom:1px solid #d8dde0;padding:2px 6px;text-align:left;vertical-align:top}}
td.n{{text-align:right;font-variant-numeric:tabular-nums}}
.pair{{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:1rem;align-items:start;margin-bottom:1rem}}
.tablebox{{max-height:420px;overflow:auto}}.tablebox td:first-child{{white-space:nowrap}}
.tag{{display:inline-block;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px}}
.tag.special_cause_improvement{{background:{charts.NHS_BLUE}}}.tag.special_cause_concern{{background:{charts.NHS_ORANGE}}}
.tag.special_cause_neutral{{background:{charts.NHS_PURPLE}}}.tag.common_cause,.tag.none{{background:{charts.NHS_GREY}}}
.flag-high,.flag-low{{font-weight:bold}}
.meta{{color:#4c6272}}
figure{{margin:0}}figcaption{{font-size:12px;color:#4c6272}}
svg text{{font-family:Arial,Helvetica,sans-serif}}
@page{{size:A4 portrait;margin:12mm}}
@media print{{
  body{{margin:0;max-width:none;font-size:10pt}}
  nav{{display:none}}
  section{{break-before:page}}
  section.first{{break-before:auto}}
  .pair,figure,table,.block{{break-inside:avoid}}
  tr{{break-inside:avoid}}
  .tablebox{{max-height:none;overflow:visible}}
  h2,h3{{break-after:avoid}}
  a{{color:inherit;text-decoration:none}}
}}
"""


def _e(v: Any) -> str:
    return html.escape(str(v))


def _pct(v: float | None, digits: int = 1) -> str:
    return "–" if v is None else f"{100 * v:.{digits}f}%"


def _value(metric: str, v: float | None) -> str:
    if v is None:
        return "–"
    if metric in RATE_METRICS:
        return _pct(v)
    return f"{v:,.0f}" if metric == "headcount" else f"{v:,.1f}"


def table(records: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], caption: str = "") -> str:
    """An HTML table of records; columns are (key, heading)."""
    out = ["<table>"]
    if caption:
        out.append(f"<caption>{_e(caption)}</caption>")
    out.append(
        "<thead><tr>" + "".join(f"<th scope='col'>{_e(h)}</th>" for _, h in columns) + "</tr></thead><tbody>"
    )
    for r in records:
        cells = []
        for k, _ in columns:
            v = r.get(k)
            num = isinstance(v, int | float) and not isinstance(v, bool)
            cells.append(f"<td{' class=n' if num else ''}>{_e(fmt_cell(v, k))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# -- the page -----------------------------------------------------------------------------------------------
SHORT_VARIATION = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "concern",
    "special_cause_neutral": "neutral",
    "common_cause": "common",
}


def _pair(chart: str, table_html: str, caption: str) -> str:
    return (
        f"<div class='pair'><figure>{chart}<figcaption>{_e(caption)}</figcaption></figure>"
        f"<div class='tablebox'>{table_html}</div></div>"
    )


def _headlines(pack: PackResult) -> str:
    rows = "".join(
        f"<tr><th scope='row'>{_e(r['measure'])}</th><td class=n>{_e(_value(r['metric'], r['latest']))}</td>"
        f"<td class=n>{_e(_value(r['metric'], r['mean']))}</td>"
        f"<td><span class='tag {r['variation'] or 'none'}'>{_e(VARIATION_TEXT.get(r['variation'], ''))}</span></td>"
        f"<td>{_e(r['against_england'] or '–')}</td><td>{_e(r['against_region'] or '–')}</td></tr>"
        for r in pack.headlines
    )
    return (
        "<table><thead><tr><th scope='col'>Measure</th><th scope='col'>Latest</th><th scope='col'>Mean</th>"
        "<th scope='col'>Variation (latest point)</th><th scope='col'>Against England</th>"
        "<th scope='col'>Against region</th></tr></thead><tbody>"
        + rows
        + "</tbody></table><p class='meta'>Against England / region: <b>high</b> or <b>low</b> only outside "
        "the 99.8% funnel limits; <b>within</b> otherwise.</p>"
    )


def _trends(pack: PackResult) -> str:
    name = f"{pack.organisation_name} ({pack.organisation})"
    cols = [
        ("period", "Period"),
        ("value", "Value"),
        ("mean", "Mean"),
        ("lower_limit", "Lower"),
        ("upper_limit", "Upper"),
        ("variation", "Variation"),
    ]
    blocks = []
    for m, tr in pack.trends.items():
        rows = [
            {**r, "variation": SHORT_VARIATION.get(r["variation"], r["variation"])}
            for r in pack.trend_rows(m)
        ]
        chart = charts.spc_chart(
            tr.series[0]["points"],
            title=f"{metric_label(m)}, {name}",
            is_rate=m in RATE_METRICS,
            chart_id=f"spc-{m}",
        )
        blocks.append(
            f"<div class='block'><h3>{_e(metric_label(m))}</h3>"
            + _pair(chart, table(rows, cols), tr.definition)
            + "</div>"
        )
    return "".join(blocks)


def _funnel_chart(f: PackFunnel, highlight: str, chart_id: str) -> str:
    peers_shown = any(p["organisation"] != highlight for p in f.points)
    return charts.funnel_chart(
        f.funnel.get("curve") or [],
        f.points,
        pooled_rate=f.funnel.get("pooled_rate"),
        # Where the peers' own points are not shown, their quartiles stand in for them (as on the page).
        quartile_cuts=[] if peers_shown else (f.funnel.get("quartile_cuts") or []),
        highlight=highlight,
        title=f"{metric_label(f.metric)} against {f.peers}",
        chart_id=chart_id,
    )


def _funnels(pack: PackResult) -> str:
    cols = [
        ("organisation", "Org"),
        ("rate", "Rate"),
        ("denominator", "n"),
        ("flag", "Flag"),
        ("rank", "Rank"),
    ]
    blocks = []
    for i, f in enumerate(pack.funnels):
        own = f.row or {}
        where = (
            f"{pack.organisation}: rate {_pct(own.get('rate'))}, {own.get('flag') or 'suppressed'}, rank "
            f"{own.get('rank') or '–'} of {f.funnel.get('organisations')}, quartile {own.get('quartile') or '–'}; "
            f"pooled {_pct(f.funnel.get('pooled_rate'))}, phi {f.funnel.get('phi') or 0:.2f}"
            f"{' (overdispersion applied)' if f.funnel.get('overdispersion_applied') else ''}"
        )
        blocks.append(
            f"<div class='block'><h3>{_e(metric_label(f.metric))} against {_e(f.peers)}</h3>"
            + _pair(
                _funnel_chart(f, pack.organisation, f"funnel-{i}"), table(pack.funnel_rows(f), cols), where
            )
            + "</div>"
        )
    return "".join(blocks) or "<p>No rates to compare on this census.</p>"


def _age(pack: PackResult) -> str:
    ages = pack.age_profile
    age_body = _pair(
        charts.bar_chart(
            [(a["age_band"], float(a["headcount"])) for a in ages],
            title="Headcount by age band",
            unit="people",
            chart_id="age",
        ),
        table(ages, [("age_band", "Age band"), ("headcount", "Headcount"), ("share", "Share")]),
        "People in post by age band on the census date.",
    )
    top = pack.retirement[:15]
    risk_body = _pair(
        charts.bar_chart(
            [(r["specialism_name"], float(r["aged_55_plus"])) for r in top],
            title="Staff aged 55 and over by specialism",
            unit="people",
            chart_id="retirement",
        ),
        table(
            top,
            [
                ("specialism_name", "Specialism"),
                ("headcount", "Headcount"),
                ("aged_55_plus", "55+"),
                ("aged_60_plus", "60+"),
                ("share_55_plus", "Share 55+"),
            ],
        ),
        "Retirement risk: the specialisms with the largest share of people aged 55 and over (up to 15).",
    )
    return age_body + "<h3>Retirement risk</h3>" + risk_body


def _trainees(pack: PackResult) -> str:
    tr = pack.trainees
    if not tr:
        return "<p>No one in post is on a training programme.</p>"
    return _pair(
        charts.bar_chart(
            [(t["programme_name"], float(t["people"])) for t in tr],
            title="Trainees by programme",
            unit="people",
            chart_id="trainees",
        ),
        table(
            tr,
            [
                ("programme_name", "Programme"),
                ("people", "People"),
                ("fte", "FTE"),
                ("completing_within_12_months", "Completing within 12 months"),
            ],
        ),
        "People in post on a training programme, by programme.",
    )


def _leadership(pack: PackResult) -> str:
    return (
        table(
            [{**r, "where": _leadership_where(r), "lead": _lead(r)} for r in pack.leadership],
            [
                ("where", "Where"),
                ("hcs_headcount", "HCS headcount"),
                ("hcs_senior_headcount", "Band 8c and above"),
                ("hcs_consultant_headcount", "Consultant clinical scientists"),
                ("hcs_senior_per_100_headcount", "Senior per 100 HCS"),
                ("lead", "HCS lead"),
                ("nursing_senior_per_100_headcount", "Senior per 100 nurses"),
                ("ahp_senior_per_100_headcount", "Senior per 100 AHPs"),
            ],
        )
        + "<p>Senior: band 8c and above; bank and honorary posts not counted. Region and England "
        "are the organisations in the data; small counts there are suppressed. Nursing and AHP "
        "figures are blank where the extract carried none of those staff groups.</p>"
    )


def _key_people(people: list[dict[str, Any]]) -> str:
    return table(
        people,
        [
            ("role", "Role"),
            ("scope_name", "For"),
            ("status", "Status"),
            ("holder", "Held by"),
            ("holder_until", "Until"),
            ("last_holder", "Last holder"),
        ],
    )


def render_html(pack: PackResult) -> str:
    """The whole pack as one page: a section per part, a contents list, notes last."""
    sections: list[tuple[str, str, str]] = [  # (id, heading, body)
        ("headlines", "Headline figures", _headlines(pack)),
        ("trends", "Change over time (SPC charts)", _trends(pack)),
        ("benchmarks", "Against the region and the nation (funnel plots)", _funnels(pack)),
        ("age", "Age profile and retirement risk", _age(pack)),
        ("trainees", "Trainees in the pipeline", _trainees(pack)),
    ]
    if pack.leadership:
        sections.append(("leadership", "Healthcare science leadership", _leadership(pack)))
    if pack.key_people is not None:
        sections.append(("people", "Key people", _key_people(pack.key_people)))
    sections.append(
        ("notes", "Notes and method", "<ol>" + "".join(f"<li>{_e(n)}</li>" for n in pack.notes) + "</ol>")
    )
    nav = (
        "<nav aria-label='Contents'><b>Contents</b><ol>"
        + "".join(f"<li><a href='#{sid}'>{_e(h)}</a></li>" for sid, h, _ in sections)
        + "</ol></nav>"
    )
    body = "".join(
        f"<section id='{sid}'{' class=first' if i == 0 else ''}><h2>{_e(h)}</h2>{b}</section>"
        for i, (sid, h, b) in enumerate(sections)
    )
    name = f"{pack.organisation_name} ({pack.organisation})"
    region = f", {pack.region_name}" if pack.region_name else ""
    period = f"{pack.censuses[0]:%B %Y} to {pack.census_date:%B %Y}"
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(pack.title)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Healthcare science workforce: {_e(name)}</h1>"
        f"<p class='meta'>Board pack for the census of {pack.census_date:%d %B %Y}{_e(region)}; trends {period} "
        f"({len(pack.censuses)} censuses). Produced by hcsworkforce.</p></header>{nav}<main>{body}</main></body></html>"
    )


def _lead(row: dict[str, Any]) -> str:
    """'yes'/'no' for an organisation; 'N of M organisations' for a region or England."""
    if row["level"] == "organisation":
        return "yes" if row["has_hcs_lead"] else "no"
    n, m = row.get("organisations_with_hcs_lead"), row.get("organisations")
    return "–" if n is None or m is None else f"{n:,} of {m:,} organisations"


def _leadership_where(row: dict[str, Any]) -> str:
    if row["level"] == "organisation":
        return str(row["organisation_name"] or row["organisation_code"]).replace("Nhs ", "NHS ")
    if row["level"] == "region":
        return f"{row['region_name']} (region)"
    return "England"


def file_stem(pack: PackResult) -> str:
    return f"board_pack_{pack.organisation}_{pack.census_date.isoformat()}"


def write_xlsx_pack(pack: PackResult, path: Path, title: str | None = None) -> None:
    """Every table of the pack, one a sheet, after an Analysis Function cover."""
    sheets: list[tuple[str, Sequence[dict[str, Any]]]] = list(pack.tables())
    write_xlsx(path, sheets, title or pack.title, pack.notes)


def write_pack(pack: PackResult, out_dir: Path) -> tuple[Path, Path]:
    """Write board_pack_ODS_DATE.html and .xlsx into out_dir; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / f"{file_stem(pack)}.html"
    page.write_text(render_html(pack), encoding="utf-8")
    book = out_dir / f"{file_stem(pack)}.xlsx"
    write_xlsx_pack(pack, book, f"{pack.title}, census {pack.census_date.isoformat()}")
    return page, book
