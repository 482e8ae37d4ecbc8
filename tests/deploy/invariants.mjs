#!/usr/bin/env node
// The intent of dangbo's manifests, checked on a rendered overlay (what schema validation
// cannot see): probes, non-root and read-only containers, memory limits and a block cache
// that fits in them, exactly one replica with a persistent volume for each RocksDB that holds
// primary data (records, analytics-writer), disposable analytics read replicas (a Deployment
// of 2+ replicas with an HPA on CPU, data on an emptyDir, role replica following the writer),
// headless Services for client-side balancing, network policies, pinned images, and transport
// security: TLS servers are probed on their plaintext health-only port, plaintext ones must
// say --insecure, and a rendering whose Namespace is labelled
// dangbo.gov.vn/environment=production is TLS with tokens everywhere (no DANGBO_INSECURE).
// Page tokens: every server signs them with a key from a Secret (DANGBO_PAGE_TOKEN_KEY_FILE),
// the same Secret for every analytics pod, so a token one pod issued verifies on the next
// pod round_robin picks (a process without the flag draws its own random key).
//
//   node invariants.mjs [--flags records=FILE --flags analytics=FILE] [--secrets FILE] rendered.yaml
// FILE lists the server's flag names, one a line (run.sh extracts them from `--helpfull`);
// with it, every DANGBO_* key of the service's ConfigMap must name a real flag, because the
// server refuses to start on one that does not. With --secrets (the secrets.yaml that
// deploy/k8s/make-secrets.sh writes), every Secret a pod mounts must be in it, holding every
// file a DANGBO_* variable names under that mount; and each server-to-server connection
// (analytics -> records, replicas -> writer) must work with those Secrets: the server's
// certificate names the host dialled, and the client's token is in the server's token file.
// A page-token key must be at least 32 bytes (the server refuses a shorter one), checked in
// the Secret the rendering holds (dev) or in --secrets (prod); a non-production rendering must
// hold it (make-secrets.sh is for prod).
// Every pod sets enableServiceLinks: false (a Service named like dangbo-x would otherwise inject
// DANGBO_X_SERVICE_HOST, which the servers refuse as an unknown flag). The block cache is
// derived from the container's memory limit: DANGBO_MEMORY_LIMIT_MB from the downward API
// (resourceFieldRef limits.memory of the container itself, divisor 1Mi) times
// DANGBO_BLOCK_CACHE_FRACTION (default 0.4) at most 0.5, never a hand-kept DANGBO_BLOCK_CACHE_MB.
// Clients reach records and analytics only as pods labelled dangbo.gov.vn/client=true in
// namespaces labelled dangbo.gov.vn/client-namespace=true (one peer with both selectors).
// A CronJob that calls CreateBackup needs records to delete old backups (DANGBO_BACKUP_KEEP,
// DANGBO_BACKUP_MAX_AGE), or the backups volume fills.
// Monitoring (deploy/k8s/components/monitoring), when rendered: the PodMonitor scrapes every
// server pod (not the backup's) on a container port each of them has, with the job label the
// alerts select (the pod's app.kubernetes.io/name); every alert of the PrometheusRule has a
// severity and a runbook annotation naming a section of deploy/OPERATIONS.md.
// Prints each violated invariant and "N passed, M failed"; exits 1 on any failure.
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, loadManifests } from "./manifests.mjs";

// The servers by workload name. binary: whose flags its DANGBO_* keys must name. role: the
// analytics --role it must run (the writer may rely on the default).
const SERVICES = {
  records: { workload: "StatefulSet", binary: "records", grpcPort: 50051, metricsPort: 9091 },
  "analytics-writer": { workload: "StatefulSet", binary: "analytics", role: "writer",
                        grpcPort: 50052, metricsPort: 9092 },
  analytics: { workload: "Deployment", binary: "analytics", role: "replica", grpcPort: 50052,
               metricsPort: 9092 },
};
// Where each server dials another: the DANGBO_* target key, and the TLS CA / server name /
// token keys with the ones they default to when empty.
const CONNECTIONS = [
  { client: "analytics-writer", server: "records", target: "DANGBO_RECORDS_TARGET",
    service: "records-headless", ca: ["DANGBO_RECORDS_TLS_CA"],
    serverName: ["DANGBO_RECORDS_TLS_SERVER_NAME"], token: ["DANGBO_RECORDS_TOKEN_FILE"] },
  { client: "analytics", server: "records", target: "DANGBO_RECORDS_TARGET",
    service: "records-headless", ca: ["DANGBO_RECORDS_TLS_CA"],
    serverName: ["DANGBO_RECORDS_TLS_SERVER_NAME"], token: ["DANGBO_RECORDS_TOKEN_FILE"] },
  { client: "analytics", server: "analytics-writer", target: "DANGBO_WRITER_TARGET",
    service: "analytics-writer", ca: ["DANGBO_WRITER_TLS_CA", "DANGBO_RECORDS_TLS_CA"],
    serverName: ["DANGBO_WRITER_TLS_SERVER_NAME", "DANGBO_RECORDS_TLS_SERVER_NAME"],
    token: ["DANGBO_WRITER_TOKEN_FILE", "DANGBO_RECORDS_TOKEN_FILE"] },
];
// The first non-empty of env[keys[0]], env[keys[1]], ... (a flag that defaults to another).
function effective(env, keys) {
  for (const k of keys) {
    if (env[k] !== undefined && env[k] !== "") return env[k];
  }
  return undefined;
}
const UID = 65532;
// The labels that admit a client (deploy/k8s/components/network-policies): its pods carry
// CLIENT_POD_LABEL=true and its namespace CLIENT_NAMESPACE_LABEL=true.
const CLIENT_POD_LABEL = "dangbo.gov.vn/client";
const CLIENT_NAMESPACE_LABEL = "dangbo.gov.vn/client-namespace";
// The servers refuse a shorter --page_token_key_file (common/page_token.h).
const MIN_PAGE_TOKEN_KEY_BYTES = 32;

