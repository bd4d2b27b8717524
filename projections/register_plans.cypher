// Remember the aggregate id of each plan, so a projector can resume after a restart.
// Parameters: $rows: [{plan, uuid}].
UNWIND $rows AS row
MERGE (p:Plan {plan: row.plan})
  ON CREATE SET p.version = 0, p.details_version = 0
SET p.uuid = row.uuid
