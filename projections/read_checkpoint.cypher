// The notification position a projection has applied, and the plans it knows.
// Parameters: $name. Columns: position (int or null), plans ([{plan, uuid}]).
OPTIONAL MATCH (c:Checkpoint {name: $name})
OPTIONAL MATCH (p:Plan) WHERE p.uuid IS NOT NULL
RETURN c.position AS position, collect({plan: p.plan, uuid: p.uuid}) AS plans
