// Lock a projection's checkpoint and read its position, in each batch's transaction before it
// touches anything an earlier batch wrote (overlapped, after creating the batch's new elements):
// a batch at or before that position was written already (a retried transaction whose
// first attempt committed and whose answer was lost, or another projector) and is skipped
// whole. The write takes the checkpoint's lock until the transaction ends, so two writers
// of one projection take turns and a batch is written once: what lets links keep no version.
// Parameters: $name (the projection's name), $model (int, the model this code writes).
// Columns: position (int or null).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index, whatever the counts.
CYPHER replan=skip
MERGE (c:Checkpoint {name: $name})
SET c.model = $model
RETURN c.position AS position
