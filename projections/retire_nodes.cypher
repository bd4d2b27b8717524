// Take elements out of the active graph; they stay, inactive, for the record.
// Parameters: $rows: [{plan, key, version, at}].
UNWIND $rows AS row
MATCH (e:Element {plan: row.plan, key: row.key})
WHERE row.version >= e.last_version AND e.active
SET e.active = false, e.last_version = row.version, e.retired_at = row.at