// "20s", "1m30s", "500ms" -> seconds (absl::Duration flag syntax, the subset we use).
function seconds(text) {
  const units = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let m;
  let consumed = "";
  while ((m = re.exec(text)) !== null) {
    total += parseFloat(m[1]) * units[m[2]];
    consumed += m[0];
  }
  return consumed === text && text !== "" ? total : NaN;
}

// "512Mi", "2Gi", "1G", "1000000" -> MiB.
function mebibytes(q) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) return NaN;
  const mult = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20,
                 G: 1e9 / 2 ** 20, T: 1e12 / 2 ** 20 };
  return parseFloat(m[1]) * (m[2] ? mult[m[2]] : 1 / 2 ** 20);
}

function podSpecOf(doc) {
  if (doc.kind === "CronJob") return doc.spec?.jobTemplate?.spec?.template?.spec;
  if (["Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"].includes(doc.kind)) {
    return doc.spec?.template?.spec;
  }
  if (doc.kind === "Pod") return doc.spec;
  return undefined;
}

class Checker {
  constructor(docs, flags) {
    this.docs = docs;
    this.flags = flags;
    this.passed = 0;
    this.failures = [];
  }
  check(name, ok, detail = "") {
    if (ok) {
      this.passed++;
    } else {
      this.failures.push(`${name}${detail ? `: ${detail}` : ""}`);
    }
  }
  find(kind, name) {
    return this.docs.filter((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  }
  // The container's environment: envFrom ConfigMaps, then env values.
  environment(container) {
    const env = {};
    for (const from of container.envFrom ?? []) {
      const cmName = from.configMapRef?.name;
      const cm = cmName && this.find("ConfigMap", cmName)[0];
      this.check(`${container.name}: envFrom ConfigMap ${cmName} is in the rendering`, !cmName || cm);
      Object.assign(env, cm?.data ?? {});
    }
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = e.value;
    }
    return env;
  }
  // The container's env entries that come from the downward API or a Secret (valueFrom).
  valueFrom(container) {
    return Object.fromEntries((container.env ?? []).filter((e) => e.valueFrom !== undefined)
        .map((e) => [e.name, e.valueFrom]));
  }
}

function checkPodSecurity(c, doc, spec) {
  const who = describe(doc);
  const psc = spec.securityContext ?? {};
  c.check(`${who}: pod runAsNonRoot`, psc.runAsNonRoot === true);
  c.check(`${who}: pod runs as UID ${UID}`, psc.runAsUser === UID, `runAsUser=${psc.runAsUser}`);
  c.check(`${who}: seccomp RuntimeDefault`, psc.seccompProfile?.type === "RuntimeDefault");
  c.check(`${who}: no service account token`, spec.automountServiceAccountToken === false);
  c.check(`${who}: enableServiceLinks false (no injected *_SERVICE_HOST variables)`,
          spec.enableServiceLinks === false, `enableServiceLinks=${spec.enableServiceLinks}`);
  for (const ct of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const where = `${who} container ${ct.name}`;
    const sc = ct.securityContext ?? {};
    c.check(`${where}: allowPrivilegeEscalation false`, sc.allowPrivilegeEscalation === false);
    c.check(`${where}: readOnlyRootFilesystem`, sc.readOnlyRootFilesystem === true);
    c.check(`${where}: drops ALL capabilities`, (sc.capabilities?.drop ?? []).includes("ALL"));
    c.check(`${where}: not privileged`, sc.privileged !== true);
    c.check(`${where}: not root`, sc.runAsUser === undefined || sc.runAsUser !== 0);
    const res = ct.resources ?? {};
    c.check(`${where}: cpu request`, res.requests?.cpu !== undefined);
    c.check(`${where}: memory request`, res.requests?.memory !== undefined);
    c.check(`${where}: memory limit`, res.limits?.memory !== undefined);
    const image = String(ct.image ?? "");
    const tag = image.includes("@") ? "digest" : (/:([^/:]+)$/.exec(image)?.[1] ?? "");
    c.check(`${where}: image pinned to a tag or digest (not latest)`, tag !== "" && tag !== "latest",
            `image=${image}`);
  }
}

// True if a non-empty label selector (matchLabels form) matches these labels.
function selects(selector, labels) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

// The pod template labels of a server's workload, or undefined when it is not rendered.
function podTemplateLabels(c, service) {
  const w = c.find(SERVICES[service].workload, service)[0];
  return w?.spec?.template?.metadata?.labels;
}

// The read-only Secret volume mounted at a directory holding `file`, if any.
function secretMountFor(spec, container, file) {
  const m = (container.volumeMounts ?? []).find((x) => file?.startsWith(`${x.mountPath}/`));
  const vol = (spec.volumes ?? []).find((v) => v.name === m?.name);
  return m?.readOnly === true && vol?.secret !== undefined ? vol.secret : undefined;
}

// {secretName, key} of the Secret whose key `file` is: the Secret volume mounted read-only at
// exactly the file's directory; undefined otherwise.
function pageTokenKeyOf(spec, container, file) {
  if (!file) return undefined;
  const m = (container.volumeMounts ?? []).find((x) => x.mountPath === posix.dirname(file));
  const vol = (spec.volumes ?? []).find((v) => v.name === m?.name);
  if (m?.readOnly !== true || vol?.secret?.secretName === undefined) return undefined;
  return { secretName: vol.secret.secretName, key: posix.basename(file) };
}

// Page-token keys across pods: every analytics pod (the writer and the replicas, which clients
// reach through round_robin) reads the same key of the same Secret; each key is long enough
// where its bytes are known (a Secret in the rendering, else in `secrets` from
// make-secrets.sh); a non-production rendering holds its Secrets itself.
function checkPageTokenKeys(c, production, secrets) {
  const keys = {};
  for (const service of Object.keys(SERVICES)) {
    const w = c.find(SERVICES[service].workload, service)[0];
    const spec = w?.spec?.template?.spec;
    const ct = spec?.containers?.[0];
    if (!ct) continue;
    keys[service] = pageTokenKeyOf(spec, ct, c.environment(ct).DANGBO_PAGE_TOKEN_KEY_FILE);
  }
  const analytics = Object.keys(SERVICES).filter((s) => SERVICES[s].binary === "analytics");
  const names = analytics.map((s) => (keys[s] ? `${keys[s].secretName}/${keys[s].key}` : "none"));
  c.check(`${analytics.join(" and ")}: the same page-token key Secret (a token from one pod ` +
          `must verify on another)`, names.every((n) => n !== "none" && n === names[0]),
          analytics.map((s, i) => `${s}: ${names[i]}`).join(", "));
  const rendered = new Map(c.find("Secret").map((d) => [d.metadata?.name, d]));
  for (const [service, k] of Object.entries(keys)) {
    if (!k) continue;
    const secret = rendered.get(k.secretName) ??
        (secrets ?? []).find((d) => d.kind === "Secret" && d.metadata?.name === k.secretName);
    if (!production) {
      c.check(`${service}: page-token key Secret ${k.secretName} is in the rendering`,
              rendered.has(k.secretName));
    }
    if (!secret) continue;
    const data = secret.data?.[k.key] !== undefined ? Buffer.from(secret.data[k.key], "base64")
        : secret.stringData?.[k.key] !== undefined ? Buffer.from(secret.stringData[k.key]) : undefined;
    c.check(`${service}: page-token key ${k.secretName}/${k.key} holds at least ` +
            `${MIN_PAGE_TOKEN_KEY_BYTES} bytes`, (data?.length ?? 0) >= MIN_PAGE_TOKEN_KEY_BYTES,
            `${data?.length ?? "no such key,"} bytes`);
  }
}

function checkServer(c, service, production) {
  const want = SERVICES[service];
  const workloads = c.find(want.workload, service);
  c.check(`${service}: one ${want.workload} named ${service}`, workloads.length === 1,
          `found ${workloads.length}`);
  const w = workloads[0];
  if (!w) return;
  const who = describe(w);
  const spec = w.spec.template?.spec ?? {};
  const podLabels = w.spec.template?.metadata?.labels ?? {};
  const ct = (spec.containers ?? [])[0] ?? {};
  const env = c.environment(ct);

  // Transport: TLS (certificate and key from a Secret) with the kubelet's plaintext probes on
  // the health-only port, or plaintext that says so (the server refuses it otherwise).
  const tls = env.DANGBO_TLS_CERT !== undefined || env.DANGBO_TLS_KEY !== undefined;
  const healthPort = Number(env.DANGBO_HEALTH_PORT);
  let probePort = want.grpcPort;
  if (tls) {
    for (const key of ["DANGBO_TLS_CERT", "DANGBO_TLS_KEY"]) {
      c.check(`${who}: ${key} is a file of a read-only Secret mount`,
              secretMountFor(spec, ct, env[key]) !== undefined, `${key}=${env[key]}`);
    }
    c.check(`${who}: TLS: DANGBO_HEALTH_PORT set for the kubelet's plaintext probes`,
            Number.isInteger(healthPort) && healthPort > 0 && healthPort !== want.grpcPort,
            `DANGBO_HEALTH_PORT=${env.DANGBO_HEALTH_PORT}`);
    c.check(`${who}: TLS: container port health = DANGBO_HEALTH_PORT`,
            (ct.ports ?? []).some((p) => p.name === "health" && p.containerPort === healthPort));
    probePort = healthPort;
  } else {
    c.check(`${who}: plaintext gRPC says DANGBO_INSECURE=true (the server refuses it otherwise)`,
            env.DANGBO_INSECURE === "true");
  }
  if (env.DANGBO_TOKEN_FILE !== undefined) {
    c.check(`${who}: DANGBO_TOKEN_FILE is a file of a read-only Secret mount`,
            secretMountFor(spec, ct, env.DANGBO_TOKEN_FILE) !== undefined);
  }
  // Page tokens: a key from a Secret (checkPageTokenKeys compares the services' Secrets).
  const keyFile = env.DANGBO_PAGE_TOKEN_KEY_FILE;
  c.check(`${who}: DANGBO_PAGE_TOKEN_KEY_FILE set (else each process signs page tokens with its ` +
          `own random key)`, keyFile !== undefined && keyFile !== "");
  c.check(`${who}: DANGBO_PAGE_TOKEN_KEY_FILE is a key of a Secret mounted read-only at its directory`,
          pageTokenKeyOf(spec, ct, keyFile) !== undefined, `DANGBO_PAGE_TOKEN_KEY_FILE=${keyFile}`);
  if (production) {
    c.check(`${who}: production: no DANGBO_INSECURE`, env.DANGBO_INSECURE === undefined,
            `DANGBO_INSECURE=${env.DANGBO_INSECURE}`);
    c.check(`${who}: production: TLS (DANGBO_TLS_CERT and DANGBO_TLS_KEY)`,
            env.DANGBO_TLS_CERT !== undefined && env.DANGBO_TLS_KEY !== undefined);
    c.check(`${who}: production: bearer tokens (DANGBO_TOKEN_FILE)`, env.DANGBO_TOKEN_FILE !== undefined);
    // Its connections to other servers: TLS with a CA and a token, both from Secrets.
    for (const conn of CONNECTIONS.filter((x) => x.client === service)) {
      for (const keys of [conn.ca, conn.token]) {
        const value = effective(env, keys);
        const name = keys.length > 1 ? `${keys[0]} (or ${keys.slice(1).join(", ")})` : keys[0];
        c.check(`${who}: production: ${name} is a file of a read-only Secret mount`,
                secretMountFor(spec, ct, value) !== undefined, `${keys[0]}=${value}`);
      }
    }
  }

  // Probes: native gRPC (on the gRPC port, or the health-only port with TLS); liveness on
  // "liveness", readiness on "".
  for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
    for (const cont of spec.containers ?? []) {
      const p = cont[probe];
      c.check(`${who} container ${cont.name}: ${probe} present`, p !== undefined);
      if (!p) continue;
      c.check(`${who} ${cont.name}: ${probe} is a gRPC probe on port ${probePort}`,
              p.grpc?.port === probePort, JSON.stringify(p));
      const svc = p.grpc?.service ?? "";
      const expected = probe === "readinessProbe" ? "" : "liveness";
      c.check(`${who} ${cont.name}: ${probe} checks health service "${expected}"`, svc === expected,
              `service="${svc}"`);
    }
  }
  const ports = Object.fromEntries((ct.ports ?? []).map((p) => [p.name, p.containerPort]));
  c.check(`${who}: container port grpc = ${want.grpcPort}`, ports.grpc === want.grpcPort);
  c.check(`${who}: container port metrics = ${want.metricsPort}`, ports.metrics === want.metricsPort);
  c.check(`${who}: DANGBO_PORT matches the gRPC port`, Number(env.DANGBO_PORT) === want.grpcPort,
          `DANGBO_PORT=${env.DANGBO_PORT}`);
  c.check(`${who}: DANGBO_METRICS_PORT matches the metrics port`,
          Number(env.DANGBO_METRICS_PORT) === want.metricsPort);
  const ann = w.spec.template?.metadata?.annotations ?? {};
  c.check(`${who}: prometheus scrape annotations on the pod`,
          ann["prometheus.io/scrape"] === "true" && Number(ann["prometheus.io/port"]) === want.metricsPort &&
          ann["prometheus.io/path"] === "/metrics");

