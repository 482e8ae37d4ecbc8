#!/usr/bin/env python3
"""Turns the Kubernetes manifests into what podman runs, so `make image-test` runs the images
as the manifests do rather than as a hand-written copy of them.

  pod_args.py run --overlay DIR --workload KIND/NAME --volumes DIR [--env KEY=VALUE]...
      One `podman run` argument a line for the workload's first container: its environment
      (envFrom ConfigMaps resolved, `env` values, the downward API's limits.memory with its
      divisor), its pod's and container's securityContext (runAsUser/runAsGroup, fsGroup,
      readOnlyRootFilesystem, dropped capabilities, no privilege escalation), its memory
      limit, and its volumeMounts: an emptyDir becomes a tmpfs of its sizeLimit; a Secret
      volume is bound read-only from DIR/<secret name>; a volumeClaimTemplate from
      DIR/<claim name>. --env replaces one variable (e.g. a cluster DNS target that is
      localhost in a podman pod). Anything this cannot reproduce is an error naming it.

  pod_args.py kube --overlay DIR --workload KIND/NAME... --secrets DIR [--image NAME=REF]...
      What `podman kube play` (4.3) runs of the overlay, on stdout: its ConfigMaps and
      Secrets, and the named workloads at one replica (kube play publishes every
      containerPort on the host, so two replicas, or two workloads with one port, collide), a
      StatefulSet as a Deployment of one with its volumeClaimTemplates as
      PersistentVolumeClaims (kube play skips StatefulSets). Images named NAME become REF.
      kube play 4.3 ignores a Secret volume's defaultMode and the pod's fsGroup, so each
      Secret volume's files are written to DIR/<secret name> with the modes the kubelet
      gives them and bound as a hostPath.

The overlay is rendered with `kubectl kustomize` (kubectl is the client only; no cluster).
"""
import argparse
import base64
import os
import re
import subprocess
import sys

import yaml

UNITS = {
    "": 1, "k": 1000, "M": 1000**2, "G": 1000**3, "T": 1000**4,
    "Ki": 1024, "Mi": 1024**2, "Gi": 1024**3, "Ti": 1024**4,
}


def quantity(text):
    """A Kubernetes quantity (e.g. 512Mi, 1G, 64Mi) in bytes or units."""
    m = re.fullmatch(r"(\d+)([A-Za-z]*)", str(text))
    if not m or m.group(2) not in UNITS:
        raise SystemExit(f"pod_args: unsupported quantity {text!r}")
    return int(m.group(1)) * UNITS[m.group(2)]


