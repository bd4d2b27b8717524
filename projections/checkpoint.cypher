// Record the notification position applied, in the same transaction as the changes, and
// the version of the graph's model the projection writes.
// Parameters: $name (the projection's name), $position (int), $model (int).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
MERGE (c:Checkpoint {name: $name})
SET c.position = CASE WHEN c.position IS NULL OR $position > c.position THEN $position ELSE c.position END,
    c.model = $model
