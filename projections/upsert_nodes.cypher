// Create elements, merge new field values into them, and (re)activate them.
// Parameters: $rows: [{plan, key, kind, version, at, properties, activate}], in log order.
// A row older than the element's last change is ignored (replays change nothing).
UNWIND $rows AS row
MERGE (e:Element {plan: row.plan, key: row.key})
  ON CREATE SET e.kind = row.kind, e.active = false, e.last_version = 0
WITH e, row WHERE row.version >= e.last_version
SET e += row.properties,
    e.last_version = row.version,
    e.added_at = CASE WHEN row.activate AND NOT e.active THEN row.at ELSE e.added_at END,
    e.active = e.active OR row.activate
