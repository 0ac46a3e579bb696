"""``python -m emulator [--port 8470] [--clock-start 2026-12-31T23:59:30Z]``: serve both APIs
on loopback until interrupted."""

import argparse
import logging

from .clock import Clock, parse_instant
from .server import EmulatorServer


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (loopback by default)")
    parser.add_argument("--port", type=int, default=8470, help="port (0 = any free port)")
    parser.add_argument("--region", default="eu", help="Marketplace region in the base path")
    parser.add_argument("--clock-start", metavar="INSTANT", default=None,
                        help="start the emulator clock at this UTC instant, e.g. "
                             "2026-12-31T23:59:30Z (default: the wall clock)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    try:
        start = None if args.clock_start is None else parse_instant(args.clock_start)
    except ValueError as exc:
        parser.error(str(exc))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(message)s")
    server = EmulatorServer(host=args.host, port=args.port, clock=Clock(start=start),
                            marketplace_options={"region": args.region})
    print("Marketplace API: %s" % server.marketplace_url, flush=True)
    print("Xvantage API:    %s" % server.url, flush=True)
    print("Control:         %s/_emulator/faults | /clock | /requests" % server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