  // Shutdown: the kubelet must wait longer than drain + grace.
  const drain = seconds(env.DANGBO_DRAIN_DELAY ?? "0s");
  const grace = seconds(env.DANGBO_SHUTDOWN_GRACE ?? "20s");
  c.check(`${who}: terminationGracePeriodSeconds > drain_delay + shutdown_grace`,
          spec.terminationGracePeriodSeconds > drain + grace,
          `${spec.terminationGracePeriodSeconds} vs ${drain}+${grace}`);

  // Memory: a limit, and a block cache that fits well inside it.
  const limit = mebibytes(ct.resources?.limits?.memory);
  // The block cache follows the limit: the server reads the limit through the downward API
  // and takes DANGBO_BLOCK_CACHE_FRACTION of it (common/config.h), so no second number is
  // kept in step with the limit by hand.
  c.check(`${who}: block cache derived from the memory limit (no hand-kept DANGBO_BLOCK_CACHE_MB)`,
          env.DANGBO_BLOCK_CACHE_MB === undefined, `DANGBO_BLOCK_CACHE_MB=${env.DANGBO_BLOCK_CACHE_MB}`);
  const fieldRef = c.valueFrom(ct).DANGBO_MEMORY_LIMIT_MB?.resourceFieldRef;
  c.check(`${who}: DANGBO_MEMORY_LIMIT_MB is the container's limits.memory in MiB (downward API)`,
          fieldRef?.resource === "limits.memory" &&
          (fieldRef.containerName === undefined || fieldRef.containerName === ct.name) &&
          mebibytes(fieldRef.divisor ?? "1") === 1, JSON.stringify(fieldRef ?? null));
  const fraction = Number(env.DANGBO_BLOCK_CACHE_FRACTION ?? "0.4");
  const cache = Math.floor(limit * fraction);
  c.check(`${who}: block cache <= 50% of the memory limit`,
          Number.isFinite(fraction) && fraction > 0 && fraction <= 0.5,
          `DANGBO_BLOCK_CACHE_FRACTION=${env.DANGBO_BLOCK_CACHE_FRACTION} of ${limit} MiB`);
  c.check(`${who}: block cache at least 8 MiB`, cache >= 8, `${cache} MiB`);

