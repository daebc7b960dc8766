"""A store writer in its own process (tests kill it): store synthetic records, print progress.

FUNNELPACT_DATABASE_URL=... python store_worker.py CONTACTS BATCH_SIZE
"""

from __future__ import annotations

import sys

from funnelpact.server import setup_django


def main(contacts: int, batch_size: int) -> None:
    setup_django()
    from funnelpact.server.tracking.services import store_records
    from funnelpact.server.tracking.synthetic import synthetic_records

    def progress(done: int) -> None:
        print(f"progress {done}", flush=True)

    report = store_records(
        synthetic_records(contacts, seed=5), batch_size=batch_size, on_progress=progress
    )
    print(f"done {report.records}", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
