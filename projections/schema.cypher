// Schema of the alignment graph in Neo4j: one database holds every plan.
// Every node carries its plan id; an element is identified by (plan, key), unique across
// the plan's kinds. Each kind's label also has an index on plan (schema_kind.cypher).
CREATE CONSTRAINT plan_id IF NOT EXISTS FOR (p:Plan) REQUIRE p.plan IS UNIQUE;
CREATE CONSTRAINT element_key IF NOT EXISTS FOR (e:Element) REQUIRE (e.plan, e.key) IS UNIQUE;
CREATE CONSTRAINT checkpoint_name IF NOT EXISTS FOR (c:Checkpoint) REQUIRE c.name IS UNIQUE;
// Model 1's index (elements by plan and kind property), replaced by the kind labels.
DROP INDEX element_kind IF EXISTS;
