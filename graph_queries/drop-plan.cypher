// drop-plan: delete a scratch copy of a plan (made to audit a past version in Neo4j):
// its elements, their links and its plan node. Only a scratch id, which holds '@', is
// ever deleted: real plan ids are lower-case slugs ([a-z0-9-]), so a real plan's graph
// cannot be dropped by mistake.
// Parameters: $plan (the scratch plan id).
// Columns: deleted (the number of elements deleted).
OPTIONAL MATCH (e:Element)
WHERE e.plan = $plan AND e.key IS NOT NULL AND $plan CONTAINS '@'
DETACH DELETE e
WITH count(e) AS deleted
OPTIONAL MATCH (p:Plan {plan: $plan})
WHERE $plan CONTAINS '@'
DELETE p
RETURN deleted
