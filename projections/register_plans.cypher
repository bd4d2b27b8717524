// Remember the aggregate id of each plan, so a projector can resume after a restart.
// Parameters: $rows: [{plan, uuid}].
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
UNWIND $rows AS row
MERGE (p:Plan {plan: row.plan})
  ON CREATE SET p.version = 0, p.details_version = 0
SET p.uuid = row.uuid
