"""Graph queries over the alignment graph: audit rules, line of sight, exports."""
