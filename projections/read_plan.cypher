// The active graph of one plan: its details, active elements and active links.
// (`e.key IS NOT NULL` lets the (plan, key) constraint's index serve the plan alone.)
// Parameters: $plan. Columns: plan (map of the plan's properties), elements (list of
// element property maps, with kind, the kind's name, from the labels), links (list of
// {source, target, edge, amount}).
MATCH (p:Plan {plan: $plan})
OPTIONAL MATCH (e:Element:Active)
WHERE e.plan = $plan AND e.key IS NOT NULL
WITH p, collect(e {.*, kind: {{kind_of:e}}}) AS elements
OPTIONAL MATCH (a:Element:Active)-[r:{{types}}]->(b:Active)
WHERE a.plan = $plan AND a.key IS NOT NULL
RETURN properties(p) AS plan, elements,
       collect(CASE WHEN r IS NULL THEN null ELSE {source: a.key, target: b.key, edge: toLower(type(r)), amount: r.amount} END) AS links