  // Data: the data directory is on a volume (the root filesystem is read-only).
  const mounts = ct.volumeMounts ?? [];
  const dataMount = mounts.find((m) => m.mountPath === env.DANGBO_DATA_DIR ||
                                       env.DANGBO_DATA_DIR?.startsWith(`${m.mountPath}/`));
  c.check(`${who}: DANGBO_DATA_DIR is on a mounted volume`, dataMount !== undefined,
          `DANGBO_DATA_DIR=${env.DANGBO_DATA_DIR}`);
  for (const path of ["/etc/dangbo/tls", "/etc/dangbo/tokens"]) {
    const m = mounts.find((x) => x.mountPath === path);
    const vol = (spec.volumes ?? []).find((v) => v.name === m?.name);
    c.check(`${who}: Secret mounted read-only at ${path}`, m?.readOnly === true && vol?.secret !== undefined);
  }
  c.check(`${who}: /tmp is writable (emptyDir)`, mounts.some((m) => m.mountPath === "/tmp"));

  // Headless Service for dns:/// + round_robin, selecting the pods.
  const headless = c.find("Service").filter((s) => s.spec?.clusterIP === "None" &&
      Object.entries(s.spec?.selector ?? {}).every(([k, v]) => podLabels[k] === v) &&
      Object.keys(s.spec?.selector ?? {}).length > 0);
  c.check(`${service}: a headless Service selects its pods`, headless.length >= 1);
  for (const s of headless) {
    const grpc = (s.spec.ports ?? []).find((p) => p.name === "grpc");
    c.check(`${describe(s)}: port grpc ${want.grpcPort} with appProtocol grpc`,
            grpc?.port === want.grpcPort && grpc?.appProtocol === "grpc");
    // The writer's Service must not reach the replicas, nor the replicas' the writer.
    for (const other of Object.keys(SERVICES).filter((x) => x !== service)) {
      const otherLabels = podTemplateLabels(c, other);
      c.check(`${describe(s)}: selects no ${other} pods`,
              otherLabels === undefined || !selects(s.spec.selector, otherLabels));
    }
  }

