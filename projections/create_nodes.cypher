// Create elements the graph has never held (used only while rebuilding from empty,
// when the projector knows which elements it has written: cheaper than MERGE).
// Parameters: $rows: [{plan, key, kind, version, at, properties, activate}].
UNWIND $rows AS row
CREATE (e:Element {plan: row.plan, key: row.key, kind: row.kind, active: row.activate, last_version: row.version})
SET e += row.properties,
    e.added_at = CASE WHEN row.activate THEN row.at ELSE null END