def render(overlay):
    out = subprocess.run(["kubectl", "kustomize", overlay], check=True, capture_output=True,
                         text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def find(docs, kind, name):
    for d in docs:
        if d["kind"] == kind and d["metadata"]["name"] == name:
            return d
    raise SystemExit(f"pod_args: no {kind}/{name} in the rendered overlay")


def environment(docs, container, overrides):
    env = {}
    for source in container.get("envFrom", []):
        if "configMapRef" not in source:
            raise SystemExit(f"pod_args: envFrom {source} is not a configMapRef")
        cm = find(docs, "ConfigMap", source["configMapRef"]["name"])
        env.update(cm.get("data", {}))
    limits = container.get("resources", {}).get("limits", {})
    for var in container.get("env", []):
        if "value" in var:
            env[var["name"]] = str(var["value"])
            continue
        ref = var.get("valueFrom", {}).get("resourceFieldRef")
        if ref is None or ref.get("resource") not in ("limits.memory", "limits.cpu"):
            raise SystemExit(f"pod_args: env {var['name']}: only values and the "
                             "limits.memory resourceFieldRef are reproduced")
        resource = ref["resource"].split(".", 1)[1]
        if resource != "memory":
            raise SystemExit(f"pod_args: env {var['name']}: limits.cpu is not reproduced")
        divisor = quantity(ref.get("divisor", "1"))
        env[var["name"]] = str(-(-quantity(limits["memory"]) // divisor))  # ceil, as k8s
    for item in overrides:
        key, _, value = item.partition("=")
        if key not in env:
            raise SystemExit(f"pod_args: --env {key}: the manifest does not set it")
        env[key] = value
    return env


def run_args(args):
    docs = render(args.overlay)
    kind, _, name = args.workload.partition("/")
    workload = find(docs, kind, name)
    pod = workload["spec"]["template"]["spec"]
    container = pod["containers"][0]
    out = []
    for key, value in sorted(environment(docs, container, args.env).items()):
        out.append(f"--env={key}={value}")

    psc = pod.get("securityContext", {})
    csc = container.get("securityContext", {})
    user = csc.get("runAsUser", psc.get("runAsUser"))
    group = csc.get("runAsGroup", psc.get("runAsGroup"))
    if user is None or not psc.get("runAsNonRoot", csc.get("runAsNonRoot")):
        raise SystemExit(f"pod_args: {args.workload} does not run as a non-root user")
    out.append(f"--user={user}:{group if group is not None else user}")
    if "fsGroup" in psc:
        out.append(f"--group-add={psc['fsGroup']}")
    if csc.get("readOnlyRootFilesystem"):
        out.append("--read-only")
        out.append("--read-only-tmpfs=false")
    for cap in csc.get("capabilities", {}).get("drop", []):
        out.append(f"--cap-drop={cap}")
    for cap in csc.get("capabilities", {}).get("add", []):
        out.append(f"--cap-add={cap}")
    if csc.get("allowPrivilegeEscalation") is False:
        out.append("--security-opt=no-new-privileges")
    if csc.get("privileged"):
        raise SystemExit(f"pod_args: {args.workload} is privileged")
    memory = container.get("resources", {}).get("limits", {}).get("memory")
    if memory:
        out.append(f"--memory={quantity(memory)}")

    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    claims = {t["metadata"]["name"] for t in workload["spec"].get("volumeClaimTemplates", [])}
    for mount in container.get("volumeMounts", []):
        vname, path = mount["name"], mount["mountPath"]
        ro = ",ro" if mount.get("readOnly") else ""
        if vname in claims:
            out.append(f"--volume={args.volumes}/{vname}:{path}{ro}")
            continue
        volume = volumes.get(vname)
        if volume is None:
            raise SystemExit(f"pod_args: volumeMount {vname} names no volume")
        if "emptyDir" in volume:
            size = volume["emptyDir"].get("sizeLimit")
            # The kubelet makes an emptyDir 0777 (podman's tmpfs takes no uid/gid).
            opts = "rw,mode=0777" + (
                f",size={quantity(size)}" if size else "")
            out.append(f"--tmpfs={path}:{opts}")
        elif "secret" in volume:
            out.append(f"--volume={args.volumes}/{volume['secret']['secretName']}:{path}:ro")
        else:
            raise SystemExit(f"pod_args: volume {vname}: only emptyDir, Secret and claims "
                             "are reproduced")
    print("\n".join(out))


def write_secret(root, secret, mode, fs_group):
    """A Secret's keys as files in root/<name>, as the kubelet mounts them: each file of the
    volume's mode, and with an fsGroup group-owned by it and group-readable."""
    path = os.path.join(root, secret["metadata"]["name"])
    os.makedirs(path, exist_ok=True)
    files = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
    files.update({k: v.encode() for k, v in (secret.get("stringData") or {}).items()})
    if fs_group is not None:
        mode |= 0o440
    for key, value in files.items():
        name = os.path.join(path, key)
        with open(name, "wb") as f:
            f.write(value)
        if fs_group is not None:
            os.chown(name, 0, fs_group)
        os.chmod(name, mode)
    os.chmod(path, 0o755)
    return path


def kube_docs(args):
    images = dict(item.split("=", 1) for item in args.image)
    out = []
    for d in render(args.overlay):
        kind = d["kind"]
        if kind in ("ConfigMap", "Secret"):
            out.append(d)
            continue
        if f"{kind}/{d['metadata']['name']}" not in args.workload:
            continue
        if kind not in ("Deployment", "StatefulSet"):
            raise SystemExit(f"pod_args: {kind} is not a workload kube play runs")
        spec = d["spec"]
        secrets = {s["metadata"]["name"]: s for s in out if s["kind"] == "Secret"}
        fs_group = spec["template"]["spec"].get("securityContext", {}).get("fsGroup")
        for v in spec["template"]["spec"].get("volumes", []):
            ref = v.get("secret")
            if not ref:
                continue
            del v["secret"]
            if ref["secretName"] not in secrets:
                if not ref.get("optional"):
                    raise SystemExit(f"pod_args: volume {v['name']}: Secret "
                                     f"{ref['secretName']} is not in the overlay")
                # The kubelet mounts an optional Secret that does not exist as an empty
                # directory; kube play refuses the pod instead: give it the empty directory.
                v["emptyDir"] = {}
                continue
            # kube play 4.3 writes a Secret volume's files 0600 for root, ignoring defaultMode
            # and fsGroup (podman 4.8 added defaultMode), so a non-root server cannot read its
            # key. Write the files as the kubelet would and bind them instead.
            path = write_secret(args.secrets, secrets[ref["secretName"]],
                                ref.get("defaultMode", 0o644), fs_group)
            v["hostPath"] = {"path": path, "type": "Directory"}
        for c in spec["template"]["spec"]["containers"]:
            repo, _, _ = c["image"].partition(":")
            if repo in images:
                c["image"] = images[repo]
        if kind == "StatefulSet":
            name = d["metadata"]["name"]
            pod = spec["template"]["spec"]
            for t in spec.pop("volumeClaimTemplates", []):
                claim = f"{t['metadata']['name']}-{name}-0"  # the StatefulSet's own naming
                out.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                            "metadata": {"name": claim,
                                         "namespace": d["metadata"].get("namespace")},
                            "spec": t["spec"]})
                pod.setdefault("volumes", []).append(
                    {"name": t["metadata"]["name"],
                     "persistentVolumeClaim": {"claimName": claim}})
            for key in ("serviceName", "podManagementPolicy", "updateStrategy",
                        "persistentVolumeClaimRetentionPolicy"):
                spec.pop(key, None)
            d["kind"] = "Deployment"
            d["apiVersion"] = "apps/v1"
        spec["replicas"] = 1
        out.append(d)
    yaml.safe_dump_all(out, sys.stdout, sort_keys=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("--overlay", required=True)
    run.add_argument("--workload", required=True)
    run.add_argument("--volumes", required=True)
    run.add_argument("--env", action="append", default=[])
    kube = sub.add_parser("kube")
    kube.add_argument("--overlay", required=True)
    kube.add_argument("--workload", action="append", required=True)
    kube.add_argument("--image", action="append", default=[])
    kube.add_argument("--secrets", required=True)
    args = parser.parse_args()
    if args.command == "run":
        run_args(args)
    else:
        kube_docs(args)


if __name__ == "__main__":
    main()