  if (want.role !== undefined) {
    const role = env.DANGBO_ROLE ?? "writer";
    c.check(`${who}: runs analytics --role=${want.role} (DANGBO_ROLE)`, role === want.role,
            `DANGBO_ROLE=${env.DANGBO_ROLE}`);
  }

  if (w.kind === "StatefulSet") {
    c.check(`${who}: exactly one replica (one writer per RocksDB)`, w.spec.replicas === 1,
            `replicas=${w.spec.replicas}`);
    const templates = (w.spec.volumeClaimTemplates ?? []).map((t) => t.metadata?.name);
    c.check(`${who}: has a PersistentVolumeClaim template`, templates.length > 0);
    c.check(`${who}: the data directory is on a PVC template`, templates.includes(dataMount?.name),
            `mount ${dataMount?.name}, templates ${templates}`);
    c.check(`${who}: serviceName is a headless Service`,
            headless.some((s) => s.metadata?.name === w.spec.serviceName), w.spec.serviceName);
    c.check(`${service}: no HPA scales ${service}`,
            !c.find("HorizontalPodAutoscaler").some((h) => h.spec?.scaleTargetRef?.name === service));
    const pdb = c.find("PodDisruptionBudget").find((p) => p.spec?.selector?.matchLabels?.["app.kubernetes.io/name"] === service);
    c.check(`${service}: PDB maxUnavailable 1 (minAvailable would block drains)`,
            pdb?.spec?.maxUnavailable === 1 && pdb?.spec?.minAvailable === undefined);
  }
  if (w.kind === "Deployment") {
    // Disposable read replicas: several, scaled on CPU, each on a store it can rebuild.
    c.check(`${who}: at least 2 replicas`, w.spec.replicas >= 2, `replicas=${w.spec.replicas}`);
    const dataVolume = (spec.volumes ?? []).find((v) => v.name === dataMount?.name);
    c.check(`${who}: the data directory is on an emptyDir with a sizeLimit`,
            dataVolume?.emptyDir !== undefined && dataVolume.emptyDir.sizeLimit !== undefined,
            JSON.stringify(dataVolume));
    const hpas = c.find("HorizontalPodAutoscaler").filter((h) =>
        h.spec?.scaleTargetRef?.kind === "Deployment" && h.spec?.scaleTargetRef?.name === service);
    const hpa = hpas[0];
    const onCpu = (hpa?.spec?.metrics ?? []).some((m) => m.type === "Resource" &&
        m.resource?.name === "cpu" && m.resource?.target?.type === "Utilization" &&
        m.resource?.target?.averageUtilization > 0);
    c.check(`${service}: an HPA (autoscaling/v2) scales Deployment ${service} on CPU utilization`,
            hpas.length === 1 && hpa.apiVersion === "autoscaling/v2" &&
            hpa.spec.scaleTargetRef.apiVersion === "apps/v1" && onCpu, `found ${hpas.length}`);
    // The fewest replicas there may be: the HPA's minimum (it defaults to 1), else the count.
    const min = hpa ? (hpa.spec?.minReplicas ?? 1) : w.spec.replicas;
    if (hpa) {
      c.check(`${service}: HPA minReplicas >= 2`, min >= 2, `minReplicas=${hpa.spec?.minReplicas}`);
      c.check(`${service}: HPA maxReplicas > minReplicas`, hpa.spec?.maxReplicas > min,
              `maxReplicas=${hpa.spec?.maxReplicas}`);
    }
    c.check(`${who}: CPU request set (the HPA's utilization is relative to it)`,
            ct.resources?.requests?.cpu !== undefined);
    const pdb = c.find("PodDisruptionBudget").find((p) => selects(p.spec?.selector?.matchLabels, podLabels));
    const keepsOne = Number.isInteger(pdb?.spec?.minAvailable) ? pdb.spec.minAvailable >= 1
        : Number.isInteger(pdb?.spec?.maxUnavailable) && pdb.spec.maxUnavailable >= 1 &&
          pdb.spec.maxUnavailable < min;
    c.check(`${service}: a PDB keeps at least one replica available`, keepsOne,
            JSON.stringify(pdb?.spec ?? null));
  }
  if (want.binary === "analytics") {
    c.check(`${who}: DANGBO_MAX_CONNECTION_AGE set (clients re-resolve)`,
            seconds(env.DANGBO_MAX_CONNECTION_AGE ?? "") > 0);
    const ns = w.metadata?.namespace;
    for (const conn of CONNECTIONS.filter((x) => x.client === service)) {
      const expected = `dns:///${conn.service}.${ns}.svc.cluster.local:${SERVICES[conn.server].grpcPort}`;
      c.check(`${who}: ${conn.target} is ${conn.server}'s headless Service ${conn.service} in its namespace`,
              env[conn.target] === expected, `${conn.target}=${env[conn.target]}`);
      const target = c.find("Service", conn.service)[0];
      c.check(`${who}: ${conn.target}: Service ${conn.service} is headless and selects ${conn.server} pods`,
              target?.spec?.clusterIP === "None" &&
              selects(target?.spec?.selector, podTemplateLabels(c, conn.server) ?? {}));
    }
  }

