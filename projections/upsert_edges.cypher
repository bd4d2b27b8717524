// Link, or change a link's attributes: the relationship typed by the edge, from supporter to
// supported, replacing the record of an earlier unlinking (whose attributes it takes over).
// Rendered once per edge: {{type}} is the edge's relationship type.
// Parameters: $rows: [{plan, edge, source, target, properties}], one row per link (its
//   changes in the batch folded, ending linked). A link keeps no version: a batch is
//   written once, the checkpoint's lock and position see to that (neo4j_store), and a
//   replay after a lost position runs from that position on, in log order, so each link
//   ends as its last change left it.
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
OPTIONAL MATCH (a)-[r:{{type}}]->(b)
OPTIONAL MATCH (a)-[h:UNLINKED {edge: row.edge}]->(b)
CALL (a, b, r, h) {
  WITH a, b, r, h WHERE r IS NULL
  CREATE (a)-[n:{{type}}]->(b)
  SET n = CASE WHEN h IS NULL THEN {} ELSE h {.*, edge: null, unlinked_at: null} END
}
DELETE h
WITH a, b, row
MATCH (a)-[r:{{type}}]->(b)
SET r += row.properties
