// Create links the graph has never held, of any type, between elements found by their
// element ids (used only while rebuilding from empty: the store remembers the ids of the
// elements it created). A link linked and unlinked again within one batch is created as
// its record, type UNLINKED.
// Parameters: $rows: [{a, b (element ids of the ends), type (the edge's relationship type
//   from the catalogue, or UNLINKED), properties: {...attributes} (and edge, unlinked_at
//   for UNLINKED)}].
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
// `+=` on a new relationship: as `=`, without reading the properties it has first.
CYPHER replan=skip
UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.a
MATCH (b) WHERE elementId(b) = row.b
CREATE (a)-[r:$(row.type)]->(b)
SET r += row.properties
