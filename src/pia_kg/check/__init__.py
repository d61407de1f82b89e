"""Checks: SHACL, citations against the source texts, rule queries, the validation report, SARIF and the
quality report."""
