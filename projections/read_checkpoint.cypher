// The notification position a projection has applied, the version of the model it wrote
// (null for model 1, which did not record one), and the plans it knows.
// Parameters: $name. Columns: position (int or null), model (int or null), plans
//   ([{plan, uuid}]).
OPTIONAL MATCH (c:Checkpoint {name: $name})
OPTIONAL MATCH (p:Plan) WHERE p.uuid IS NOT NULL
RETURN c.position AS position, c.model AS model, collect({plan: p.plan, uuid: p.uuid}) AS plans
