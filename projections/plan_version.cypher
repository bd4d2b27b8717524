// The version of a plan that the Neo4j graph holds (null when it holds none).
// Parameters: $plan. Columns: version (int or null).
OPTIONAL MATCH (p:Plan {plan: $plan})
RETURN p.version AS version
