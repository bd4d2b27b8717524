// Create links the graph has never held (used only while rebuilding from empty).
// Parameters: $rows: [{plan, edge, source, target, version, at, properties}].
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
CREATE (a)-[r:LINK {edge: row.edge, plan: row.plan, active: true, last_version: row.version}]->(b)
SET r += row.properties
