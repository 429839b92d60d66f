"""Audit that holds (issue 14, point 7): refused requests (403: a role not permitted, a scope exceeded, a failed
CSRF check) are audited; the audit log is a hash chain that `hcs audit verify` walks, so an edited, deleted or
inserted row is named; concurrent writers on SQLite and PostgreSQL chain correctly; migration 1401 chains the
rows written before it."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text, update

from tests.conftest import run_cli
from tests.web.conftest import sign_in


def _entries(store: Any, event: str) -> list[dict[str, Any]]:
    from hcsworkforce.model.scope import NATIONAL
    from hcsworkforce.services import audit

    return audit.entries(store, NATIONAL, 100, event)


def _other_organisation(store: Any, org: str) -> str:
    codes = store.staff()["organisation_code"].unique().sort().to_list()
    return str(next(c for c in codes if c != org))


def test_refused_requests_are_audited(client: Any, scope_codes: tuple[str, str]) -> None:
    org, _region = scope_codes
    store = client.app.state.ctx.store
    other = _other_organisation(store, org)

    sign_in(client, "org")
    r = client.get(f"/api/v1/profile?organisation={other}")
    assert r.status_code == 403
    r = client.get("/api/v1/audit")
    assert r.status_code == 403
    r = client.post("/api/v1/uploads", files={"extract": ("e.csv", b"x", "text/csv")})
    assert r.status_code == 403  # no CSRF token
    r = client.post("/api/v1/session/end", headers={"x-csrf-token": "not-the-token"})
    assert r.status_code == 403

    forbidden = _entries(store, "forbidden")
    reasons = {
        (e["actor"], json.loads(e["detail"])["reason"], json.loads(e["detail"])["path"]) for e in forbidden
    }
    assert ("org", "out_of_scope", "/api/v1/profile") in reasons
    assert ("org", "not_permitted", "/api/v1/audit") in reasons
    for e in forbidden:
        detail = json.loads(e["detail"])
        assert e["ip"] and detail["method"] in ("GET", "POST")
    csrf = _entries(store, "csrf_failed")
    paths = {json.loads(e["detail"])["path"] for e in csrf}
    assert {"/api/v1/uploads", "/api/v1/session/end"} <= paths
    assert all(e["actor"] == "org" for e in csrf)
    assert other not in json.dumps([*forbidden, *csrf], default=str), "the values asked for are not written"


def test_a_refused_page_is_audited_too(client: Any, scope_codes: tuple[str, str]) -> None:
    """Pages answer 403 with a page rather than JSON, and write the same audit lines."""
    org, _region = scope_codes
    store = client.app.state.ctx.store
    sign_in(client, "org")
    r = client.get(
        f"/profile?organisation={_other_organisation(store, org)}", headers={"accept": "text/html"}
    )
    assert r.status_code == 403 and "<html" in r.text.lower()
    assert any(json.loads(e["detail"])["path"] == "/profile" for e in _entries(store, "forbidden"))
    r = client.post("/upload", data={"csrf_token": "forged"}, headers={"accept": "text/html"})
    assert r.status_code == 403
    assert any(json.loads(e["detail"])["path"] == "/upload" for e in _entries(store, "csrf_failed"))


def _write(store: Any, n: int, actor: str = "nat") -> list[int]:
    from hcsworkforce.services.audit import audit

    return [audit(store, actor, "download", ip="10.0.0.1", what="profile", n=i) for i in range(n)]


def _verify(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    return run_cli(["audit", "verify", "--db", url, *extra], capsys)


def test_verify_finds_an_edited_deleted_or_inserted_row(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_web import audit_log

    store = open_store(db_url, migrate=True)
    ids = _write(store, 6)
    code, out, err = _verify(db_url, capsys)
    assert code == 0, err
    assert "intact: 6 rows" in out and f"head {ids[-1]}:" in out

    with store.engine.begin() as conn:  # an edit: one row's detail changed in the database
        was = conn.execute(select(audit_log.c.detail).where(audit_log.c.id == ids[2])).scalar_one()
        conn.execute(update(audit_log).where(audit_log.c.id == ids[2]).values(detail=was.replace("2", "9")))
    code, out, err = _verify(db_url, capsys)
    assert code == 1 and f"row {ids[2]} does not match its hash" in err and "Traceback" not in err
    with store.engine.begin() as conn:
        conn.execute(update(audit_log).where(audit_log.c.id == ids[2]).values(detail=was))
    assert _verify(db_url, capsys)[0] == 0, "put back as it was, the row holds again"

    with store.engine.begin() as conn:  # a deletion: the next row no longer follows the one before
        conn.execute(delete(audit_log).where(audit_log.c.id == ids[3]))
    code, _out, err = _verify(db_url, capsys)
    assert code == 1 and f"row {ids[4]} does not follow row {ids[2]}" in err


def test_verify_finds_an_inserted_row_and_a_cut_end(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from hcsworkforce.store import open_store
    from hcsworkforce.store.tables_web import audit_log, audit_row_hash

    store = open_store(db_url, migrate=True)
    ids = _write(store, 4)
    head = _verify(db_url, capsys)[1].split("head ")[1].split()[0]
    assert head.startswith(f"{ids[-1]}:")
    with store.engine.begin() as conn:  # a row slipped in after the last, chained but with a made-up hash
        last = conn.execute(select(audit_log).order_by(audit_log.c.id.desc()).limit(1)).mappings().one()
        conn.execute(
            insert(audit_log),
            {
                "at": last["at"],
                "actor": "nat",
                "event": "sign_in",
                "prev_hash": last["hash"],
                "hash": "0" * 64,
            },
        )
    code, _out, err = _verify(db_url, capsys)
    assert code == 1 and "does not match its hash" in err
    with store.engine.begin() as conn:  # the inserted row and the true last row removed: the end is cut
        conn.execute(delete(audit_log).where(audit_log.c.id > ids[2]))
    assert _verify(db_url, capsys)[0] == 0, "a cut end leaves a chain that holds by itself"
    code, _out, err = _verify(db_url, capsys, "--anchor", head)
    assert code == 1 and f"row {ids[-1]}, recorded as the anchor, is missing" in err
    assert _verify(db_url, capsys, "--anchor", "12:nothex")[0] == 2
    assert audit_row_hash("0" * 64, {**last, "id": 1}) != audit_row_hash("1" * 64, {**last, "id": 1})


def test_concurrent_writers_chain_correctly(db_url: str) -> None:
    from hcsworkforce.services import audit
    from hcsworkforce.store import open_store

    store = open_store(db_url, migrate=True)
    errors: list[BaseException] = []

    def writer(k: int) -> None:
        try:
            _write(store, 40, actor=f"user{k}")
        except BaseException as e:  # reported by the test thread below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    found = audit.verify(store)
    assert found.intact and found.rows == 200, found


def test_migration_1401_chains_the_rows_already_written(tmp_path: Path) -> None:
    """A database from before the chain (its audit rows have no hashes) is chained in id order on upgrade."""
    from alembic import command, config
    from sqlalchemy import create_engine

    from hcsworkforce.services import audit
    from hcsworkforce.store import open_store

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    cfg = config.Config()
    cfg.set_main_option("script_location", str(Path(audit.__file__).parents[1] / "store" / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0201")
        for i in range(3):
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, event, ip, detail) VALUES (:at, 'nat', 'sign_in', NULL, :d)"
                ),
                {"at": f"2024-01-0{i + 1} 09:00:00.000000", "d": json.dumps({"n": i})},
            )
    engine.dispose()
    store = open_store(url, migrate=True)
    found = audit.verify(store)
    assert found.intact and found.rows == 3
    audit.audit(store, "nat", "sign_out")
    assert audit.verify(store).rows == 4
