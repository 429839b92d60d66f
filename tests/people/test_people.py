"""Key people: which required posts are vacant or ending on a date."""

from __future__ import annotations

from datetime import date

from hcsworkforce.analytics import people as pp
from hcsworkforce.analytics.people import DirectoryEntry as E

AS_OF = date(2025, 6, 1)


def _required() -> list[pp.RequiredPost]:
    nets = [pp.Network("Y56_life_sciences", "London Life Sciences network", "Y56", "life_sciences")]
    return pp.required_posts(
        {"RGT": "Y61", "R0A": "Y62"}, regions={"Y61": "East", "Y62": "North West"}, network_list=nets
    )


def test_required_posts_cover_every_scope() -> None:
    req = _required()
    kinds = {(r.role, r.scope_code) for r in req}
    assert ("trust_hcs_lead", "RGT") in kinds and ("board_hcs_member", "R0A") in kinds
    assert ("regional_msc_lead", "Y61") in kinds and ("network_lead", "Y56_life_sciences") in kinds
    # 2 roles x 2 organisations + 1 x 2 regions + 1 x 1 network
    assert len(req) == 7
    rgt = next(r for r in req if r.scope_code == "RGT")
    assert rgt.scope_name.startswith("CAMBRIDGE UNIVERSITY HOSPITALS")


def test_people_gaps_by_hand() -> None:
    entries = [
        E("trust_hcs_lead", "RGT", "A Lead", valid_from=date(2020, 1, 1)),  # filled, open-ended
        E(
            "board_hcs_member", "RGT", "B Board", valid_from=date(2021, 1, 1), valid_to=date(2025, 7, 31)
        ),  # ending
        E(
            "trust_hcs_lead", "R0A", "C Former", valid_from=date(2018, 1, 1), valid_to=date(2025, 3, 31)
        ),  # left
        E("board_hcs_member", "R0A", "D Board", valid_to=date(2025, 6, 30)),  # ends, successor booked
        E("board_hcs_member", "R0A", "E Next", valid_from=date(2025, 7, 1)),
        E("regional_msc_lead", "Y61", "F Region", valid_from=date(2026, 1, 1)),  # not yet started
        E("regional_msc_lead", "Y62", "G Region"),
        E(
            "network_lead",
            "Y56_life_sciences",
            "H Net",
            valid_from=date(2024, 1, 1),
            valid_to=date(2025, 6, 1),
        ),
    ]
    gaps = {(g["role"], g["scope_code"]): g for g in pp.people_gaps(entries, _required(), as_of=AS_OF)}
    assert set(gaps) == {
        ("board_hcs_member", "RGT"),
        ("trust_hcs_lead", "R0A"),
        ("regional_msc_lead", "Y61"),
        ("network_lead", "Y56_life_sciences"),
    }
    assert gaps[("board_hcs_member", "RGT")]["status"] == "ending"
    assert gaps[("board_hcs_member", "RGT")]["holder_until"] == date(2025, 7, 31)
    assert gaps[("trust_hcs_lead", "R0A")]["status"] == "vacant"
    assert gaps[("trust_hcs_lead", "R0A")]["last_holder"] == "C Former"
    assert gaps[("regional_msc_lead", "Y61")]["status"] == "vacant"
    # The last day of a term is inclusive: H Net still holds the post on 1 June, and it ends within 90 days.
    assert gaps[("network_lead", "Y56_life_sciences")]["status"] == "ending"

    everything = pp.people_gaps(entries, _required(), as_of=AS_OF, include_filled=True)
    assert len(everything) == 7
    summary = {(s["region_code"], s["role"]): s for s in pp.gaps_by_region(everything)}
    east = summary[("Y61", "board_hcs_member")]
    assert (east["region_name"], east["vacant"], east["ending"]) == ("East of England", 0, 1)
    assert summary[("Y62", "trust_hcs_lead")]["vacant"] == 1


def test_reference_roles_and_networks_load() -> None:
    roles = pp.key_roles()
    assert set(roles) == {"trust_hcs_lead", "board_hcs_member", "regional_msc_lead", "network_lead"}
    assert all(r.scope in pp.SCOPES for r in roles.values())
    assert len(pp.networks()) == 28
