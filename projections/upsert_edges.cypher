// Create or update links from supporter to supported (type LINK, property edge).
// Parameters: $rows: [{plan, edge, source, target, version, at, properties}], in log order.
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
MERGE (a)-[r:LINK {edge: row.edge}]->(b)
  ON CREATE SET r.plan = row.plan, r.active = false, r.last_version = 0
WITH r, row WHERE row.version >= r.last_version
SET r += row.properties, r.active = true, r.last_version = row.version
