// Set properties of plans (district, title, period, status) and their latest version.
// Parameters: $rows: [{plan, version, at, properties}], in log order.
// A row older than the plan's last details change is ignored (replays change nothing).
// replan=skip: while a projection runs the graph grows fast, and the server would plan this
// again every 10 s or so; its plan seeks by unique index or element id, whatever the counts.
CYPHER replan=skip
UNWIND $rows AS row
MERGE (p:Plan {plan: row.plan})
  ON CREATE SET p.version = 0, p.details_version = 0
WITH p, row
CALL (p, row) {
  WITH p, row WHERE row.version >= p.details_version
  SET p += row.properties, p.details_version = row.version
}
SET p.version = CASE WHEN row.version > p.version THEN row.version ELSE p.version END,
    p.updated_at = CASE WHEN row.version >= p.version THEN row.at ELSE p.updated_at END
