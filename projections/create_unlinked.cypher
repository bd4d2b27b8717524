// Create the record of links the graph has never held that were linked and unlinked again
// within one batch (used only while rebuilding from empty).
// Parameters: $rows: [{plan, source, target, properties: {edge, last_version,
//   unlinked_at, ...attributes}}].
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
CREATE (a)-[r:UNLINKED]->(b)
SET r = row.properties