  // Every DANGBO_* variable names a flag of this server.
  const flags = c.flags[want.binary];
  if (flags) {
    const names = [...Object.keys(env), ...Object.keys(c.valueFrom(ct))];
    for (const key of names.filter((k) => k.startsWith("DANGBO_"))) {
      c.check(`${who}: ${key} names a flag of ${want.binary}_server`,
              flags.has(key.slice("DANGBO_".length).toLowerCase()));
    }
  }
}

// The roles operators are handed a token for (common/auth.cc RolePermissions): make-secrets.sh
// makes one principal per role, the treasurer's included (dues without personal data).
const OPERATOR_ROLES = ["admin", "editor", "inspector", "treasurer", "viewer", "service"];

function checkSecrets(c, secrets) {
  const byName = new Map(secrets.filter((d) => d.kind === "Secret").map((d) => [d.metadata?.name, d]));
  checkConnections(c, byName);
  const tokens = byName.get("dangbo-tokens")?.data?.tokens;
  if (tokens !== undefined) {
    // Lines "sha256:<hex> principal role[,role...]", "#" comments (common/auth.cc).
    const roles = new Set(Buffer.from(tokens, "base64").toString("utf8").split("\n")
        .map((l) => l.split("#")[0].trim().split(/\s+/)[2])
        .filter((r) => r !== undefined)
        .flatMap((r) => r.split(",")));
    for (const role of OPERATOR_ROLES) {
      c.check(`Secret dangbo-tokens: a principal with role ${role}`, roles.has(role));
    }
  }
  for (const doc of c.docs) {
    const spec = podSpecOf(doc);
    if (!spec) continue;
    for (const vol of spec.volumes ?? []) {
      if (!vol.secret) continue;
      const secret = byName.get(vol.secret.secretName);
      c.check(`${describe(doc)}: Secret ${vol.secret.secretName} is created by make-secrets.sh`,
              secret !== undefined);
      if (!secret) continue;
      for (const ct of spec.containers ?? []) {
        const env = c.environment(ct);
        const mount = (ct.volumeMounts ?? []).find((m) => m.name === vol.name);
        if (!mount) continue;
        for (const [key, value] of Object.entries(env)) {
          if (!String(value).startsWith(`${mount.mountPath}/`)) continue;
          const file = String(value).slice(mount.mountPath.length + 1);
          c.check(`${describe(doc)}: ${key}=${value} is key ${file} of Secret ${secret.metadata.name}`,
                  Object.keys(secret.data ?? {}).includes(file));
        }
      }
    }
  }
}

// The bytes of the Secret key that `file` is under a read-only Secret mount, or undefined.
function secretFile(byName, spec, container, file) {
  const vol = secretMountFor(spec, container, file);
  const m = (container.volumeMounts ?? []).find((x) => file?.startsWith(`${x.mountPath}/`));
  const data = byName.get(vol?.secretName)?.data?.[file?.slice(m.mountPath.length + 1)];
  return data === undefined ? undefined : Buffer.from(data, "base64");
}

// Each server-to-server connection works with the Secrets as created: the client trusts the
// server's certificate (issued by its CA, naming the host it dials or its TLS server name)
// and the server's token file lists the client's token with the `service` role.
function checkConnections(c, byName) {
  const server = (name) => {
    const w = c.find(SERVICES[name].workload, name)[0];
    const spec = w?.spec?.template?.spec;
    const ct = spec?.containers?.[0];
    return ct ? { w, spec, ct, env: c.environment(ct) } : undefined;
  };
  for (const conn of CONNECTIONS) {
    const from = server(conn.client);
    const to = server(conn.server);
    if (!from || !to) continue;
    const who = `${describe(from.w)} -> ${conn.server}`;
    const certPem = secretFile(byName, to.spec, to.ct, to.env.DANGBO_TLS_CERT);
    if (to.env.DANGBO_TLS_CERT !== undefined && certPem !== undefined) {
      const cert = new X509Certificate(certPem);
      const caPem = secretFile(byName, from.spec, from.ct, effective(from.env, conn.ca));
      let trusted = false;
      try {
        const ca = new X509Certificate(caPem);
        trusted = cert.checkIssued(ca) && cert.verify(ca.publicKey);
      } catch {
        trusted = false;
      }
      c.check(`${who}: the server certificate is issued by the client's CA (${conn.ca[0]})`, trusted);
      const host = effective(from.env, conn.serverName) ??
          /^dns:\/\/\/([^:/]+)/.exec(from.env[conn.target] ?? "")?.[1];
      c.check(`${who}: the server certificate names ${host}`,
              host !== undefined && cert.checkHost(host) !== undefined, cert.subjectAltName);
    }
    const tokens = secretFile(byName, to.spec, to.ct, to.env.DANGBO_TOKEN_FILE);
    if (to.env.DANGBO_TOKEN_FILE !== undefined && tokens !== undefined) {
      const token = secretFile(byName, from.spec, from.ct, effective(from.env, conn.token));
      const digest = token &&
          `sha256:${createHash("sha256").update(token.toString("utf8").trim()).digest("hex")}`;
      // Lines "sha256:<hex> principal role[,role...]", "#" comments (common/auth.cc).
      const roles = tokens.toString("utf8").split("\n")
          .map((l) => l.split("#")[0].trim().split(/\s+/))
          .find((f) => f[0].toLowerCase() === digest)?.[2];
      c.check(`${who}: the server's token file accepts the client's token (${conn.token[0]}) as role service`,
              (roles ?? "").split(",").includes("service"), `roles=${roles}`);
    }
  }
}

