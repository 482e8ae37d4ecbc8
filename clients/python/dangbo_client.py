#!/usr/bin/python3
"""A dangbo client in Python: an organization's members (records) and two years compared
(analytics), through the code protoc and grpc_python_plugin generate from proto/.

Debian's python3-grpcio and python3-protobuf are the runtime (apt-get install python3-grpcio);
`cmake --build build` generates the modules into build/clients/python.

  /usr/bin/python3 clients/python/dangbo_client.py \\
      --records 127.0.0.1:50051 --analytics 127.0.0.1:50052 \\
      --cacert .data/certs/ca.pem --token-file .data/certs/ops-admin.token

prints one line a member ("<name>\\t<full name>\\t<state>"), a "members: N" line, then one
line an indicator of CompareYears (base year -> year). --plaintext instead of --cacert for
servers without TLS. Exit status: 0, or 1 with the gRPC status on stderr.
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_GEN = os.path.join(HERE, "..", "..", "build", "clients", "python")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--records", required=True, help="records' address, host:port")
    p.add_argument("--analytics", required=True, help="analytics' address, host:port")
    p.add_argument("--organization", default="organizations/hq-long-an")
    p.add_argument("--base-year", type=int, default=2015)
    p.add_argument("--year", type=int, default=2019)
    p.add_argument("--cacert", help="CA certificate (PEM) that signed the servers' certificates")
    p.add_argument("--plaintext", action="store_true", help="no TLS (development servers)")
    p.add_argument("--token-file", help="file holding a bearer token")
    p.add_argument("--page-size", type=int, default=50)
    p.add_argument("--gen-dir", default=os.environ.get("DANGBO_PYTHON_GEN", DEFAULT_GEN),
                   help="where the generated modules are (default build/clients/python)")
    args = p.parse_args(argv)
    if args.plaintext == bool(args.cacert):
        p.error("give exactly one of --cacert and --plaintext")
    return args


def channel(grpc, target, args):
    if args.plaintext:
        return grpc.insecure_channel(target)
    with open(args.cacert, "rb") as f:
        return grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=f.read()))


def figure(f, figure_pb2):
    """A Figure as text: its decimal value, or why it has none."""
    if f.status == figure_pb2.Figure.OK:
        return f.value.value + ("*" if f.provisional else "")
    return figure_pb2.Figure.Status.Name(f.status)


def main(argv):
    args = parse_args(argv)
    sys.path.insert(0, os.path.abspath(args.gen_dir))
    import grpc  # noqa: E402  (Debian's python3-grpcio)
    from dangbo.analytics.v1 import analytics_service_pb2, analytics_service_pb2_grpc, figure_pb2
    from dangbo.records.v1 import member_pb2, records_service_pb2, records_service_pb2_grpc

    metadata = []
    if args.token_file:
        with open(args.token_file, encoding="utf-8") as f:
            metadata.append(("authorization", "Bearer " + f.read().strip()))

    try:
        records = records_service_pb2_grpc.RecordsServiceStub(channel(grpc, args.records, args))
        request = records_service_pb2.ListMembersRequest(parent=args.organization,
                                                         page_size=args.page_size)
        count = 0
        while True:
            page = records.ListMembers(request, metadata=metadata, timeout=30)
            for m in page.members:
                print(f"{m.name}\t{m.full_name}\t{member_pb2.Member.State.Name(m.state)}")
                count += 1
            if not page.next_page_token:
                break
            request.page_token = page.next_page_token
        print(f"members: {count}")

        analytics = analytics_service_pb2_grpc.AnalyticsServiceStub(
            channel(grpc, args.analytics, args))
        compared = analytics.CompareYears(
            analytics_service_pb2.CompareYearsRequest(organization=args.organization,
                                                      base_year=args.base_year, year=args.year),
            metadata=metadata, timeout=30)
        print(f"CompareYears {compared.organization} {compared.base_year} -> {compared.year}")
        for c in compared.comparisons:
            unit = c.indicator.unit_display or c.indicator.unit
            trend = analytics_service_pb2.IndicatorComparison.Trend.Name(c.trend)
            print(f"  {c.indicator.display_name} ({unit}): {figure(c.base_value, figure_pb2)} -> "
                  f"{figure(c.value, figure_pb2)}, {figure(c.relative_change_percent, figure_pb2)} %"
                  f" {trend}")
    except grpc.RpcError as e:
        print(f"dangbo_client: {e.code().name}: {e.details()}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
