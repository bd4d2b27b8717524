// unaligned-school-plan (warning): school plans aligned to no active objective or
// initiative.
// Twin of the networkx rule in coherence.queries.audit, which builds the message. Only
// active elements, and active links between active elements, count.
// Parameters: $plan (a plan id; null for every plan, except the scratch copies of past
//   versions, whose ids hold '@').
// Columns: plan, kind ('school_plan'), key, fields (the element's
//   properties: the message names it by its kind's title fields in the catalogue).
MATCH (p:Plan)
WHERE p.plan = $plan OR ($plan IS NULL AND NOT p.plan CONTAINS '@')
MATCH (s:Element {plan: p.plan, kind: 'school_plan', active: true})
WHERE NOT EXISTS {
  MATCH (s)-[:LINK {edge: 'aligns_to', active: true}]->(t:Element {active: true})
  WHERE t.kind IN ['objective', 'initiative']
}
RETURN p.plan AS plan, s.kind AS kind, s.key AS key,
       properties(s) AS fields
ORDER BY plan, key
