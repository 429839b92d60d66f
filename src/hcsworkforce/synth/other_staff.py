"""Everyone in a trust who is not a healthcare scientist, for the whole-trust ESR reports `synth.esr` writes.

A trust's ESR staff-in-post report holds every staff group; the importer must count these rows by staff group
and load none of them. The staff-group mix is roughly the shape of NHS Workforce Statistics (about a quarter
nurses, a fifth each support and admin, a tenth doctors) but is not taken from a published file; the job
roles, areas of work, bands, position titles and occupation codes below are invented to look like ESR's (see
docs/synthetic-data.md). Planted among them: healthcare scientists coded in another staff group (the
"forgotten" group, with the evidence that gives them away) and medical pathologists (not healthcare scientists,
though their area of work names a pathology specialism), so a screen for the forgotten group has true and
false cases to find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from hcsworkforce.synth.workforce import LEAVER_RATE, LEAVING_REASONS

EPOCH = date(1970, 1, 1).toordinal()
AFC_FULL_TIME_HOURS = 37.5  # Agenda for Change full-time week
MEDICAL_FULL_TIME_HOURS = 40.0  # 10 programmed activities of 4 hours

# Staff groups as ESR and NHS England write them (shared/reference/nhs_data_layouts.md [U]), with the share of
# non-HCS staff in each: invented, roughly the NHS Workforce Statistics headcount shape.
OTHER_GROUP_SHARES = {
    "Nursing and Midwifery Registered": 0.27,
    "Additional Clinical Services": 0.22,
    "Administrative and Clerical": 0.22,
    "Medical and Dental": 0.10,
    "Allied Health Professionals": 0.07,
    "Estates and Ancillary": 0.07,
    "Add Prof Scientific and Technic": 0.04,
    "Students": 0.01,
}

# Rates of oddities among other staff (invented): shares of people, or of rows for the planted ones.
FORGOTTEN_PER_HCS = 0.03  # healthcare scientists coded in another staff group, per HCS in post
SECOND_ASSIGNMENT_RATE = 0.02  # a second, 0.2 FTE substantive assignment
BANK_EXTRA_RATE = 0.05  # an extra zero-FTE bank assignment beside the substantive one
BANK_ONLY_RATE = 0.03  # people whose only assignment is a zero-FTE bank one
HONORARY_MEDICAL_RATE = 0.03  # doctors (academics) whose only assignment is a zero-FTE honorary one
FIXED_TERM_RATE = 0.05  # fixed-term temporary contracts outside training grades
FULL_TIME_SHARE = 0.70

# Assignment statuses as ESR writes them (docs/esr-extracts.md), with invented shares of people in post.
STATUSES = (
    ("Active Assignment", 0.955),
    ("Maternity & Adoption", 0.025),
    ("Career Break", 0.004),
    ("Internal Secondment", 0.006),
    ("External Secondment", 0.003),
    ("Suspend Assignment", 0.001),
    ("Acting Up", 0.006),
)
DESTINATIONS = ("NHS Organisation", "No Employment", "Private Health/Social Care", "Unknown")
# Leaving reason -> chance of each destination above (invented).
DESTINATION_BY_REASON = {
    "Voluntary Resignation - Relocation": (0.50, 0.10, 0.10, 0.30),
    "Voluntary Resignation - Work Life Balance": (0.30, 0.10, 0.30, 0.30),
    "Voluntary Resignation - Promotion": (0.80, 0.00, 0.10, 0.10),
    "Retirement Age": (0.00, 0.85, 0.00, 0.15),
    "Flexi Retirement": (0.05, 0.80, 0.00, 0.15),
    "End of Fixed Term Contract": (0.40, 0.20, 0.00, 0.40),
    "Voluntary Resignation - Better Reward Package": (0.30, 0.00, 0.50, 0.20),
    "Voluntary Resignation - Other/Not Known": (0.20, 0.10, 0.00, 0.70),
}


@dataclass(frozen=True)
class Role:
    """One job role of a staff group, with what goes with it in an ESR row (all invented)."""

    group: str
    job_role: str
    weight: float  # within its staff group (or, for planted rows, within the planted kind)
    bands: tuple[tuple[str, float], ...]  # AfC band -> chance; empty for grades outside AfC
    areas: tuple[str, ...]
    titles: tuple[str, ...]
    codes: tuple[str, ...]  # occupation codes: invented, never U (the HCS matrix)
    grade: str | None = None  # ESR grade for staff outside Agenda for Change (doctors, students)
    age_mean: float = 42.0
    age_sd: float = 11.0
    fixed_term: bool = False
    kind: str = "other"  # other, forgotten (a healthcare scientist coded elsewhere) or decoy
    variant: str | None = None  # which planted case
    evidence: tuple[str, ...] = ()  # columns that give a planted healthcare scientist away


_WARDS = (
    "Adult",
    "Medicine",
    "Surgery",
    "Emergency Care",
    "Critical Care",
    "Theatres",
    "Oncology",
    "Community",
)
_MEDICAL = (
    "General Medicine",
    "General Surgery",
    "Anaesthetics",
    "Paediatrics",
    "Psychiatry",
    "Emergency Medicine",
    "Obstetrics and Gynaecology",
    "Radiology",
)
_NM, _AHP, _ST = (
    "Nursing and Midwifery Registered",
    "Allied Health Professionals",
    "Add Prof Scientific and Technic",
)
_ACS, _AC, _EA = "Additional Clinical Services", "Administrative and Clerical", "Estates and Ancillary"
_MD, _SU = "Medical and Dental", "Students"

# fmt: off
ROLES: tuple[Role, ...] = (
    Role(_NM, "Staff Nurse", 0.55, (("5", 1.0),), (*_WARDS, "Paediatrics", "Mental Health"),
         ("Staff Nurse", "Registered Nurse"), ("N1A", "N1B", "N1C")),
    Role(_NM, "Sister/Charge Nurse", 0.18, (("6", 0.7), ("7", 0.3)), _WARDS,
         ("Ward Sister", "Charge Nurse", "Senior Staff Nurse"), ("N2A", "N2B")),
    Role(_NM, "Midwife", 0.10, (("5", 0.3), ("6", 0.55), ("7", 0.15)), ("Maternity",),
         ("Midwife", "Community Midwife"), ("N3A",)),
    Role(_NM, "Specialist Nurse Practitioner", 0.08, (("6", 0.4), ("7", 0.6)), _WARDS,
         ("Clinical Nurse Specialist", "Advanced Nurse Practitioner"), ("N4A", "N4B")),
    Role(_NM, "Nurse Manager", 0.045, (("7", 0.3), ("8a", 0.4), ("8b", 0.2), ("8c", 0.1)), _WARDS,
         ("Ward Manager", "Head of Nursing"), ("N5A",), age_mean=48, age_sd=8),
    Role(_NM, "Modern Matron", 0.02, (("8a", 1.0),), _WARDS, ("Matron",), ("N5B",), age_mean=48, age_sd=8),
    Role(_NM, "Nurse Consultant", 0.01, (("8a", 0.3), ("8b", 0.4), ("8c", 0.3)), _WARDS, ("Nurse Consultant",),
         ("N6A",), age_mean=50, age_sd=7),
    Role(_NM, "Director of Nursing", 0.002, (("8d", 0.5), ("9", 0.5)), ("Corporate Nursing",),
         ("Chief Nurse", "Deputy Chief Nurse"), ("N7A",), age_mean=52, age_sd=6),
    Role(_AHP, "Physiotherapist", 0.30, (("5", 0.3), ("6", 0.45), ("7", 0.25)), ("Physiotherapy",),
         ("Physiotherapist", "Senior Physiotherapist"), ("S1A", "S1B")),
    Role(_AHP, "Occupational Therapist", 0.25, (("5", 0.3), ("6", 0.45), ("7", 0.25)), ("Occupational Therapy",),
         ("Occupational Therapist",), ("S2A",)),
    Role(_AHP, "Radiographer - Diagnostic", 0.20, (("5", 0.35), ("6", 0.4), ("7", 0.25)), ("Radiography",),
         ("Diagnostic Radiographer", "Senior Radiographer"), ("S3A",)),
    Role(_AHP, "Radiographer - Therapeutic", 0.05, (("5", 0.4), ("6", 0.4), ("7", 0.2)), ("Radiotherapy",),
         ("Therapeutic Radiographer",), ("S3B",)),
    Role(_AHP, "Speech and Language Therapist", 0.08, (("5", 0.3), ("6", 0.45), ("7", 0.25)),
         ("Speech and Language Therapy",), ("Speech and Language Therapist",), ("S4A",)),
    Role(_AHP, "Dietitian", 0.06, (("5", 0.35), ("6", 0.45), ("7", 0.2)), ("Dietetics",), ("Dietitian",), ("S5A",)),
    Role(_AHP, "Podiatrist", 0.04, (("5", 0.4), ("6", 0.4), ("7", 0.2)), ("Podiatry",), ("Podiatrist",), ("S6A",)),
    Role(_AHP, "Orthoptist", 0.01, (("5", 0.4), ("6", 0.4), ("7", 0.2)), ("Orthoptics",), ("Orthoptist",), ("S7A",)),
    Role(_AHP, "Manager", 0.008, (("8a", 0.4), ("8b", 0.4), ("8c", 0.2)), ("Therapies",),
         ("Therapy Services Manager", "Head of Therapies"), ("S8A",), age_mean=48, age_sd=8),
    Role(_AHP, "Consultant Therapist", 0.004, (("8b", 0.5), ("8c", 0.5)), ("Physiotherapy", "Occupational Therapy"),
         ("Consultant Physiotherapist", "Consultant Occupational Therapist"), ("S8B",), age_mean=50, age_sd=7),
    Role(_AHP, "Manager", 0.002, (("8d", 0.6), ("9", 0.4)), ("Therapies",),
         ("Chief Allied Health Professional",), ("S8C",), age_mean=52, age_sd=6),
    Role(_ST, "Pharmacist", 0.30, (("6", 0.2), ("7", 0.5), ("8a", 0.25), ("8b", 0.05)), ("Pharmacy",),
         ("Pharmacist", "Senior Pharmacist"), ("P1A",)),
    Role(_ST, "Pharmacy Technician", 0.30, (("4", 0.4), ("5", 0.6)), ("Pharmacy",), ("Pharmacy Technician",),
         ("P2A",)),
    Role(_ST, "Clinical Psychologist", 0.15, (("7", 0.3), ("8a", 0.4), ("8b", 0.2), ("8c", 0.1)), ("Psychology",),
         ("Clinical Psychologist",), ("P3A",)),
    Role(_ST, "Operating Department Practitioner", 0.15, (("5", 0.5), ("6", 0.5)), ("Theatres",),
         ("Operating Department Practitioner",), ("P4A",)),
    Role(_ST, "Psychotherapist", 0.05, (("7", 0.5), ("8a", 0.5)), ("Psychotherapy",), ("Psychotherapist",),
         ("P5A",)),
    Role(_ST, "Counsellor", 0.05, (("5", 0.5), ("6", 0.5)), ("Psychology",), ("Counsellor",), ("P5B",)),
    Role(_ACS, "Healthcare Assistant", 0.45, (("2", 0.6), ("3", 0.4)), _WARDS,
         ("Healthcare Assistant", "Health Care Support Worker"), ("H1A",)),
    Role(_ACS, "Support Worker", 0.30, (("2", 0.5), ("3", 0.5)), ("Mental Health", "Community", "Learning Disabilities"),
         ("Support Worker",), ("H1B",)),
    Role(_ACS, "Assistant Practitioner", 0.10, (("4", 1.0),), ("Medicine", "Community"),
         ("Assistant Practitioner",), ("H2A",)),
    Role(_ACS, "Nursery Nurse", 0.05, (("3", 0.5), ("4", 0.5)), ("Paediatrics", "Maternity"), ("Nursery Nurse",),
         ("H3A",)),
    Role(_ACS, "Maternity Support Worker", 0.05, (("2", 0.3), ("3", 0.7)), ("Maternity",),
         ("Maternity Support Worker",), ("H3B",)),
    Role(_ACS, "Therapy Assistant", 0.05, (("3", 0.6), ("4", 0.4)), ("Physiotherapy", "Occupational Therapy"),
         ("Therapy Assistant",), ("H4A",)),
    Role(_AC, "Administrator", 0.25, (("3", 0.6), ("4", 0.4)), ("Medical Records", "Outpatients", "Finance"),
         ("Administrator", "Ward Administrator"), ("G1A",)),
    Role(_AC, "Clerical Worker", 0.25, (("2", 0.6), ("3", 0.4)), ("Medical Records", "Outpatients"),
         ("Clerical Officer", "Medical Records Clerk"), ("G1B",)),
    Role(_AC, "Secretary/Personal Assistant", 0.15, (("3", 0.6), ("4", 0.4)), ("Outpatients", "Corporate"),
         ("Medical Secretary", "Personal Assistant"), ("G2A",)),
    Role(_AC, "Receptionist", 0.10, (("2", 1.0),), ("Outpatients",), ("Receptionist",), ("G2B",)),
    Role(_AC, "Officer", 0.10, (("5", 0.5), ("6", 0.5)), ("Finance", "Human Resources", "Information Technology"),
         ("Finance Officer", "HR Officer", "IT Officer"), ("G3A",)),
    Role(_AC, "Manager", 0.12, (("7", 0.4), ("8a", 0.4), ("8b", 0.2)), ("Finance", "Human Resources", "Corporate"),
         ("Service Manager", "Operational Manager"), ("G4A",)),
    Role(_AC, "Senior Manager", 0.025, (("8b", 0.3), ("8c", 0.4), ("8d", 0.3)), ("Corporate",),
         ("General Manager", "Associate Director"), ("G5A",), age_mean=48, age_sd=8),
    Role(_AC, "Chief Executive", 0.005, (("9", 1.0),), ("Corporate",),
         ("Director of Finance", "Director of Workforce", "Chief Operating Officer"), ("G6A",), age_mean=52, age_sd=6),
    Role(_EA, "Domestic", 0.30, (("2", 1.0),), ("Hotel Services",), ("Domestic Assistant",), ("E1A",)),
    Role(_EA, "Porter", 0.20, (("2", 1.0),), ("Facilities",), ("Porter",), ("E1B",)),
    Role(_EA, "Catering", 0.15, (("2", 0.7), ("3", 0.3)), ("Catering",), ("Catering Assistant", "Cook"), ("E2A",)),
    Role(_EA, "Maintenance Craftsperson", 0.15, (("4", 0.6), ("5", 0.4)), ("Estates",),
         ("Electrician", "Plumber", "Maintenance Technician"), ("E3A",)),
    Role(_EA, "Security Officer", 0.10, (("2", 0.5), ("3", 0.5)), ("Facilities",), ("Security Officer",), ("E4A",)),
    Role(_EA, "Estates Officer", 0.10, (("5", 0.5), ("6", 0.3), ("7", 0.2)), ("Estates",), ("Estates Officer",),
         ("E5A",)),
    Role(_MD, "Consultant", 0.33, (), _MEDICAL, ("Consultant",), ("110", "120", "130"), grade="Consultant",
         age_mean=48, age_sd=8),
    Role(_MD, "Specialty Registrar", 0.25, (), _MEDICAL, ("Specialty Registrar",), ("210", "220"),
         grade="Specialty Registrar", age_mean=33, age_sd=4, fixed_term=True),
    Role(_MD, "Foundation Year 1", 0.07, (), _MEDICAL, ("Foundation Year 1 Doctor",), ("310",),
         grade="Foundation Year 1", age_mean=25, age_sd=2, fixed_term=True),
    Role(_MD, "Foundation Year 2", 0.07, (), _MEDICAL, ("Foundation Year 2 Doctor",), ("320",),
         grade="Foundation Year 2", age_mean=26, age_sd=2, fixed_term=True),
    Role(_MD, "Core Training", 0.10, (), _MEDICAL, ("Core Trainee",), ("330",), grade="Core Training",
         age_mean=29, age_sd=3, fixed_term=True),
    Role(_MD, "Specialty Doctor", 0.12, (), _MEDICAL, ("Specialty Doctor",), ("410",), grade="Specialty Doctor"),
    Role(_MD, "Associate Specialist", 0.02, (), _MEDICAL, ("Associate Specialist",), ("420",),
         grade="Associate Specialist", age_mean=50, age_sd=7),
    # A decoy: doctors in pathology are not healthcare scientists, though their area names an HCS specialism.
    Role(_MD, "Consultant", 0.02, (), ("Histopathology", "Chemical Pathology"), ("Consultant Pathologist",),
         ("140",), grade="Consultant", age_mean=49, age_sd=8, kind="decoy", variant="medical_pathologist"),
    Role(_SU, "Student Nurse", 0.70, (), ("Adult",), ("Student Nurse",), ("N9A",), grade="Student", age_mean=22,
         age_sd=4, fixed_term=True),
    Role(_SU, "Student Midwife", 0.20, (), ("Maternity",), ("Student Midwife",), ("N9B",), grade="Student",
         age_mean=22, age_sd=4, fixed_term=True),
    Role(_SU, "Student Physiotherapist", 0.10, (), ("Physiotherapy",), ("Student Physiotherapist",), ("S9A",),
         grade="Student", age_mean=22, age_sd=4, fixed_term=True),
)

# Healthcare scientists coded in another staff group (weight = share of the planted rows), with the columns
# that give each away. The T codes stand for the retired HCS occupation-code matrix (values invented).
FORGOTTEN: tuple[Role, ...] = (
    Role(_ST, "Clinical Physiologist", 0.35, (("5", 0.4), ("6", 0.4), ("7", 0.2)), ("Cardiology",),
         ("Cardiac Physiologist",), ("P6A",), kind="forgotten", variant="cardiac_physiologist",
         evidence=("Job Role", "Position Title")),
    Role(_ST, "Technician", 0.15, (("5", 0.5), ("6", 0.5)), ("Audiology",), ("Audiologist",), ("P6B",),
         kind="forgotten", variant="audiologist", evidence=("Position Title", "Area of Work")),
    Role(_ACS, "Support Worker", 0.25, (("2", 0.5), ("3", 0.5)), ("Pathology",), ("Laboratory Assistant",),
         ("H5A",), kind="forgotten", variant="laboratory_assistant", evidence=("Position Title", "Area of Work")),
    Role(_ST, "Technician", 0.15, (("4", 0.3), ("5", 0.4), ("6", 0.3)), ("Medical Engineering",),
         ("Clinical Engineering Technician",), ("P6C",), kind="forgotten", variant="clinical_engineering",
         evidence=("Position Title",)),
    Role(_ST, "Technician", 0.10, (("4", 0.5), ("5", 0.5)), ("Diagnostics",), ("Technician",), ("T1A", "T2C"),
         kind="forgotten", variant="t_matrix_code", evidence=("Occupation Code",)),
)
# fmt: on

ALL_ROLES = ROLES + FORGOTTEN
CATEGORIES = ("Permanent", "Fixed Term Temp", "Bank", "Honorary")
PERMANENT, FIXED_TERM, BANK, HONORARY = range(4)
REASONS = tuple(r for r, _ in LEAVING_REASONS)
END_OF_FIXED_TERM = REASONS.index("End of Fixed Term Contract")
NO_END = np.iinfo(np.int64).max
NULL_DAY = -(2**31)  # "no date", as synth.esr reads the person frames


def _vocab(attr: str) -> tuple[str, ...]:
    return tuple(sorted({v for r in ALL_ROLES for v in getattr(r, attr)}))


VOCAB = {attr: _vocab(attr) for attr in ("areas", "titles", "codes")}
BAND_VOCAB = (*sorted({b for r in ALL_ROLES for b, _ in r.bands}), None)  # None last: outside AfC


def _strings(vocab: tuple[str | None, ...], idx: np.ndarray) -> pl.Series:
    """The strings of integer codes (a gather from the small vocabulary: fast for millions of rows)."""
    return pl.Series(list(vocab), dtype=pl.String).gather(idx)


def _pick(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    return rng.choice(weights.size, size=size, p=weights / weights.sum())


def _role_of(rng: np.random.Generator, n: int, ratio: float) -> np.ndarray:
    """Role index (into ALL_ROLES) of n other-staff people: staff group by share, role by weight within it,
    and the planted forgotten healthcare scientists at FORGOTTEN_PER_HCS per healthcare scientist."""
    group = _pick(rng, np.array(list(OTHER_GROUP_SHARES.values())), n)
    role = np.empty(n, dtype=np.int64)
    for g, name in enumerate(OTHER_GROUP_SHARES):
        idx = [i for i, r in enumerate(ROLES) if r.group == name]
        sel = np.flatnonzero(group == g)
        role[sel] = np.array(idx)[_pick(rng, np.array([ROLES[i].weight for i in idx]), sel.size)]
    forgotten_share = min(0.5, FORGOTTEN_PER_HCS / ratio) if ratio > 0 else 0.0
    planted = np.flatnonzero(rng.random(n) < forgotten_share)
    role[planted] = len(ROLES) + _pick(rng, np.array([r.weight for r in FORGOTTEN]), planted.size)
    return role


def _flat_table(attr: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each role's `attr` values laid end to end as indices into VOCAB[attr]: (values, offset, count)."""
    vocab = {v: i for i, v in enumerate(VOCAB[attr])}
    values = np.array([vocab[v] for r in ALL_ROLES for v in getattr(r, attr)], dtype=np.int32)
    count = np.array([len(getattr(r, attr)) for r in ALL_ROLES], dtype=np.int64)
    return values, np.concatenate([[0], np.cumsum(count)[:-1]]), count


