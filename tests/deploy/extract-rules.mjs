#!/usr/bin/env node
// Prints the spec of the PrometheusRule(s) in a YAML file as one Prometheus rule file (JSON,
// which is YAML): what promtool reads. Exits 1 when the file holds no PrometheusRule.
//   node extract-rules.mjs prometheusrule.yaml > rules.yaml
import { loadManifests } from "./manifests.mjs";

const groups = [];
for (const { doc } of loadManifests(process.argv.slice(2))) {
  if (doc?.kind === "PrometheusRule") groups.push(...(doc.spec?.groups ?? []));
}
if (groups.length === 0) {
  console.error("extract-rules.mjs: no PrometheusRule with rule groups found");
  process.exit(1);
}
console.log(JSON.stringify({ groups }, null, 2));
