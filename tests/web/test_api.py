"""The JSON API and the pages it twins: sign-in, figures, downloads, uploads through the queue, the audit log."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.web.conftest import CENSUS, PASSWORDS, csrf_from, own_rows, sign_in


def test_healthz_and_openapi(client: Any) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    schema = client.get("/openapi.json").json()
    assert "/api/v1/profile" in schema["paths"]
    assert not [p for p in schema["paths"] if not p.startswith(("/api/v1/", "/healthz"))], (
        "pages leaked into the API"
    )


def test_profile_json_csv_xlsx_are_one_result(client: Any) -> None:
    sign_in(client, "nat")
    js = client.get("/api/v1/profile?by=region").json()
    assert js["by"] == ["region"] and js["suppress_below"] == 5
    total = sum(r["headcount"] for r in js["records"] if r["headcount"] is not None)
    assert total == js["totals"]["headcount"]
    csv = client.get("/api/v1/profile?by=region&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == len(js["records"]) + 1
    xlsx = client.get("/api/v1/profile?by=region&format=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert len(wb.sheetnames) >= 2  # cover sheet and the table


def test_page_and_twin_show_the_same_figures(client: Any) -> None:
    sign_in(client, "nat")
    page = client.get("/").text
    totals = client.get("/api/v1/headline").json()["totals"]
    assert f"{totals['headcount']:,}" in page


def test_small_counts_suppressed_across_organisations_not_within_one(
    client: Any, scope_codes: tuple[str, str]
) -> None:
    sign_in(client, "nat")
    recs = client.get("/api/v1/profile?by=organisation,specialism,career_level").json()["records"]
    assert any(r["suppressed"] for r in recs)
    assert all(
        r["headcount"] is None
        for r in recs
        if r["suppressed"] and r["leavers_12m"] is None and r["fte"] is None
    )
    assert not any(r["headcount"] is not None and 0 < r["headcount"] < 5 for r in recs)
    client.post(
        "/api/v1/session/end", headers={"x-csrf-token": client.get("/api/v1/session").json()["csrf_token"]}
    )
    sign_in(client, "org")
    mine = client.get("/api/v1/profile?by=specialism,career_level").json()
    assert mine["suppress_below"] == 0
    assert any(r["headcount"] is not None and r["headcount"] < 5 for r in mine["records"])


def test_drill_down_path(client: Any, scope_codes: tuple[str, str]) -> None:
    org, region = scope_codes
    sign_in(client, "nat")
    assert client.get("/api/v1/profile").json()["by"] == ["region"]
    assert client.get(f"/api/v1/profile?region={region}").json()["by"] == ["organisation"]
    assert client.get(f"/api/v1/profile?region={region}&organisation={org}").json()["by"] == ["specialism"]
    page = client.get(f"/profile?region={region}").text
    assert f"organisation={org}" in page  # each organisation links to its own specialisms


def test_bad_dimension_is_the_users_error(client: Any) -> None:
    sign_in(client, "nat")
    r = client.get("/api/v1/profile?by=shoe_size")
    assert r.status_code == 422 and "shoe_size" in r.json()["detail"]


def test_sign_in_form_and_throttle(client: Any) -> None:
    page = client.get("/sign-in")
    token = csrf_from(page.text)
    for _ in range(5):
        r = client.post(
            "/sign-in", data={"username": "reg", "password": "wrong", "csrf_token": token, "next": "/"}
        )
        assert r.status_code == 401
    r = client.post("/sign-in", data={"username": "reg", "password": PASSWORDS["reg"], "csrf_token": token})
    assert r.status_code == 429, "the right password is refused while the account is throttled"
    r = client.post(
        "/sign-in",
        data={
            "username": "nat",
            "password": PASSWORDS["nat"],
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/", "an off-site next= is ignored"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_upload_bad_then_good(client: Any, demo_files: dict[str, Path]) -> None:
    token = sign_in(client, "nat")
    before = client.get("/api/v1/headline").json()["totals"]["headcount"]
    with open(demo_files["bad"], "rb") as fh:
        r = client.post(
            "/api/v1/uploads",
            files={"extract": ("bad.csv", fh, "text/csv")},
            headers={"x-csrf-token": token},
        )
    assert r.status_code == 202, r.text
    job = client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["status"] == "failed"
    problems = job["result"]["problems"]
    rows = json.loads(demo_files["bad_rows"].read_text())
    assert {(p["row"], p["column"]) for p in problems} >= {
        (rows["Pay Band"], "Pay Band"),
        (rows["FTE"], "FTE"),
    }
    assert client.get("/api/v1/censuses").json()["census_dates"] == [CENSUS.isoformat()], "nothing was loaded"
    assert "Band 10" in client.get(f"/jobs/{job['id']}").text
    with open(demo_files["extract"], "rb") as fh, open(demo_files["leavers"], "rb") as lv:
        r = client.post(
            "/api/v1/uploads",
            files={"extract": ("extract.csv", fh, "text/csv"), "leavers": ("leavers.csv", lv, "text/csv")},
            data={"census_date": "2025-03-31"},
            headers={"x-csrf-token": token},
        )
    job = client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["status"] == "done" and job["result_hash"]
    assert job["result"]["census_date"] == "2025-03-31" and job["result"]["replaced"]
    assert client.get("/api/v1/headline").json()["totals"]["headcount"] == before
    assert not list((Path(client.app.state.ctx.settings.data_dir) / "uploads").iterdir()), (
        "uploads are not kept"
    )


def test_upload_form_without_javascript(client: Any, demo_files: dict[str, Path]) -> None:
    sign_in(client, "nat")
    token = csrf_from(client.get("/upload").text)
    with open(demo_files["bad"], "rb") as fh:
        r = client.post(
            "/upload",
            files={"extract": ("bad.csv", fh, "text/csv")},
            data={"csrf_token": token},
        )
    assert r.status_code == 200 and "Nothing was loaded" in r.text and "Band 10" in r.text


def test_a_trust_loads_its_own_rows_only(client: Any, demo_files: dict[str, Path], tmp_path: Path) -> None:
    """An organisation user replaces their organisation's rows of a census; other trusts' rows are refused
    (with row numbers) and other trusts' figures are left exactly as they were. Region users cannot load."""
    import polars as pl

    store = client.app.state.ctx.store
    census = store.census_dates()[-1]
    org = (
        store.staff()["organisation_code"]
        .value_counts()
        .sort("count", descending=True)["organisation_code"][0]
    )
    others_before = store.staff(census).filter(pl.col("organisation_code") != org).sort("assignment_key")
    own_before = store.staff(census).filter(pl.col("organisation_code") == org).height

    token = sign_in(client, "reg")
    with open(demo_files["extract"], "rb") as fh:
        r = client.post(
            "/api/v1/uploads", files={"extract": ("e.csv", fh, "text/csv")}, headers={"x-csrf-token": token}
        )
    assert r.status_code == 403
    client.post("/sign-out", data={"csrf_token": token})

    token = sign_in(client, "org")
    assert "You load the staff of" in client.get("/upload").text
    with open(demo_files["extract"], "rb") as fh:  # the national file: every other trust's row is refused
        r = client.post(
            "/api/v1/uploads",
            files={"extract": ("national.csv", fh, "text/csv")},
            data={"census_date": census.isoformat()},
            headers={"x-csrf-token": token},
        )
    job = client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["status"] == "failed"
    assert all("another organisation" in p["message"] for p in job["result"]["problems"])
    mine = own_rows(demo_files["extract"], org, tmp_path / "mine.csv")
    with open(mine, "rb") as fh:
        r = client.post(
            "/api/v1/uploads",
            files={"extract": ("mine.csv", fh, "text/csv")},
            # No establishment in this upload: removing the trust's is confirmed (test_census_rules.py).
            data={"census_date": census.isoformat(), "confirm": "true"},
            headers={"x-csrf-token": token},
        )
    job = client.get(f"/api/v1/jobs/{r.json()['id']}").json()
    assert job["status"] == "done", job
    after = store.staff(census)
    assert after.filter(pl.col("organisation_code") != org).sort("assignment_key").equals(others_before)
    assert after.filter(pl.col("organisation_code") == org).height == own_before


def test_audit_log_records_sign_ins_downloads_and_imports(client: Any, demo_files: dict[str, Path]) -> None:
    token = sign_in(client, "nat")
    client.get("/api/v1/profile?format=csv")
    with open(demo_files["bad"], "rb") as fh:
        client.post(
            "/api/v1/uploads", files={"extract": ("bad.csv", fh, "text/csv")}, headers={"x-csrf-token": token}
        )
    events = {e["event"] for e in client.get("/api/v1/audit").json()["entries"]}
    assert {"sign_in", "download", "import"} <= events


def test_disabled_user_is_signed_out(client: Any) -> None:
    from hcsworkforce.services import accounts

    sign_in(client, "reg")
    assert client.get("/api/v1/headline").status_code == 200
    accounts.set_disabled(client.app.state.ctx.store, "reg")
    assert client.get("/api/v1/headline").status_code == 401


def test_benchmark_and_reference(client: Any) -> None:
    sign_in(client, "nat")
    b = client.get("/api/v1/benchmark?metric=leaver_rate_12m").json()
    assert b["records"] and b["national_quartiles"]["median"] is not None
    ref = client.get("/api/v1/reference").json()["tables"]
    assert {"specialisms", "trusts"} <= {t["table"] for t in ref}
    assert all(t["sources"] for t in ref)
    page = client.get("/about-data").text
    assert "Specialisms" in page


def test_every_page_renders(client: Any) -> None:
    sign_in(client, "nat")
    for path in ("/", "/profile", "/profile?by=age_band", "/benchmark", "/upload", "/jobs", "/about-data"):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "<h1" in r.text
    r = client.get("/profile", headers={"hx-request": "true"})
    assert r.text.lstrip().startswith('<div id="results"'), "htmx gets the fragment only"
