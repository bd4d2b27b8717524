// Unlink: the relationship typed by the edge is replaced by the record
// (a)-[:UNLINKED {edge, unlinked_at, last_version, ...attributes}]->(b), which no query of
// the active graph reads, and which remembers the version (so a replayed older link is
// ignored). Rendered once per edge: {{type}} is the edge's relationship type.
// Parameters: $rows: [{plan, edge, source, target, version, at, properties}], one row per
//   link (its changes in the batch folded, ending unlinked).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
OPTIONAL MATCH (a)-[r:{{type}}]->(b)
OPTIONAL MATCH (a)-[h:UNLINKED {edge: row.edge}]->(b)
WITH a, b, row, r, h
WHERE row.version >= coalesce(r.last_version, h.last_version, 0)
CALL (a, b, row, r, h) {
  WITH a, b, row, r, h WHERE h IS NULL
  CREATE (a)-[n:UNLINKED]->(b)
  SET n = CASE WHEN r IS NULL THEN {} ELSE properties(r) END, n.edge = row.edge
}
DELETE r
WITH a, b, row
MATCH (a)-[h:UNLINKED {edge: row.edge}]->(b)
SET h += row.properties, h.last_version = row.version, h.unlinked_at = row.at
