// Schema of the alignment graph in Neo4j: one database holds every plan.
// Every node carries its plan id; an element is identified by (plan, key).
CREATE CONSTRAINT plan_id IF NOT EXISTS FOR (p:Plan) REQUIRE p.plan IS UNIQUE;
CREATE CONSTRAINT element_key IF NOT EXISTS FOR (e:Element) REQUIRE (e.plan, e.key) IS UNIQUE;
CREATE CONSTRAINT checkpoint_name IF NOT EXISTS FOR (c:Checkpoint) REQUIRE c.name IS UNIQUE;
CREATE INDEX element_kind IF NOT EXISTS FOR (e:Element) ON (e.plan, e.kind);
