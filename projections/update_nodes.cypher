// Change elements found by their element ids, of any kind (used only after a reset: the
// store remembers the ids of the elements it created): merge new field values into them,
// (re)activate or retire them, as upsert_nodes.cypher does to an element it finds.
// Parameters: $rows: [{id, version, properties, active, added_at, retired_at}], one row per
//   element (its changes in the batch folded; active as in upsert_nodes.cypher). A row older
//   than the element's last change is ignored (replays change nothing).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (e) WHERE elementId(e) = row.id
WITH e, row WHERE row.version >= e.last_version
SET e += row.properties,
    e.last_version = row.version,
    e.added_at = coalesce(row.added_at, e.added_at),
    e.retired_at = coalesce(row.retired_at, e.retired_at)
FOREACH (_ IN CASE WHEN row.active THEN [1] ELSE [] END | SET e:Active)
FOREACH (_ IN CASE WHEN row.active = false THEN [1] ELSE [] END | REMOVE e:Active)
