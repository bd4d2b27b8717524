// The notification position a projection has applied (null when it has applied none).
// Parameters: $name. Columns: position (int or null).
OPTIONAL MATCH (c:Checkpoint {name: $name})
RETURN c.position AS position
