"""A trust user adds their rows to a census that exists (the latest by default) and can never create or
replace the census other users see; a national user's file without a date of its own is refused, never
dated today; a re-upload that halves a trust's staff waits for confirmation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from tests.web.conftest import CENSUS, csrf_from, own_rows, sign_in


def _own_rows(demo_files: dict[str, Path], org: str, tmp_path: Path, keep: int | None = None) -> Path:
    return own_rows(demo_files["extract"], org, tmp_path / "mine.csv", keep)


def _upload(client: Any, token: str, path: Path, **data: str) -> dict[str, Any]:
    with open(path, "rb") as fh:
        r = client.post(
            "/api/v1/uploads",
            files={"extract": (path.name, fh, "text/csv")},
            data=data,
            headers={"x-csrf-token": token},
        )
    assert r.status_code == 202, r.text
    return dict(client.get(f"/api/v1/jobs/{r.json()['id']}").json())


def test_a_trust_user_cannot_create_a_census(
    client: Any, demo_files: dict[str, Path], scope_codes: tuple[str, str], tmp_path: Path
) -> None:
    org, _region = scope_codes
    token = sign_in(client, "org")
    mine = _own_rows(demo_files, org, tmp_path)
    later = tmp_path / "september.csv"
    later.write_text(mine.read_text().replace("Report Date: 31/03/2025", "Report Date: 30/09/2025"))
    job = _upload(client, token, later)
    assert job["status"] == "failed"
    assert "there is no census dated 2025-09-30" in job["result"]["problems"][0]["message"]
    job = _upload(client, token, later, census_date="2025-09-30")
    assert "there is no census dated 2025-09-30" in job["result"]["problems"][0]["message"]
    assert client.get("/api/v1/censuses").json()["census_dates"] == [CENSUS.isoformat()]
    # Without a date, the rows go into the latest census: the one every user sees, not a new one. (This file
    # has no establishment, so dropping the trust's establishment is confirmed.)
    job = _upload(client, token, mine, confirm="true")
    assert job["status"] == "done", job["result"]
    assert job["result"]["census_date"] == CENSUS.isoformat()
    assert client.get("/api/v1/censuses").json()["census_dates"] == [CENSUS.isoformat()]


def test_the_upload_page_says_which_census_before_a_trust_confirms(client: Any) -> None:
    sign_in(client, "org")
    page = client.get("/upload").text
    assert "Census to add your rows to" in page and "31 March 2025 (latest)" in page
    assert "only a national user creates a census" in page
    token = csrf_from(page)
    r = client.post(
        "/upload",
        data={"csrf_token": token, "census_date": "2025-09-30"},
        files={"extract": ("x.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert r.status_code == 422 and "Choose one of the censuses that exist" in r.text


def test_a_national_file_without_a_date_is_refused_never_dated_today(
    client: Any, demo_files: dict[str, Path], tmp_path: Path
) -> None:
    lines = demo_files["extract"].read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("Employee Number"))
    undated = tmp_path / "undated.csv"
    undated.write_text("\n".join(lines[at:]) + "\n")  # the report without its title lines
    token = sign_in(client, "nat")
    job = _upload(client, token, undated)
    assert job["status"] == "failed"
    assert "the census date is not in the file" in job["result"]["problems"][0]["message"]
    assert client.get("/api/v1/censuses").json()["census_dates"] == [CENSUS.isoformat()]
    # A date given that differs from the report's own is refused too.
    job = _upload(client, token, demo_files["extract"], census_date="2025-06-30")
    assert job["status"] == "failed" and "differs from the file's" in job["result"]["problems"][0]["message"]
    # The form takes the date as people type it.
    page = client.get("/upload").text
    with open(undated, "rb") as fh:
        r = client.post(
            "/upload",
            data={"csrf_token": csrf_from(page), "census_date": "30/06/2025"},
            files={"extract": ("undated.csv", fh, "text/csv")},
            follow_redirects=False,
        )
    assert r.status_code == 303
    assert client.get("/api/v1/censuses").json()["census_dates"] == [CENSUS.isoformat(), "2025-06-30"]


def test_a_reupload_that_halves_a_trust_waits_for_confirmation(
    client: Any, demo_files: dict[str, Path], scope_codes: tuple[str, str], tmp_path: Path
) -> None:
    org, _region = scope_codes
    store = client.app.state.ctx.store
    before = store.staff(CENSUS).filter(pl.col("organisation_code") == org)["staff_key"].n_unique()
    token = sign_in(client, "org")
    few = _own_rows(demo_files, org, tmp_path, keep=10)  # ten rows: some may be other staff groups
    job = _upload(client, token, few)
    assert job["status"] == "failed"
    msg = job["result"]["problems"][0]["message"]
    assert f"{org}'s healthcare scientists in post would go from {before:,} to" in msg
    assert store.staff(CENSUS).filter(pl.col("organisation_code") == org)["staff_key"].n_unique() == before
    job = _upload(client, token, few, confirm="true")
    assert job["status"] == "done", job
    assert store.staff(CENSUS).filter(pl.col("organisation_code") == org)["staff_key"].n_unique() <= 10


def test_the_form_keeps_the_chosen_files_after_an_error(client: Any, demo_files: dict[str, Path]) -> None:
    sign_in(client, "nat")
    page = client.get("/upload").text
    with open(demo_files["leavers"], "rb") as lv, open(demo_files["extract"], "rb") as fh:
        r = client.post(
            "/upload",
            data={"csrf_token": csrf_from(page), "census_date": "31/13/2025"},
            files={"extract": ("extract.csv", fh, "text/csv"), "leavers": ("leavers.csv", lv, "text/csv")},
        )
    assert r.status_code == 422 and "Enter the census date as a date" in r.text
    assert "You chose <strong>extract.csv</strong>" in r.text
    import re

    assert "You chose <strong>leavers.csv</strong>" in r.text
    token = re.search(r'name="staged_extract" value="([0-9a-f]+)"', r.text)
    kept_leavers = re.search(r'name="staged_leavers" value="([0-9a-f]+)"', r.text)
    assert token and kept_leavers
    # Corrected date, no file chosen again: the kept file is loaded.
    r = client.post(
        "/upload",
        data={
            "csrf_token": csrf_from(r.text),
            "census_date": "31/03/2025",
            "staged_extract": token.group(1),
            "staged_extract_name": "extract.csv",
            "staged_leavers": kept_leavers.group(1),
            "staged_leavers_name": "leavers.csv",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    job = client.get("/api/v1" + r.headers["location"]).json()
    assert job["status"] == "done", job["result"]
    assert job["result"]["leaver_rows"] > 0, "the kept leavers report was loaded too"
    uploads = Path(client.app.state.ctx.settings.data_dir) / "uploads"
    assert not list(uploads.glob("staged-*")), "a kept file is removed once it is used"
    # Another user's token is refused: it names no file of theirs.
    client.post("/sign-out", data={"csrf_token": csrf_from(client.get("/upload").text)})
