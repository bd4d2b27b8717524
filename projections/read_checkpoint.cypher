// The notification position a projection has applied, the version of the model it wrote
// (null for model 1, which did not record one), the plans it knows, and whether the graph
// holds no element at all (then a projection from position 0 may CREATE what it writes).
// Parameters: $name. Columns: position (int or null), model (int or null), plans
//   ([{plan, uuid}]), empty (bool).
OPTIONAL MATCH (c:Checkpoint {name: $name})
OPTIONAL MATCH (p:Plan) WHERE p.uuid IS NOT NULL
RETURN c.position AS position, c.model AS model, collect({plan: p.plan, uuid: p.uuid}) AS plans,
       COUNT { (:Element) } = 0 AS empty
