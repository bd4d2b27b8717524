// Record the notification position applied, in the same transaction as the changes, and
// the version of the graph's model the projection writes.
// Parameters: $name (the projection's name), $position (int), $model (int).
MERGE (c:Checkpoint {name: $name})
SET c.position = CASE WHEN c.position IS NULL OR $position > c.position THEN $position ELSE c.position END,
    c.model = $model
