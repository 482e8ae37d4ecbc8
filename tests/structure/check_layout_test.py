#!/usr/bin/env python3
"""check_layout.py on small fixture trees: a clean one passes, and each broken rule fails
with its own kind of violation (a check that cannot fail would prove nothing)."""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_layout  # noqa: E402

GEN = "/build/gen"

# A service "svc" in the shape of the real ones: domain <- store <- service, common's
# dangbo_base (no gRPC) <- dangbo_common (gRPC).
FILES = {
    "common/errors.h": '#include "absl/status/status.h"\n',
    "common/errors.cc": '#include "common/errors.h"\n',
    "common/grpc_status.h": '#include "common/errors.h"\n#include "grpcpp/support/status.h"\n',
    "common/grpc_status.cc": '#include "common/grpc_status.h"\n',
    "services/svc/domain/rules.h": ('#include "common/errors.h"\n'
                                    '#include "dangbo/svc/v1/thing.pb.h"\n'),
    "services/svc/domain/rules.cc": '#include "services/svc/domain/rules.h"\n',
    "services/svc/store/db.h": '#include "services/svc/domain/rules.h"\n',
    "services/svc/store/db.cc": '#include "services/svc/store/db.h"\n',
    "services/svc/service/handlers.cc": ('#include "common/grpc_status.h"\n'
                                         '#include "dangbo/svc/v1/thing.grpc.pb.h"\n'
                                         '#include "services/svc/store/db.h"\n'),
    "services/svc/main.cc": '#include "services/svc/service/handlers.h"\n',
    "services/svc/service/handlers.h": "// the handlers\n",
}

GRPC = "gRPC::grpc++;gRPC::grpc;gRPC::gpr"
# name: [type, folder, sources, deps, closure, no-gRPC]
TARGETS = {
    "proto_messages": ["STATIC_LIBRARY", "proto", f"{GEN}/dangbo/svc/v1/thing.pb.cc;"
                       f"{GEN}/dangbo/svc/v1/thing.pb.h", "protobuf::libprotobuf",
                       "protobuf::libprotobuf", "OFF"],
    "proto_grpc": ["STATIC_LIBRARY", "proto", f"{GEN}/dangbo/svc/v1/thing.grpc.pb.cc;"
                   f"{GEN}/dangbo/svc/v1/thing.grpc.pb.h", "proto_messages;gRPC::grpc++",
                   "proto_messages;protobuf::libprotobuf;" + GRPC, "OFF"],
    "dangbo_base": ["STATIC_LIBRARY", "common", "errors.cc", "absl::status", "absl::status",
                    "ON"],
    "dangbo_common": ["STATIC_LIBRARY", "common", "grpc_status.cc", "dangbo_base;gRPC::grpc++",
                      "dangbo_base;absl::status;" + GRPC, "OFF"],
    "svc_domain": ["STATIC_LIBRARY", "services/svc/domain", "rules.cc",
                   "dangbo_base;proto_messages",
                   "dangbo_base;proto_messages;absl::status;protobuf::libprotobuf", "ON"],
    "svc_store": ["STATIC_LIBRARY", "services/svc/store", "db.cc", "svc_domain",
                  "svc_domain;dangbo_base;proto_messages", "OFF"],
    "svc_service": ["STATIC_LIBRARY", "services/svc/service", "handlers.cc",
                    "svc_store;svc_domain;dangbo_common;proto_grpc",
                    "svc_store;svc_domain;dangbo_common;proto_grpc;" + GRPC, "OFF"],
    "svc_server": ["EXECUTABLE", "services/svc", "main.cc", "svc_service",
                   "svc_service;" + GRPC, "OFF"],
}


