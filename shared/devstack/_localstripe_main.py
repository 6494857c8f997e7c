"""Entry point that runs localstripe bound to 127.0.0.1 with its state file in our data dir."""

from __future__ import annotations

import argparse
import logging
import pickle
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--state", type=Path, required=True, help="pickle file holding the fake Stripe data")
    parser.add_argument("--from-scratch", action="store_true")
    args = parser.parse_args()

    from aiohttp import web
    from localstripe import resources, server

    state: Path = args.state

    # localstripe hard-codes /tmp/localstripe.pickle, shared by every instance on the machine;
    # point its store at our own file instead.
    def load(store: resources.Store) -> None:
        try:
            with state.open("rb") as f:
                old = pickle.load(f)  # noqa: S301 - our own file, written by this process
        except FileNotFoundError:
            return
        store.clear()
        store.update(old)

    def dump(store: resources.Store) -> None:
        tmp = state.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(state)

    resources.Store.try_load_from_disk = load  # type: ignore[method-assign]
    resources.Store.dump_to_disk = dump  # type: ignore[method-assign]
    if not args.from_scratch:
        resources.store.try_load_from_disk()

    logging.basicConfig(level=logging.WARNING)
    # localstripe's own start() binds every interface (::); bind loopback only.
    web.run_app(server.app, host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
