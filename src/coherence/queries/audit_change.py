"""What a change did to a plan's audit: the findings it resolved and the ones it added.

A finding is the same finding before and after when its rule and element are (its
message may change with the element's title); when one element has several findings of
one rule, their messages tell them apart.

>>> from coherence.queries.audit.model import Finding, Severity
>>> so5 = Finding("unfunded-objective", Severity.ERROR, "objective", "SO5", "SO5 is unfunded")
>>> si4 = Finding("initiative-without-benchmark", Severity.WARNING, "initiative", "SI4.2", "...")
>>> change = audit_change([so5], [si4])
>>> [f["key"] for f in change["resolved"]], [f["key"] for f in change["added"]]
(['SO5'], ['SI4.2'])
>>> audit_change([so5], [so5])
{'resolved': [], 'added': []}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from coherence.queries.audit.model import Finding


def _identities(findings: Sequence[Finding]) -> list[tuple[str, str | None, str | None]]:
    counts = Counter([(f.rule, f.key) for f in findings])
    return [(f.rule, f.key, f.message if counts[f.rule, f.key] > 1 else None) for f in findings]


def _missing(
    findings: Sequence[Finding],
    identities: Sequence[tuple[str, str | None, str | None]],
    others: Iterable[tuple[str, str | None, str | None]],
) -> list[dict[str, Any]]:
    left = Counter(others)
    out = []
    for finding, identity in zip(findings, identities, strict=True):
        if left[identity]:
            left[identity] -= 1
        else:
            out.append(finding.to_dict())
    return out


def audit_change(before: Sequence[Finding], after: Sequence[Finding]) -> dict[str, Any]:
    """``{resolved, added}``: the findings of ``before`` gone ``after``, and the new ones."""
    if before == after:  # the same findings (mostly the very same objects): nothing changed
        return {"resolved": [], "added": []}
    old, new = _identities(before), _identities(after)
    return {"resolved": _missing(before, old, new), "added": _missing(after, new, old)}
