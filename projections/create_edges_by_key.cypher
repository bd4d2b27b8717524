// Create links the graph has never held, of any type, between elements found by plan and
// key (used only while rebuilding from empty, for a link whose ends this store did not
// create: a link to an element that does not exist is not made). See create_edges.cypher.
// Parameters: $rows: [{plan, source, target, type, properties}].
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
// `+=` on a new relationship: as `=`, without reading the properties it has first.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a:Element {plan: row.plan, key: row.source})
MATCH (b:Element {plan: row.plan, key: row.target})
CREATE (a)-[r:$(row.type)]->(b)
SET r += row.properties
