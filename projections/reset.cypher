// Forget the whole projection (before a rebuild from zero), in batches.
// Parameters: none.
MATCH (n) WHERE n:Plan OR n:Element OR n:Checkpoint
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS
