"""The Framework as programs and the web page read it (``GET /api/v1/framework``).

The element catalogue of the domain, with what the audit adds: its rules (id,
severity and a one-line description) and how each severity is shown.

>>> doc = framework_document()
>>> [k["name"] for k in doc["kinds"]][:3]
['mission', 'vision', 'theory_of_action']
>>> next(r for r in doc["rules"] if r["rule"] == "orphaned-initiative")["severity"]
'error'
"""

from __future__ import annotations

from typing import Any

from coherence.domain.framework import FRAMEWORK, Catalogue
from coherence.queries.audit import ALL_ORDER, DEFINITIONS, HISTORY_RULES, Severity

SEVERITIES: dict[Severity, dict[str, str]] = {
    Severity.ERROR: {"label": "Error", "plural": "errors", "colour": "#dc2626"},
    Severity.WARNING: {"label": "Warning", "plural": "warnings", "colour": "#e8890c"},
    Severity.INFO: {"label": "Info", "plural": "info", "colour": "#0284c7"},
}
"""How each severity is shown in pages, reports and legends."""


def framework_document(catalogue: Catalogue = FRAMEWORK) -> dict[str, Any]:
    """The catalogue, the audit's rules and the severities, as JSON-ready data."""
    return {
        **catalogue.to_dict(),
        "rules": [
            {
                "rule": d.rule,
                "severity": d.severity.value,
                "description": _first_line(d.detect.__doc__),
                "history": d.rule in _HISTORY,
            }
            for d in (_ALL[rule_id] for rule_id in ALL_ORDER)
        ],
        "severities": [{"name": s.value, **look} for s, look in SEVERITIES.items()],
    }


_HISTORY = {d.rule: d for d in HISTORY_RULES}
_ALL: dict[str, Any] = {**DEFINITIONS, **_HISTORY}


def _first_line(doc: str | None) -> str:
    """``Find an initiative that ...`` -> ``An initiative that ...``."""
    line = " ".join((doc or "").strip().split("\n\n")[0].split())
    line = line.removeprefix("Find ")
    return line[:1].upper() + line[1:]
