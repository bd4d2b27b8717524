"""The routes of ``/api/v1``, one module per resource: thin calls into the application
and the plan reader.

Reads answer with an ``ETag`` holding the plan's version; writes take ``If-Match``
with the version the client expects and answer 409 with the current version when
the plan moved on. The actor recorded on events is the token's owner.

How the work is spread, for a server process to use its core well: the frequent
requests, the audit and graph of a plan's latest version and the small writes, run on
the event loop. A cached read costs a fraction of a millisecond (the body is kept
serialized, by plan version), an uncached audit or graph export a millisecond or two
(an export made once per server: see ``GraphCache.shelf``), and a write a millisecond or two
once it holds its plan's write lock (writes to one plan are made one at a time:
``ApiContext.writing``). Running that
work in worker threads instead made them and the event loop take turns at Python's
global lock, in slices of up to 5 ms each time one of them did I/O, so everything
waited. What can take long (imports, past versions, Neo4j) and the other routes run
in worker threads.
"""

from __future__ import annotations

from fastapi import APIRouter

from coherence.api.routes import (
    audit,
    auth,
    elements,
    evidence,
    framework,
    funding,
    graph,
    graph_timeline,
    health,
    history,
    lifecycle,
    links,
    me,
    my_work,
    people,
    plans,
    progress,
    public,
    publication,
    reports,
    revisions,
    rollover,
    scenarios,
    slides,
    spreadsheets,
    statewide,
    what_if,
)

ROUTERS: tuple[APIRouter, ...] = (
    # The frequent requests first: a request is matched against the routes in order
    # (about a fifth of a cached read's time went to trying the routes before its own).
    # No route of theirs matches the path of a route that came before them.
    audit.router,
    graph.router,
    progress.router,
    plans.router,
    elements.router,
    links.router,
    evidence.router,
    lifecycle.router,
    publication.router,
    reports.router,
    public.router,
    revisions.router,
    scenarios.router,
    rollover.router,
    history.router,
    funding.router,
    what_if.router,
    slides.router,
    statewide.router,
    my_work.router,
    health.router,
    framework.router,
    graph_timeline.router,
    me.router,
    people.router,
    auth.router,
    spreadsheets.router,
)
"""Every router, in the order the application includes them."""
