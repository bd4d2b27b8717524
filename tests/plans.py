"""Small plan files for tests, built as data so each test says what it changes."""

from __future__ import annotations

import copy
from typing import Any

from coherence.application.planfile import PlanDocument, check_document, dump_document

BASE: dict[str, Any] = {
    "format": "coherence/plan@1",
    "plan": {
        "id": "example-2025",
        "district": "Example Public Schools",
        "title": "District Plan 2025-2028",
        "period": {"start": "2025-07-01", "end": "2028-06-30"},
    },
    "mission": "Every student leaves ready for college, career and civic life.",
    "vision": "Students read, reason and belong.",
    "theory_of_action": "If we invest in early literacy, then every student reads by grade 3.",
    "core_values": [
        {"key": "CV1", "name": "Equity", "description": "Each student gets what they need."}
    ],
    "data_findings": [
        {
            "key": "DF1",
            "statement": "Grade 3 ELA at 42%",
            "subject": "ELA",
            "student_group": "all",
            "source": "MCAS 2024",
        }
    ],
    "objectives": [
        {
            "key": "SO1",
            "title": "Early literacy",
            "description": "All students read by grade 3",
            "informed_by": ["DF1"],
        },
        {"key": "SO2", "title": "Belonging", "informed_by": []},
    ],
    "initiatives": [
        {
            "key": "SI1.1",
            "title": "Tutoring",
            "owner": "Director of Curriculum",
            "supports": ["SO1"],
            "start": "2025-09-01",
            "end": "2027-06-30",
        },
        {
            "key": "SI2.1",
            "title": "Family liaisons",
            "owner": "Director of Family Engagement",
            "supports": ["SO2"],
        },
    ],
    "outcomes": [
        {
            "key": "OC1",
            "measures": "SO1",
            "kind": "final",
            "statement": "By June 2028, 60% meet expectations",
            "metric": "Grade 3 ELA meeting expectations",
            "student_group": "all",
            "baseline": 42,
            "target": 60,
            "unit": "percent",
            "due": "2028-06-30",
            "results": [{"as_of": "2026-06-30", "value": 47}],
        },
    ],
    "professional_learning": [
        {
            "key": "PL1",
            "title": "Science of reading",
            "kind": "professional_development",
            "enables": ["SI1.1"],
            "audience": "K-3 teachers",
        },
    ],
    "benchmarks": [
        {
            "key": "B1",
            "tracks": "SI1.1",
            "school_year": "2025-2026",
            "kind": "process",
            "description": "Tutors hired",
            "owner": "HR",
            "due": "2025-10-01",
            "status": "on_track",
        },
    ],
    "budget_lines": [
        {
            "key": "BL-1001",
            "fiscal_year": "FY26",
            "fund": "Title I",
            "account": "1000-2305",
            "description": "Tutors",
            "amount": 120000,
            "fte": 1.5,
            "funds": [{"target": "SI1.1", "amount": 80000}, {"target": "PL1", "amount": 40000}],
        },
    ],
    "school_plans": [
        {
            "key": "SIP-LIN",
            "school": "Lincoln Elementary",
            "school_year": "2025-2026",
            "aligns_to": ["SO1"],
        }
    ],
    "educator_goals": [
        {
            "key": "EG1",
            "educator": "Grade 3 team, Lincoln",
            "kind": "student_learning",
            "school_year": "2025-2026",
            "statement": "Raise fluency",
            "aligns_to": ["SO1"],
        }
    ],
}


def plan_data(**changes: Any) -> dict[str, Any]:
    """A copy of the base plan file with top-level sections replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


def document(data: dict[str, Any] | None = None) -> PlanDocument:
    return check_document(data if data is not None else plan_data(), filename="test.yaml")


def yaml_text(data: dict[str, Any] | None = None) -> str:
    return dump_document(data if data is not None else plan_data())


LONG = (
    "Ensure that every single student in every one of our schools, from the youngest "
    "kindergartners to the seniors about to graduate, reads, writes and reasons at grade level"
)


def stress_plan(objectives: int = 12) -> dict[str, Any]:
    """A plan for the slides' worst case (``retreat-stress``): twelve objectives with long
    titles, the first without initiatives, the others with seven each, long owners, and
    no outcomes."""
    data = plan_data()
    data["plan"] = {**data["plan"], "id": "retreat-stress", "title": LONG}
    data["objectives"] = [
        {"key": f"SO{i}", "title": f"{LONG} (objective {i})", "informed_by": []}
        for i in range(1, objectives + 1)
    ]
    data["initiatives"] = [
        {
            "key": f"SI{i}.{j}",
            "title": f"{LONG} ({i}.{j})",
            "owner": "Assistant Superintendent for Teaching, Learning and Instructional Technology",
            "supports": [f"SO{i}"],
        }
        for i in range(2, objectives + 1)
        for j in range(1, 8)
    ]
    for section in (
        "outcomes",
        "benchmarks",
        "professional_learning",
        "budget_lines",
        "school_plans",
        "educator_goals",
    ):
        data[section] = []
    return data
