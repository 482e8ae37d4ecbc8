#!/usr/bin/env node
// Offline, strict validation of rendered Kubernetes manifests (kubeconform -strict, without a
// cluster or a schema download):
//   1. schema: the kubernetes-models validator for the object's apiVersion/kind (types,
//      required fields, enums, formats);
//   2. strict: every key must be a field of the matching @kubernetes/client-node model (an
//      unknown or misspelled field such as `livenessProbe.grpcc` is an error; the API server
//      would silently drop it).
// The Prometheus Operator's PodMonitor and PrometheusRule (deploy/k8s/components/monitoring) are
// checked the same way: schema by @kubernetes-models/prometheus-operator, strictness against
// the fields listed in CRD_FIELDS below (the CRD models accept unknown keys).
// Any other apiVersion/kind (another CRD) is a failure, not a skip.
//
//   node validate.mjs rendered.yaml [more.yaml ...]   -> "N passed, M failed"; exit 1 on failure
import * as clientModels from "@kubernetes/client-node/dist/gen/models/all.js";
import { describe, loadManifests } from "./manifests.mjs";

// "apps/v1" + "StatefulSet" -> the kubernetes-models class, or null.
async function schemaModel(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^\w+$/.test(kind)) {
    return null;
  }
  const where = apiVersion.startsWith("monitoring.coreos.com/")
    ? `@kubernetes-models/prometheus-operator/${apiVersion}/${kind}`
    : `kubernetes-models/${apiVersion}/${kind}`;
  try {
    const module = await import(where);
    return module[kind] ?? null;
  } catch {
    return null;
  }
}

// The fields of the custom resources dangbo uses, as the Prometheus Operator's CRDs define
// them (v0.7x), for the strict check: an object maps a key to its shape, [shape] is a list of
// it, ANY is a value not looked into. metadata is checked as V1ObjectMeta.
const ANY = null;
const RELABEL = [{ sourceLabels: ANY, separator: ANY, targetLabel: ANY, regex: ANY, modulus: ANY,
                   replacement: ANY, action: ANY }];
const CRD_FIELDS = {
  "monitoring.coreos.com/v1/PodMonitor": {
    spec: {
      jobLabel: ANY, podTargetLabels: ANY, selector: "V1LabelSelector", namespaceSelector: ANY,
      sampleLimit: ANY, targetLimit: ANY, labelLimit: ANY, attachMetadata: ANY,
      podMetricsEndpoints: [{
        port: ANY, targetPort: ANY, path: ANY, scheme: ANY, params: ANY, interval: ANY,
        scrapeTimeout: ANY, honorLabels: ANY, honorTimestamps: ANY, relabelings: RELABEL,
        metricRelabelings: RELABEL, tlsConfig: ANY, bearerTokenSecret: ANY, basicAuth: ANY,
        authorization: ANY, oauth2: ANY, followRedirects: ANY, enableHttp2: ANY,
        filterRunning: ANY, proxyUrl: ANY,
      }],
    },
  },
  "monitoring.coreos.com/v1/PrometheusRule": {
    spec: {
      groups: [{
        name: ANY, interval: ANY, limit: ANY, partial_response_strategy: ANY,
        rules: [{ alert: ANY, record: ANY, expr: ANY, for: ANY, keep_firing_for: ANY,
                  labels: ANY, annotations: ANY }],
      }],
    },
  },
};

// Appends "path: unknown field" for every key of `value` outside `shape` (see CRD_FIELDS).
function checkCrdFields(value, shape, path, errors) {
  if (shape === ANY || value === null || typeof value !== "object") return;
  if (typeof shape === "string") {
    checkUnknownFields(value, shape, path, errors);
  } else if (Array.isArray(shape)) {
    if (Array.isArray(value)) value.forEach((v, i) => checkCrdFields(v, shape[0], `${path}[${i}]`, errors));
  } else if (!Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (!(key in shape)) {
        errors.push(`${path}.${key}: unknown field`);
      } else {
        checkCrdFields(v, shape[key], `${path}.${key}`, errors);
      }
    }
  }
}

// "apps/v1" + "StatefulSet" -> "V1StatefulSet"; core kinds that clash with another group's
// (Event, EndpointPort) carry a "CoreV1" prefix in client-node.
function strictModelName(apiVersion, kind) {
  const version = apiVersion.split("/").pop();
  const prefix = version.charAt(0).toUpperCase() + version.slice(1);
  for (const name of [`${prefix}${kind}`, `Core${prefix}${kind}`]) {
    if (clientModels[name]?.attributeTypeMap) return name;
  }
  return null;
}

const PRIMITIVES = new Set(["string", "number", "boolean", "Date", "IntOrString", "any", "object"]);

// Appends "path: unknown field" for every key the client-node model of `type` lacks.
function checkUnknownFields(value, type, path, errors) {
  if (value === null || value === undefined || PRIMITIVES.has(type)) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (Array.isArray(value)) value.forEach((v, i) => checkUnknownFields(v, m[1], `${path}[${i}]`, errors));
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    if (typeof value === "object") {
      for (const [k, v] of Object.entries(value)) checkUnknownFields(v, m[1], `${path}.${k}`, errors);
    }
    return;
  }
  const model = clientModels[type];
  if (!model?.attributeTypeMap) {
    errors.push(`${path}: validator has no model for type ${type}`);
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) return;  // the schema check reports it
  const fields = new Map(model.attributeTypeMap.map((a) => [a.baseName, a.type]));
  for (const [key, v] of Object.entries(value)) {
    if (!fields.has(key)) {
      errors.push(`${path}.${key}: unknown field (not in ${type})`);
    } else {
      checkUnknownFields(v, fields.get(key), `${path}.${key}`, errors);
    }
  }
}

export async function validateObject(doc) {
  const errors = [];
  if (typeof doc !== "object" || Array.isArray(doc)) return ["document is not an object"];
  const { apiVersion, kind } = doc;
  const Model = await schemaModel(apiVersion, kind);
  const crd = CRD_FIELDS[`${apiVersion}/${kind}`];
  const strictName = typeof apiVersion === "string" ? strictModelName(apiVersion, kind) : null;
  if (!Model || (!strictName && !crd)) {
    return [`unknown apiVersion/kind ${apiVersion}/${kind} (no schema for it)`];
  }
  try {
    new Model(doc).validate();
  } catch (e) {
    const list = e.errors?.length ? e.errors : [{ instancePath: "", message: e.message }];
    for (const err of list) {
      const where = (err.instancePath || "").replaceAll("/", ".") || ".";
      const extra = err.params && err.keyword === "enum" ? ` ${JSON.stringify(err.params.allowedValues)}` : "";
      errors.push(`${where}: ${err.message}${extra}`);
    }
  }
  if (crd) {
    checkCrdFields(doc, { apiVersion: ANY, kind: ANY, metadata: "V1ObjectMeta", ...crd }, "", errors);
  } else {
    checkUnknownFields(doc, strictName, "", errors);
  }
  return errors;
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node validate.mjs FILE.yaml [...]   (- reads stdin)");
    process.exit(2);
  }
  let docs;
  try {
    docs = loadManifests(files);
  } catch (e) {
    console.error(`YAML error: ${e.message}`);
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
  let passed = 0;
  let failed = 0;
  for (const { doc } of docs) {
    const errors = await validateObject(doc);
    if (errors.length === 0) {
      passed++;
    } else {
      failed++;
      console.log(`FAIL ${describe(doc)}`);
      for (const e of errors) console.log(`  ${e}`);
    }
  }
  if (docs.length === 0) {
    console.log("no Kubernetes objects found");
    failed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.argv.slice(2));
}
