// Create elements of one kind the graph has never held (used only while rebuilding from
// empty, when the projector knows which elements it has written: cheaper than MERGE).
// Rendered once per kind: {{label}} is the kind's label.
// Parameters: $rows: [{node: {plan, key, kind, last_version, added_at, retired_at,
//   ...fields}, active}], one row per element (its changes in the batch folded).
UNWIND $rows AS row
CREATE (e:Element:{{label}})
SET e = row.node
FOREACH (_ IN CASE WHEN row.active THEN [1] ELSE [] END | SET e:Active)