function checkNetworkPolicies(c) {
  const policies = c.find("NetworkPolicy");
  c.check("a default-deny ingress NetworkPolicy", policies.some((p) =>
      Object.keys(p.spec?.podSelector ?? { x: 1 }).length === 0 &&
      (p.spec?.policyTypes ?? []).includes("Ingress") && (p.spec?.ingress ?? []).length === 0));
  const grpcPeers = (svc) => {
    const p = policies.find((x) => x.spec?.podSelector?.matchLabels?.["app.kubernetes.io/name"] === svc);
    return (p?.spec?.ingress ?? []).filter((r) => (r.ports ?? []).some((x) => x.port === SERVICES[svc].grpcPort))
        .flatMap((r) => ((r.from ?? []).length > 0 ? r.from : [{ open: true }]));
  };
  const labels = (selector) => Object.keys(selector?.matchLabels ?? {}).length +
      (selector?.matchExpressions ?? []).length;
  // A peer names pods (a non-empty podSelector), never an address block, and a namespace
  // only by its labels (an empty namespaceSelector would be every namespace).
  const podsOnly = (p) => !p.open && !p.ipBlock && labels(p.podSelector) > 0 &&
      (p.namespaceSelector === undefined || labels(p.namespaceSelector) > 0);
  const inNamespace = (p, name) => p.namespaceSelector === undefined &&
      p.podSelector?.matchLabels?.["app.kubernetes.io/name"] === name;
  const client = (p) => p.namespaceSelector?.matchLabels?.[CLIENT_NAMESPACE_LABEL] === "true" &&
      p.podSelector?.matchLabels?.[CLIENT_POD_LABEL] === "true";
  const recordsPeers = grpcPeers("records");
  c.check("records NetworkPolicy: gRPC only from pods (no namespace-wide or open rule)",
          recordsPeers.length > 0 && recordsPeers.every(podsOnly));
  c.check("records NetworkPolicy: admits analytics pods of its namespace",
          recordsPeers.some((p) => inNamespace(p, "analytics")));
  c.check("records NetworkPolicy: admits analytics-writer pods of its namespace",
          recordsPeers.some((p) => inNamespace(p, "analytics-writer")));
  const writerPeers = grpcPeers("analytics-writer");
  c.check("analytics-writer NetworkPolicy: gRPC only from pods (no namespace-wide or open rule)",
          writerPeers.length > 0 && writerPeers.every((p) => podsOnly(p) && !p.namespaceSelector));
  c.check("analytics-writer NetworkPolicy: admits the analytics replicas",
          writerPeers.some((p) => inNamespace(p, "analytics")));
  const analyticsPeers = grpcPeers("analytics");
  c.check("analytics NetworkPolicy: gRPC only from pods (no namespace-wide or open rule)",
          analyticsPeers.length > 0 && analyticsPeers.every(podsOnly));
  for (const [svc, peers] of [["records", recordsPeers], ["analytics", analyticsPeers]]) {
    c.check(`${svc} NetworkPolicy: admits client pods (${CLIENT_POD_LABEL}) of labelled namespaces ` +
            `(${CLIENT_NAMESPACE_LABEL})`, peers.some(client));
  }
  // Clients in the rendering itself (the backup CronJob) are in a namespace that admits them.
  for (const job of c.find("CronJob")) {
    const podLabels = job.spec?.jobTemplate?.spec?.template?.metadata?.labels ?? {};
    if (podLabels[CLIENT_POD_LABEL] !== "true") continue;
    const ns = c.find("Namespace", job.metadata?.namespace)[0];
    c.check(`${describe(job)}: its namespace is labelled ${CLIENT_NAMESPACE_LABEL}=true`,
            ns?.metadata?.labels?.[CLIENT_NAMESPACE_LABEL] === "true");
  }
  for (const svc of Object.keys(SERVICES)) {
    const p = policies.find((x) => x.spec?.podSelector?.matchLabels?.["app.kubernetes.io/name"] === svc);
    c.check(`${svc} NetworkPolicy: metrics port from the monitoring namespace`,
            (p?.spec?.ingress ?? []).some((r) => (r.ports ?? []).some((x) => x.port === SERVICES[svc].metricsPort) &&
                (r.from ?? []).some((f) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "monitoring")));
  }
}

