// Loading rendered manifests: every YAML document of the given files ("-" reads stdin).
import { readFileSync } from "node:fs";
import yaml from "js-yaml";

// Returns [{file, index, doc}] for every non-empty document; throws on a YAML syntax error.
export function loadManifests(files) {
  const out = [];
  for (const file of files) {
    const text = readFileSync(file === "-" ? 0 : file, "utf8");
    yaml.loadAll(text, (doc) => {
      if (doc !== null && doc !== undefined) out.push({ file, index: out.length, doc });
    });
  }
  return out;
}

// "StatefulSet/records" (with the namespace when set): how failures name an object.
export function describe(doc) {
  const meta = (doc && doc.metadata) || {};
  const ns = meta.namespace ? `${meta.namespace}/` : "";
  return `${doc && doc.kind}/${ns}${meta.name ?? "<no name>"}`;
}
