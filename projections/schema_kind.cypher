// The index of one element kind's label: its elements by plan, what the audit's queries of
// one plan seek by (`MATCH (i:Initiative:Active {plan: $plan})`). Rendered once per kind
// of the catalogue: {{kind}} is the kind's name, {{label}} its label.
CREATE INDEX {{kind}}_plan IF NOT EXISTS FOR (e:{{label}}) ON (e.plan);
