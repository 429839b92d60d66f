"""What an import keeps of discovery, written and read back on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from hcsworkforce.analytics.discovery import (
    leadership,
    leadership_from_organisations,
    likely_hcs,
    organisation_leadership,
)
from hcsworkforce.model.frames import ESTABLISHMENT_SCHEMA, LEAVER_SCHEMA, STAFF_SCHEMA
from hcsworkforce.model.scope import Scope
from hcsworkforce.services.discovery import (
    DiscoveryQuery,
    LeadershipQuery,
    run_discovery,
    run_discovery_listed,
    run_leadership,
    run_leadership_counts,
)
from hcsworkforce.store import CensusLoad, Store, open_store
from hcsworkforce.store.tables_discovery import read_leadership_counts, read_likely_hcs, write_discovery
from tests.discovery.extracts import (
    RGM_STAFF_IN_POST,
    RGT_STAFF_IN_POST,
    RJ1_STAFF_IN_POST,
    organisations_frame,
    to_frame,
)

CENSUS = date(2025, 3, 31)


def _census(store: Store) -> int:
    orgs = pl.DataFrame(
        {
            "code": ["RGT", "RGM", "RJ1"],
            "name": ["A", "B", "C"],
            "region_code": ["Y61", "Y61", "Y56"],
            "known": [True] * 3,
        }
    )
    return store.replace_census(
        CensusLoad(
            census_date=CENSUS,
            staff=pl.DataFrame(schema=STAFF_SCHEMA),
            leavers=pl.DataFrame(schema=LEAVER_SCHEMA),
            establishment=pl.DataFrame(schema=ESTABLISHMENT_SCHEMA),
            organisations=orgs,
            source_file="SIP.csv",
            file_sha256="0" * 64,
            establishment_file=None,
            has_leaver_data=False,
            data_quality={},
        )
    )


def test_counts_and_listed_rows_round_trip_scoped_and_replaced(db_url: str) -> None:
    store = open_store(db_url, migrate=True)
    census_id = _census(store)
    frame = pl.concat([to_frame(t) for t in (RGT_STAFF_IN_POST, RGM_STAFF_IN_POST, RJ1_STAFF_IN_POST)])
    counts = organisation_leadership(frame)
    likely = likely_hcs(frame).sort("organisation_code", "__row")
    with store.engine.begin() as conn:
        write_discovery(conn, census_id, counts, likely)
    assert read_leadership_counts(store, CENSUS).equals(counts)
    assert read_likely_hcs(store, CENSUS).equals(likely)
    # The stored counts give the same leadership figures as the person rows did.
    assert leadership_from_organisations(read_leadership_counts(store, CENSUS), organisations_frame()).equals(
        leadership(frame, organisations_frame())
    )
    # The service gives the same answer from what was stored as from the rows.
    for scope in (Scope(), Scope("region", "Y61"), Scope("organisation", "RGT")):
        q = LeadershipQuery(suppress_below=5, scope=scope)
        stored = run_leadership_counts(read_leadership_counts(store, CENSUS, scope), organisations_frame(), q)
        assert stored.to_json() == run_leadership(frame, organisations_frame(), q).to_json()
        dq = DiscoveryQuery(suppress_below=5, scope=scope)
        listed = run_discovery_listed(read_likely_hcs(store, CENSUS, scope), organisations_frame(), dq)
        assert listed.to_json() == run_discovery(frame, organisations_frame(), dq).to_json()
    region = read_leadership_counts(store, CENSUS, Scope("region", "Y61"))
    assert region["organisation_code"].to_list() == ["RGM", "RGT"]
    assert read_likely_hcs(store, CENSUS, Scope("organisation", "RJ1"))["__row"].to_list() == [7]
    # A trust's re-upload replaces its own rows only.
    rgm = to_frame(RGM_STAFF_IN_POST).filter(pl.col("__row") != 8)
    with store.engine.begin() as conn:
        write_discovery(conn, census_id, organisation_leadership(rgm), likely_hcs(rgm))
    assert read_likely_hcs(store, CENSUS)["organisation_code"].to_list() == ["RGT"] * 10 + ["RJ1"]
    assert read_leadership_counts(store, CENSUS).height == 3
    # Replacing the census takes its discovery with it.
    _census(store)
    assert read_leadership_counts(store, CENSUS).height == 0
    assert read_likely_hcs(store, CENSUS).height == 0
    assert read_likely_hcs(store, date(2020, 1, 1)).height == 0


def test_a_failed_import_writes_nothing(db_url: str) -> None:
    store = open_store(db_url, migrate=True)
    census_id = _census(store)
    frame = to_frame(RGT_STAFF_IN_POST)
    with pytest.raises(RuntimeError), store.engine.begin() as conn:
        write_discovery(conn, census_id, organisation_leadership(frame), likely_hcs(frame))
        raise RuntimeError("the rest of the import failed")
    assert read_leadership_counts(store, CENSUS).height == 0
    assert read_likely_hcs(store, CENSUS).height == 0
