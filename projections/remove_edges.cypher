// Remove links from the active graph (kept inactive, so a replayed older link is ignored).
// Parameters: $rows: [{plan, edge, source, target, version, at}].
UNWIND $rows AS row
MATCH (:Element {plan: row.plan, key: row.source})-[r:LINK {edge: row.edge}]->(:Element {plan: row.plan, key: row.target})
WHERE row.version >= r.last_version AND r.active
SET r.active = false, r.last_version = row.version