_TABLES = {attr: _flat_table(attr) for attr in VOCAB}
# Bands: per role, cumulative chances over at most four bands (padded with 1.0) and their BAND_VOCAB index.
_BAND_WIDTH = max(len(r.bands) for r in ALL_ROLES)
_BAND_CUM = np.ones((len(ALL_ROLES), _BAND_WIDTH))
_BAND_IDX = np.full((len(ALL_ROLES), _BAND_WIDTH), len(BAND_VOCAB) - 1, dtype=np.int32)
for _i, _r in enumerate(ALL_ROLES):
    if _r.bands:
        _p = np.array([p for _, p in _r.bands])
        _BAND_CUM[_i, : _p.size] = np.cumsum(_p) / _p.sum()
        _BAND_IDX[_i, : _p.size] = [BAND_VOCAB.index(b) for b, _ in _r.bands]
        _BAND_IDX[_i, _p.size :] = _BAND_IDX[_i, _p.size - 1]


def _choose_within(rng: np.random.Generator, role: np.ndarray, attr: str) -> np.ndarray:
    """For each person, one of their role's `attr` values (areas, titles, codes), uniformly, as an index
    into VOCAB[attr]."""
    values, offset, count = _TABLES[attr]
    pos = offset[role] + np.minimum((rng.random(role.size) * count[role]).astype(np.int64), count[role] - 1)
    return np.asarray(values[pos])