class Fixture:
    def __init__(self, files=None, targets=None):
        self.files = dict(FILES)
        self.files.update(files or {})
        self.targets = {k: list(v) for k, v in TARGETS.items()}
        for name, fields in (targets or {}).items():
            if fields is None:
                del self.targets[name]
            else:
                self.targets[name] = fields

    def violations(self):
        with tempfile.TemporaryDirectory() as src:
            for rel, text in self.files.items():
                path = os.path.join(src, rel)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
            layout = os.path.join(src, "layout.tsv")
            with open(layout, "w", encoding="utf-8") as f:
                for name, fields in self.targets.items():
                    f.write("\t".join([name] + fields) + "\n")
            checker = check_layout.Checker(src, check_layout.read_layout(layout))
            return checker.run()


def kinds(violations):
    return {v.split("]")[0] + "]" for v in violations}


def changed(name, index, value):
    fields = list(TARGETS[name])
    fields[index] = value
    return {name: fields}


class CheckLayoutTest(unittest.TestCase):
    def assertFailsWith(self, fixture, kind, text):
        violations = fixture.violations()
        self.assertIn(kind, kinds(violations), violations)
        self.assertTrue(any(text in v for v in violations), violations)

    def test_clean_tree_passes(self):
        self.assertEqual(Fixture().violations(), [])

    def test_a_cc_file_no_target_compiles_fails(self):
        self.assertFailsWith(Fixture(files={"services/svc/store/extra.cc": ""}),
                             "[sources]", "services/svc/store/extra.cc is compiled by no target")

    def test_a_target_compiling_another_folder_fails(self):
        # Today's analytics_store compiled follower/*.cc.
        fixture = Fixture(files={"services/svc/follower/follow.cc": ""},
                          targets=changed("svc_store", 2, "db.cc;../follower/follow.cc"))
        self.assertFailsWith(fixture, "[sources]", "outside its folder")

    def test_an_include_of_a_target_not_linked_fails(self):
        fixture = Fixture(files={"services/svc/store/db.cc": '#include "common/grpc_status.h"\n'})
        self.assertFailsWith(fixture, "[includes]", "svc_store does not link dangbo_common")

    def test_folders_including_each_other_fail(self):
        # Today: store/read_model_store.h -> follower/contributions.h and back.
        fixture = Fixture(
            files={"services/svc/domain/rules.cc": '#include "services/svc/store/db.h"\n'},
            targets=changed("svc_domain", 3, "dangbo_base;proto_messages;svc_store"))
        self.assertFailsWith(fixture, "[cycle]", "folders include each other")
        self.assertFailsWith(fixture, "[cycle]", "targets link each other")
        self.assertFailsWith(fixture, "[layering]", "svc_domain (services/svc/domain) may not "
                             "link svc_store")

    def test_common_linking_a_service_fails(self):
        fixture = Fixture(targets=changed("dangbo_common", 3, "dangbo_base;svc_domain"))
        self.assertFailsWith(fixture, "[layering]", "dangbo_common (common) may not link")

    def test_a_folder_missing_from_the_allowed_list_fails(self):
        fixture = Fixture(files={"services/svc/misc/x.cc": ""},
                          targets={"svc_misc": ["STATIC_LIBRARY", "services/svc/misc", "x.cc",
                                                "", "", "OFF"]})
        self.assertFailsWith(fixture, "[layering]", "has no place in SERVICE_LAYERS")

    def test_a_domain_target_linking_grpc_fails(self):
        # Today's records_domain linked dangbo_common, which links gRPC.
        fixture = Fixture(targets=changed("svc_domain", 4,
                                          "dangbo_base;dangbo_common;proto_messages;" + GRPC))
        self.assertFailsWith(fixture, "[grpc-link]", "svc_domain links gRPC")

    def test_a_domain_header_reaching_grpcpp_fails(self):
        # Today: records' domain/dates.h -> common/errors.h -> grpcpp/support/status.h.
        fixture = Fixture(files={"common/errors.h": '#include "grpcpp/support/status.h"\n'})
        self.assertFailsWith(fixture, "[grpc-include]",
                             "services/svc/domain/rules.h -> common/errors.h -> "
                             "grpcpp/support/status.h")

    def test_a_domain_header_including_service_stubs_fails(self):
        fixture = Fixture(files={"services/svc/domain/rules.h":
                                 '#include "dangbo/svc/v1/thing.grpc.pb.h"\n'})
        self.assertFailsWith(fixture, "[grpc-include]", "thing.grpc.pb.h")

    def test_a_domain_target_not_marked_fails(self):
        self.assertFailsWith(Fixture(targets=changed("svc_domain", 5, "OFF")), "[grpc-link]",
                             "svc_domain must be marked DANGBO_WITHOUT_GRPC")


    def test_a_binary_needing_grpc_fails(self):
        # protobuf-compiler-grpc's plugin needs libgrpc_plugin_support; ls needs no gRPC.
        plugin = "/usr/bin/grpc_cpp_plugin"
        self.assertTrue(os.path.exists(plugin), "the build needs protobuf-compiler-grpc")
        violations = check_layout.check_binaries([plugin, "/bin/ls"])
        self.assertEqual(len(violations), 1, violations)
        self.assertIn("[grpc-binary] grpc_cpp_plugin needs libgrpc_plugin_support", violations[0])


