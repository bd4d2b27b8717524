// line_of_sight: every path from an element up to the top of its plan, e.g. budget line
// -> initiative -> objective -> mission. The top is the mission, or the objectives when
// the plan has no active mission. The last step, objective -> mission, is the implicit
// `advances` edge: it is not stored, every active objective advances the active mission.
// Paths follow active links between active elements; the top itself, and an element
// that supports nothing, have the one path [key]; an element whose links lead nowhere
// near the top has none. Twin of coherence.queries.line_of_sight.paths_up.
// Parameters: $plan (a plan id), $key (an element key).
// Columns: key, kind, paths (a list of paths, shortest first, each a list of keys from
//   $key up). No row when the plan has no active element $key.
MATCH (e:Element:Active {plan: $plan, key: $key})
OPTIONAL MATCH (m:{{label:mission}}:Active {plan: $plan})
WITH e, m,
     EXISTS { MATCH (e)-[:{{types}}]->() } AS supports,
     COLLECT {
       MATCH path = (e)-[:{{types}}*0..]->(:{{label:objective}})
       WHERE all(n IN nodes(path) WHERE n:Active)
       WITH DISTINCT [n IN nodes(path) | n.key] AS keys
       RETURN keys ORDER BY size(keys), keys
     } AS up
RETURN e.key AS key, {{kind_of:e}} AS kind,
       CASE
         WHEN e:{{label:mission}} THEN [[e.key]]
         WHEN m IS NULL AND (e:{{label:objective}} OR NOT supports) THEN [[e.key]]
         WHEN m IS NULL THEN up
         WHEN NOT e:{{label:objective}} AND NOT supports THEN [[e.key]]
         ELSE [keys IN up | keys + m.key]
       END AS paths
