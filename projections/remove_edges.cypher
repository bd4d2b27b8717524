// Unlink: the relationship typed by the edge is replaced by the record
// (a)-[:UNLINKED {edge, unlinked_at, ...attributes}]->(b), which no query of the active
// graph reads. Rendered once per edge: {{type}} is the edge's relationship type.
// Parameters: $rows: [{plan, edge, source, target, at, properties}], one row per link (its
//   changes in the batch folded, ending unlinked; replays: see upsert_edges.cypher).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
OPTIONAL MATCH (a)-[r:{{type}}]->(b)
OPTIONAL MATCH (a)-[h:UNLINKED {edge: row.edge}]->(b)
CALL (a, b, row, r, h) {
  WITH a, b, row, r, h WHERE h IS NULL
  CREATE (a)-[n:UNLINKED]->(b)
  SET n = CASE WHEN r IS NULL THEN {} ELSE properties(r) END, n.edge = row.edge
}
DELETE r
WITH a, b, row
MATCH (a)-[h:UNLINKED {edge: row.edge}]->(b)
SET h += row.properties, h.unlinked_at = row.at
