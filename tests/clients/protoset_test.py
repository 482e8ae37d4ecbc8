#!/usr/bin/python3
"""build/dangbo.protoset carries the contracts' comments.

Server reflection sends descriptors without source info, so `grpcurl ... describe` over
reflection shows no documentation; `grpcurl -protoset build/dangbo.protoset describe X` shows
the comments this file checks are there: every dangbo service, method and message, and
every field of the request messages, has a leading comment, and the imports are included
(the set stands alone). When grpcurl is installed, it must print a service's comment too.
Prints "N passed, M failed"; exits 1 on any failure.

  protoset_test.py build/dangbo.protoset
"""
import shutil
import subprocess
import sys

from google.protobuf import descriptor_pb2

# SourceCodeInfo paths (descriptor.proto field numbers).
FILE_MESSAGE, FILE_SERVICE = 4, 6
MESSAGE_FIELD, SERVICE_METHOD = 2, 2


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed.append(f"{name}: {detail}" if detail else name)


def comments(file):
    """{path tuple: leading comment} of one file."""
    return {tuple(loc.path): loc.leading_comments.strip()
            for loc in file.source_code_info.location if loc.leading_comments.strip()}


def main(path):
    r = Results()
    fds = descriptor_pb2.FileDescriptorSet()
    with open(path, "rb") as f:
        fds.ParseFromString(f.read())
    names = {f.name for f in fds.file}
    dangbo = [f for f in fds.file if f.package.startswith("dangbo.")]
    r.check("the set holds the dangbo contracts", len(dangbo) >= 10, f"{len(dangbo)} files")
    for f in fds.file:
        for dep in f.dependency:
            r.check(f"{f.name}: import {dep} is included", dep in names)
    services = methods = 0
    for f in dangbo:
        docs = comments(f)
        r.check(f"{f.name}: has source info", len(f.source_code_info.location) > 0)
        for i, svc in enumerate(f.service):
            services += 1
            r.check(f"service {f.package}.{svc.name} has a comment",
                    bool(docs.get((FILE_SERVICE, i))))
            for j, m in enumerate(svc.method):
                methods += 1
                r.check(f"rpc {svc.name}.{m.name} has a comment",
                        bool(docs.get((FILE_SERVICE, i, SERVICE_METHOD, j))))
        for i, msg in enumerate(f.message_type):
            r.check(f"message {f.package}.{msg.name} has a comment",
                    bool(docs.get((FILE_MESSAGE, i))))
            if msg.name.endswith("Request"):
                for j, field in enumerate(msg.field):
                    r.check(f"field {msg.name}.{field.name} has a comment",
                            bool(docs.get((FILE_MESSAGE, i, MESSAGE_FIELD, j))))
    r.check("services and methods were found", services >= 3 and methods >= 20,
            f"{services} services, {methods} methods")
    admin = next((f for f in dangbo if f.name.endswith("records/v1/admin_service.proto")), None)
    text = " ".join(comments(admin).values()) if admin else ""
    r.check("CreateBackup's documented errors are in the set",
            "RESOURCE_EXHAUSTED (backup disk full)" in " ".join(text.split()), text[:200])

    grpcurl = shutil.which("grpcurl")
    if grpcurl:
        out = subprocess.run([grpcurl, "-protoset", path, "describe",
                              "dangbo.records.v1.RecordsAdminService"],
                             capture_output=True, text=True, timeout=60)
        r.check("grpcurl -protoset describe shows the service's comment",
                out.returncode == 0 and "Backups of the records RocksDB database" in out.stdout,
                out.stdout[:300] + out.stderr[:300])
    else:
        print("grpcurl is not installed (not packaged in Debian): checked the set's comments "
              "directly")

    for failure in r.failed:
        print(f"FAIL {failure}")
    print(f"{r.passed} passed, {len(r.failed)} failed")
    return 0 if not r.failed else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: protoset_test.py DANGBO.PROTOSET", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
