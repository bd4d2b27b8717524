// The active graph of one plan: its details, active elements and active links.
// Parameters: $plan. Columns: plan (map of the plan's properties), elements (list of
// element property maps), links (list of {source, target, edge, amount}).
MATCH (p:Plan {plan: $plan})
OPTIONAL MATCH (e:Element {plan: $plan, active: true})
WITH p, collect(properties(e)) AS elements
OPTIONAL MATCH (a:Element {plan: $plan, active: true})-[r:LINK {active: true}]->(b:Element {active: true})
RETURN properties(p) AS plan, elements,
       collect(CASE WHEN r IS NULL THEN null ELSE {source: a.key, target: b.key, edge: r.edge, amount: r.amount} END) AS links