// The PodMonitor and PrometheusRule of the monitoring component, when the rendering has them.
function checkMonitoring(c) {
  for (const pm of c.find("PodMonitor")) {
    const who = describe(pm);
    const selector = pm.spec?.selector?.matchLabels;
    for (const service of Object.keys(SERVICES)) {
      const w = c.find(SERVICES[service].workload, service)[0];
      const labels = w?.spec?.template?.metadata?.labels;
      if (!labels) continue;
      c.check(`${who}: selects the ${service} pods`, selects(selector, labels));
      c.check(`${who}: job label of ${service} is "${service}" (alerts select job="${service}")`,
              labels[pm.spec?.jobLabel] === service, `jobLabel=${pm.spec?.jobLabel}`);
      const ports = (w.spec.template.spec?.containers ?? [])
          .flatMap((ct) => (ct.ports ?? []).map((p) => p.name));
      for (const ep of pm.spec?.podMetricsEndpoints ?? []) {
        c.check(`${who}: port ${ep.port} is a container port of the ${service} pods`,
                ports.includes(ep.port), `ports: ${ports.join(",")}`);
      }
    }
    for (const job of c.find("CronJob")) {
      c.check(`${who}: does not select ${describe(job)}'s pods`,
              !selects(selector, job.spec?.jobTemplate?.spec?.template?.metadata?.labels));
    }
  }
  const rules = c.find("PrometheusRule");
  if (rules.length === 0) return;
  const here = dirname(fileURLToPath(import.meta.url));
  const runbook = readFileSync(join(here, "..", "..", "deploy", "OPERATIONS.md"), "utf8");
  const headings = new Set(runbook.split("\n").filter((l) => /^#+ /.test(l))
      .map((l) => l.replace(/^#+ /, "").trim()));
  for (const pr of rules) {
    for (const group of pr.spec?.groups ?? []) {
      for (const rule of (group.rules ?? []).filter((r) => r.alert)) {
        const who = `${describe(pr)} alert ${rule.alert}`;
        c.check(`${who}: severity critical or warning`,
                ["critical", "warning"].includes(rule.labels?.severity),
                `severity=${rule.labels?.severity}`);
        const named = rule.annotations?.runbook ?? "";
        const m = /^deploy\/OPERATIONS\.md: ([^(]+?)(?: \(.*\))?$/.exec(named);
        c.check(`${who}: runbook names a section of deploy/OPERATIONS.md`,
                m !== null && headings.has(m[1]), `runbook=${named}`);
      }
    }
  }
}

function main(argv) {
  const flags = {};
  const files = [];
  let secretsFile;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--flags") {
      const [service, file] = argv[++i].split("=");
      flags[service] = new Set(readFileSync(file, "utf8").split("\n").map((s) => s.trim()).filter(Boolean));
    } else if (argv[i] === "--secrets") {
      secretsFile = argv[++i];
    } else {
      files.push(argv[i]);
    }
  }
  if (files.length === 0) {
    console.error("usage: node invariants.mjs [--flags SERVICE=FILE ...] rendered.yaml");
    process.exit(2);
  }
  const docs = loadManifests(files).map((d) => d.doc);
  const c = new Checker(docs, flags);
  for (const doc of docs) {
    const spec = podSpecOf(doc);
    if (spec) checkPodSecurity(c, doc, spec);
  }
  const production = docs.some((d) => d.kind === "Namespace" &&
      d.metadata?.labels?.["dangbo.gov.vn/environment"] === "production");
  for (const service of Object.keys(SERVICES)) checkServer(c, service, production);
  // A CronJob that backs records up: records deletes old backups itself (--backup_keep,
  // --backup_max_age), or the backups volume fills night after night.
  const backupJobs = c.find("CronJob").filter((j) =>
      JSON.stringify(j.spec?.jobTemplate?.spec?.template?.spec?.containers ?? []).includes("/CreateBackup"));
  const recordsCt = c.find("StatefulSet", "records")[0]?.spec?.template?.spec?.containers?.[0];
  const recordsEnv = recordsCt ? c.environment(recordsCt) : {};
  for (const job of backupJobs) {
    c.check(`${describe(job)}: records keeps a bounded number of backups (DANGBO_BACKUP_KEEP > 0)`,
            Number(recordsEnv.DANGBO_BACKUP_KEEP) > 0, `DANGBO_BACKUP_KEEP=${recordsEnv.DANGBO_BACKUP_KEEP}`);
    c.check(`${describe(job)}: records deletes old backups (DANGBO_BACKUP_MAX_AGE set)`,
            seconds(recordsEnv.DANGBO_BACKUP_MAX_AGE ?? "") >= 3600,
            `DANGBO_BACKUP_MAX_AGE=${recordsEnv.DANGBO_BACKUP_MAX_AGE}`);
  }
  if (production) {
    for (const job of c.find("CronJob")) {
      const text = JSON.stringify(job.spec?.jobTemplate?.spec?.template?.spec?.containers ?? []);
      c.check(`${describe(job)}: production: no -plaintext call`, !text.includes("-plaintext"));
    }
  }
  checkNetworkPolicies(c);
  checkMonitoring(c);
  const secrets = secretsFile ? loadManifests([secretsFile]).map((d) => d.doc) : undefined;
  checkPageTokenKeys(c, production, secrets);
  if (secrets) checkSecrets(c, secrets);
  const namespaces = new Set(docs.filter((d) => d.kind !== "Namespace").map((d) => d.metadata?.namespace));
  c.check("every object has one namespace (the overlay's)", namespaces.size === 1 && !namespaces.has(undefined),
          [...namespaces].join(","));
  for (const f of c.failures) console.log(`FAIL ${f}`);
  console.log(`${c.passed} passed, ${c.failures.length} failed`);
  process.exit(c.failures.length === 0 ? 0 : 1);
}

main(process.argv.slice(2));