# cmake/Layout.cmake on a small CMake project: gRPC reached through a private static
# dependency and an imported target's interface is in the closure; the marker is written.
CMAKE_PROJECT = """
cmake_minimum_required(VERSION 3.25)
project(fixture LANGUAGES CXX)
include({layout_module})
add_library(gRPC::grpc INTERFACE IMPORTED)
add_library(gRPC::grpc++ INTERFACE IMPORTED)
set_target_properties(gRPC::grpc++ PROPERTIES INTERFACE_LINK_LIBRARIES gRPC::grpc)
add_subdirectory(common)
add_subdirectory(services/svc/domain)
dangbo_write_layout(${{PROJECT_BINARY_DIR}}/layout.tsv DIRS common services)
"""
COMMON = """
add_library(dangbo_common STATIC grpc_status.cc)
target_link_libraries(dangbo_common PUBLIC gRPC::grpc++)
"""
DOMAIN = """
add_library(svc_domain STATIC rules.cc)
target_link_libraries(svc_domain PRIVATE dangbo_common)
set_target_properties(svc_domain PROPERTIES DANGBO_WITHOUT_GRPC ON)
"""


class LayoutModuleTest(unittest.TestCase):
    def test_the_closure_reaches_grpc_through_private_and_imported_deps(self):
        here = os.path.dirname(os.path.abspath(__file__))
        module = os.path.join(here, "..", "..", "cmake", "Layout.cmake")
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "src")
            for rel, text in {
                    "CMakeLists.txt": CMAKE_PROJECT.format(layout_module=module),
                    "common/CMakeLists.txt": COMMON, "common/grpc_status.cc": "",
                    "services/svc/domain/CMakeLists.txt": DOMAIN,
                    "services/svc/domain/rules.cc": ""}.items():
                os.makedirs(os.path.dirname(os.path.join(src, rel)), exist_ok=True)
                with open(os.path.join(src, rel), "w", encoding="utf-8") as f:
                    f.write(text)
            build = os.path.join(tmp, "build")
            run = subprocess.run(["cmake", "-S", src, "-B", build], capture_output=True,
                                 text=True, timeout=120)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            targets = check_layout.read_layout(os.path.join(build, "layout.tsv"))
        self.assertEqual(sorted(targets), ["dangbo_common", "svc_domain"])
        domain = targets["svc_domain"]
        self.assertEqual(domain.folder, "services/svc/domain")
        self.assertEqual(domain.sources, ["rules.cc"])
        self.assertEqual(domain.deps, ["dangbo_common"])
        self.assertIn("gRPC::grpc++", domain.closure)
        self.assertIn("gRPC::grpc", domain.closure)
        self.assertTrue(domain.no_grpc)
        self.assertFalse(targets["dangbo_common"].no_grpc)


if __name__ == "__main__":
    unittest.main()
