// Create elements the graph has never held, of any kind (used only while rebuilding from
// empty, when the store knows which elements it has written: cheaper than MERGE), and the
// new links between them, and return their element ids in the order of the rows, so that
// the links made next (to elements of earlier batches) find their ends by id instead of
// by an index seek on (plan, key).
// Parameters: $rows: [{labels: [Element, <Kind label>, Active?], node: {plan, key,
//   last_version, added_at, retired_at, ...fields}}], one row per element (its changes in
//   the batch folded); the labels come from the catalogue (neo4j_model), never from input.
//   $links: [{a, b (the positions of the ends in $rows, from 0), type (the edge's
//   relationship type from the catalogue, or UNLINKED), properties}], as in
//   create_edges.cypher.
// Columns: ids (the new nodes' element ids, in the order of $rows).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan reads nothing, whatever the counts.
// `+=`, not `=`: on a new node or relationship both set the same properties, and `=` would
// first read the properties it has, to remove them (~2 % of the server's time).
CYPHER replan=skip
UNWIND $rows AS row
CREATE (e:$(row.labels))
SET e += row.node
WITH collect(e) AS created
CALL (created) {
  UNWIND $links AS link
  WITH created[link.a] AS a, created[link.b] AS b, link
  CREATE (a)-[r:$(link.type)]->(b)
  SET r += link.properties
}
RETURN [e IN created | elementId(e)] AS ids