def _band_of(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    """Each person's band (an index into BAND_VOCAB) by their role's band chances."""
    u = rng.random(role.size)
    col = np.minimum((u[:, None] >= _BAND_CUM[role]).sum(axis=1), _BAND_WIDTH - 1)
    return np.asarray(_BAND_IDX[role, col])


def pick_by_unit(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Index of the category each uniform draw in u falls in, for categories with these weights."""
    cum = np.cumsum(weights)
    idx = np.searchsorted(cum / cum[-1], u, side="right")
    return np.asarray(np.minimum(idx, cum.size - 1), dtype=np.int64)


def destination_index(reason: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index into DESTINATIONS for each leaving reason (an index into REASONS), from a uniform draw each."""
    out = np.zeros(reason.size, dtype=np.int64)
    for k, why in enumerate(REASONS):
        sel = np.flatnonzero(reason == k)
        if sel.size:
            out[sel] = pick_by_unit(u[sel], np.array(DESTINATION_BY_REASON[why]))
    return out


def destinations(reason: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Leaver destination for each leaving reason (None for people in post), from a uniform draw each."""
    known = np.isin(reason, REASONS)
    idx = np.full(reason.size, -1, dtype=np.int64)
    idx[known] = [REASONS.index(r) for r in reason[known]]
    out = np.full(reason.size, None, dtype=object)
    out[known] = np.array(DESTINATIONS, dtype=object)[destination_index(idx[known], u[known])]
    return out


_ROLE_COLUMNS = {  # per role index: what synth.esr's person rows carry
    "staff_group": tuple(r.group for r in ALL_ROLES),
    "job_role": tuple(r.job_role for r in ALL_ROLES),
    "grade_text": tuple(r.grade for r in ALL_ROLES),
    "kind": tuple(r.kind for r in ALL_ROLES),
    "variant": tuple(r.variant for r in ALL_ROLES),
}
_HOURS = np.array([MEDICAL_FULL_TIME_HOURS if r.group == _MD else AFC_FULL_TIME_HOURS for r in ALL_ROLES])


class OtherStaff:
    """The non-HCS people of each trust: made once for the first report date, then (for a monthly history)
    moved on a month at a time with leavers replaced one for one, so a person keeps one employee number.
    Text attributes are held as integer codes into small vocabularies, so 1.5 million people stay fast."""

    FIRST_NUMBER = 50_000_000  # employee numbers apart from the healthcare scientists' 10,000,000 range

    def __init__(self, seed: int, hcs_headcount: dict[str, int], ratio: float, first_report: date) -> None:
        self.rng = np.random.default_rng([seed, 40])
        rng = self.rng
        self.ratio = ratio
        self.orgs = tuple(sorted(hcs_headcount))
        # Trusts differ in how many other staff they have for each healthcare scientist (invented spread),
        # scaled so the whole file has about `ratio` of them per healthcare scientist.
        hcs = np.array([hcs_headcount[o] for o in self.orgs], dtype=np.float64)
        spread = rng.lognormal(0.0, 0.25, len(self.orgs))
        want = hcs * spread * (ratio * hcs.sum() / max(float((hcs * spread).sum()), 1e-9))
        org = np.repeat(np.arange(len(self.orgs)), np.round(want).astype(np.int64))
        n = int(org.size)
        # And the leavers of the 12 months before the first report date, who were in post before it.
        n_leavers = round(n * LEAVER_RATE)
        leaver_org = org[rng.integers(0, n, n_leavers)] if n else np.zeros(0, dtype=np.int64)
        today = first_report.toordinal() - EPOCH
        self.next_number = self.FIRST_NUMBER
        self.people = self._new(np.concatenate([org, leaver_org]), today)
        leaving = np.arange(n, n + n_leavers)
        p = self.people
        p["end"][leaving] = today - rng.integers(0, 365, n_leavers)
        p["start"][leaving] = np.minimum(p["start"][leaving], p["end"][leaving] - 30)
        p["hire"][leaving] = np.minimum(p["hire"][leaving], p["start"][leaving])
        self._set_reasons(leaving)
        self.monthly_leaving = 1 - (1 - LEAVER_RATE) ** (1 / 12)

    def _new(
        self, org: np.ndarray, today: int, role: np.ndarray | None = None, joining: bool = False
    ) -> dict[str, np.ndarray]:
        rng = self.rng
        n = org.size
        if role is None:
            role = _role_of(rng, n, self.ratio)
        age_mean = np.array([r.age_mean for r in ALL_ROLES])[role] - (3 if joining else 0)
        age_sd = np.array([r.age_sd for r in ALL_ROLES])[role]
        age = np.clip(np.round(rng.normal(age_mean, age_sd)), 18, 67).astype(np.int64)
        dob = today - np.round(age * 365.25).astype(np.int64) - rng.integers(0, 365, n)
        if joining:
            start = today - rng.integers(0, 28, n)
        else:
            tenure = np.minimum(
                rng.exponential(8 * 365, n).astype(np.int64), np.maximum((age - 18) * 365, 30)
            )
            start = today - tenure
        fixed = np.array([r.fixed_term for r in ALL_ROLES])[role] | (rng.random(n) < FIXED_TERM_RATE)
        doctor = np.array([r.group == _MD for r in ALL_ROLES])[role]
        fte = np.where(rng.random(n) < FULL_TIME_SHARE, 1.0, rng.choice([0.4, 0.5, 0.6, 0.7, 0.8, 0.9], n))
        category = np.where(fixed, FIXED_TERM, PERMANENT)
        honorary = doctor & (rng.random(n) < HONORARY_MEDICAL_RATE)
        bank_only = ~honorary & (rng.random(n) < BANK_ONLY_RATE)
        category[bank_only] = BANK
        category[honorary] = HONORARY
        fte[bank_only | honorary] = 0.0
        status = _pick(rng, np.array([p for _, p in STATUSES]), n)
        status[bank_only | honorary] = 0  # Active Assignment
        substantive = ~(bank_only | honorary)
        hire = np.where(rng.random(n) < 0.05, start - rng.integers(365, 3650, n), start)
        hire = np.minimum(np.maximum(hire, dob + 16 * 366), start)
        numbers = np.arange(self.next_number, self.next_number + n, dtype=np.int64)
        self.next_number += n
        return {
            "number": numbers,
            "org": org,
            "role": role,
            "band": _band_of(rng, role),
            "area": _choose_within(rng, role, "areas"),
            "title": _choose_within(rng, role, "titles"),
            "code": _choose_within(rng, role, "codes"),
            "category": category,
            "status": status,
            "fte": fte,
            "dob": dob,
            "gender": (rng.random(n) < 0.23).astype(np.int32),  # 0 Female, 1 Male (invented share)
            "start": start,
            "hire": hire,
            "latest_blank": rng.random(n) < 0.005,
            "end": np.full(n, NO_END, dtype=np.int64),
            "reason": np.zeros(n, dtype=np.int64),
            "destination": np.zeros(n, dtype=np.int64),
            "second": substantive & (rng.random(n) < SECOND_ASSIGNMENT_RATE),
            "bank_extra": substantive & (rng.random(n) < BANK_EXTRA_RATE),
        }

    def _set_reasons(self, who: np.ndarray) -> None:
        rng = self.rng
        why = _pick(rng, np.array([p for _, p in LEAVING_REASONS]), who.size)
        fixed = self.people["category"][who] == FIXED_TERM
        why = np.where(fixed & (rng.random(who.size) < 0.5), END_OF_FIXED_TERM, why)
        self.people["reason"][who] = why
        self.people["destination"][who] = destination_index(why, rng.random(who.size))

    def step(self, first_day: int, last_day: int) -> None:
        """One calendar month: some people leave on a day of it, and each is replaced by a new joiner."""
        rng = self.rng
        p = self.people
        in_post = np.flatnonzero((p["end"] > last_day) & (p["start"] <= last_day))
        leaving = in_post[rng.random(in_post.size) < self.monthly_leaving]
        day = first_day + rng.integers(0, last_day - first_day + 1, leaving.size)
        p["end"][leaving] = np.maximum(day, p["start"][leaving])
        self._set_reasons(leaving)
        new = self._new(p["org"][leaving], last_day, role=p["role"][leaving], joining=True)
        new["start"] = np.maximum(new["start"], first_day)
        new["hire"] = np.minimum(new["hire"], new["start"])
        for k, v in new.items():
            p[k] = np.concatenate([p[k], v])

    def persons(self, since: int, today: int) -> pl.DataFrame:
        """One row per person in post on `today` or leaving in (since, today], in synth.esr's person schema
        (dates as day numbers, NULL_DAY for none)."""
        p = self.people
        keep = np.flatnonzero((p["start"] <= today) & (p["end"] > since))
        left = p["end"][keep] <= today
        role = p["role"][keep]
        statuses = tuple(s for s, _ in STATUSES)
        frame = pl.DataFrame(
            {
                "person": p["number"][keep],
                "org": _strings(self.orgs, p["org"][keep]),
                **{c: _strings(v, role) for c, v in _ROLE_COLUMNS.items()},
                "occupation_code": _strings(VOCAB["codes"], p["code"][keep]),
                "area_of_work": _strings(VOCAB["areas"], p["area"][keep]),
                "position_title": _strings(VOCAB["titles"], p["title"][keep]),
                "band": _strings(BAND_VOCAB, p["band"][keep]),
                "category": _strings(CATEGORIES, p["category"][keep]),
                "status": _strings(statuses, np.where(left, 0, p["status"][keep])),
                "fte": p["fte"][keep],
                "full_time_hours": _HOURS[role],
                "dob": p["dob"][keep],
                "gender": _strings(("Female", "Male"), p["gender"][keep]),
                "hire": p["hire"][keep],
                "latest_start": np.where(p["latest_blank"][keep], NULL_DAY, p["start"][keep]),
                "end": np.where(left, p["end"][keep], NULL_DAY),
                "reason": _strings((*REASONS, None), np.where(left, p["reason"][keep], len(REASONS))),
                "destination": _strings(
                    (*DESTINATIONS, None), np.where(left, p["destination"][keep], len(DESTINATIONS))
                ),
                "area_is_specialism": np.zeros(keep.size, dtype=bool),
                "second": p["second"][keep] & ~left,
                "bank_extra": p["bank_extra"][keep] & ~left,
            }
        )
        return frame.with_columns(pl.col("area_of_work").alias("dept"))
