"""Parses Prometheus text exposition from stdin with the reference parser (python3-prometheus-client)
and prints its families as JSON: [{"name", "type", "samples": [{"name", "labels", "value"}]}].
Values are printed as text (NaN and +Inf are not JSON numbers). A malformed exposition raises: exit 1."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = []
for family in text_string_to_metric_families(sys.stdin.read()):
    families.append({
        "name": family.name,
        "type": family.type,
        "samples": [{"name": s.name, "labels": s.labels, "value": repr(float(s.value))} for s in family.samples],
    })
print(json.dumps(families))
