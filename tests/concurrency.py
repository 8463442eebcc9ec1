"""Run calls at the same moment, each in its own thread and so on its own database connection: the
harness of the *_concurrency tests (real row locks need PostgreSQL; on SQLite the writes queue on
its IMMEDIATE transactions)."""

import threading

from django.db import connections

from salesdept.core.errors import DomainError


def at_once(calls) -> list[str]:
    """Run each zero-argument call in its own thread (its own connection), released together by a
    barrier; "ok" or the refusal code (DomainError.code) of each, sorted. Any other exception is
    returned as its repr, for the test's assertion to show."""
    barrier = threading.Barrier(len(calls))
    outcome: dict[int, str] = {}

    def work(i, call) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            outcome[i] = "ok"
        except DomainError as exc:
            outcome[i] = exc.code
        except Exception as exc:  # surfaced by the assertion
            outcome[i] = repr(exc)
        finally:
            connections.close_all()  # the thread's own connection

    workers = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(calls)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=90)
    return sorted(outcome.values())
