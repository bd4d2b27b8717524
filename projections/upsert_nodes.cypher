// Create elements of one kind or change them: merge new field values into them, (re)activate
// or retire them. Rendered once per kind: {{label}} is the kind's label.
// Parameters: $rows: [{plan, key, version, properties, active, added_at,
//   retired_at}], one row per element: its changes in the batch folded, in log order, into
//   one (active: true when it was added or restored, false when retired, null when only
//   revised). A row older than the element's last change is ignored (replays change
//   nothing).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
UNWIND $rows AS row
MERGE (e:Element {plan: row.plan, key: row.key})
  ON CREATE SET e:{{label}}, e.last_version = 0
WITH e, row WHERE row.version >= e.last_version
SET e += row.properties,
    e.last_version = row.version,
    e.added_at = coalesce(row.added_at, e.added_at),
    e.retired_at = coalesce(row.retired_at, e.retired_at)
FOREACH (_ IN CASE WHEN row.active THEN [1] ELSE [] END | SET e:Active)
FOREACH (_ IN CASE WHEN row.active = false THEN [1] ELSE [] END | REMOVE e:Active)
