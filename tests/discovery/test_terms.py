"""The evidence terms table: built from the specialism taxonomy, sourced, and free of self-contradiction."""

from __future__ import annotations

from hcsworkforce import reference
from hcsworkforce.analytics.discovery import EVIDENCE_KINDS, find_terms, normalise_text, shipped_terms


def test_every_specialism_name_and_alias_is_a_term_or_left_out_with_a_reason() -> None:
    rows = reference.read_table("hcs_evidence_terms")
    terms = {normalise_text(r["term"]): r for r in rows if r["kind"] in (*EVIDENCE_KINDS, "ignored")}
    for s in reference.specialisms().values():
        if s.status == "not_known":
            continue  # the importer's "Blood Sciences (specialism not known)" placeholders: no one writes them
        for label in (s.name, *s.aliases):
            row = terms.get(normalise_text(label))
            assert row is not None, f"{s.id}: {label!r} is not in hcs_evidence_terms.csv"
            if row["kind"] == "ignored":
                assert len(row["note"]) > 30, f"{label!r} is ignored without a reason"


def test_each_evidence_term_appears_once() -> None:
    evidence = [t.term for t in shipped_terms().terms if t.kind in (*EVIDENCE_KINDS, "ignored")]
    assert len(evidence) == len(set(evidence))


def test_no_evidence_term_contains_a_negative_that_would_veto_it() -> None:
    terms = shipped_terms()
    for field in ("job_role", "position_title", "area_of_work"):
        negatives = terms.of(("negative",), field)
        for t in terms.of(EVIDENCE_KINDS, field):
            assert not find_terms(t.term, negatives)[0], f"{t.term!r} would veto itself in {field}"


def test_role_words_are_whole_words() -> None:
    roles = shipped_terms().of(("role",), "position_title")
    assert [t.term for t in find_terms("Physiotherapist", roles)[0]] == []
    assert [t.term for t in find_terms("Senior Cardiac Physiologist", roles)[0]] == ["cardiac physiologist"]
    found, rest = find_terms("Consultant Clinical Scientist (Audiology)", roles)
    assert [t.term for t in found] == ["consultant clinical scientist"]
    assert rest == "| audiology"


def test_unverified_rows_say_where_they_come_from() -> None:
    for r in reference.read_table("hcs_evidence_terms"):
        if r["verified"] == "unverified":
            assert "judgement" in r["source"] or "issue 12" in r["source"], r["term"]
