// Create active links of one edge the graph has never held (used only while rebuilding from
// empty). Rendered once per edge: {{type}} is the edge's relationship type.
// Parameters: $rows: [{plan, source, target, properties: {last_version, ...attributes}}].
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
CREATE (a)-[r:{{type}}]->(b)
SET r = row.properties
