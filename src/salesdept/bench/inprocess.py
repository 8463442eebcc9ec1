"""Child process of `salesdept bench`, after the HTTP workloads: the workloads that time a service
function itself (Django set up, the bench database), then `check_invariants` over what the seed
and every workload wrote.

Run as `python -m salesdept.bench.inprocess PARAMS_FILE N [ONLY]` with the environment of the
prepare process. It starts as the server does (django.setup(), then web.apps.warm_up(): the
URLconf and the other one-time work of a first request), so a workload's "cold" figure is the
first call in a freshly started server worker. Prints one JSON line: {workload: figures, …,
"invariants": {"ok", "report"}}. A concurrent workload starts more of these processes as
`… --poster PARAMS_FILE K DOCUMENTS`."""

import io
import json
import os
import sys
from pathlib import Path

from .http import summary

WARMUP = 5


def main(params_file: str, n: int, only: set[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdept.settings")
    import django

    django.setup()
    from salesdept.web.apps import warm_up

    warm_up()  # as the server does before forking (cli._gunicorn): "cold" is a worker's first call
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from .workloads import SERVICE_WORKLOADS

    params = {**json.loads(Path(params_file).read_text()), "_file": params_file}
    results: dict = {}
    for name, description, measure in SERVICE_WORKLOADS:
        if only and name not in only:
            continue
        measure(params, WARMUP)
        measured = measure(params, n)
        # a workload answers (seconds, errors) of serial calls, or its own figures (concurrent ones)
        figures = measured if isinstance(measured, dict) else summary(*measured)
        results[name] = {"what": description, **figures}
    report = io.StringIO()
    try:
        call_command("check_invariants", stdout=report)
        ok = True
    except CommandError as exc:
        report.write(str(exc))
        ok = False
    results["invariants"] = {"ok": ok, "report": report.getvalue().strip()[-3000:]}
    print(json.dumps(results), flush=True)


def poster(params_file: str, k: int, documents: int) -> None:
    """One process of a concurrent workload: prints "ready", waits for a line on stdin, works,
    prints its JSON result."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesdept.settings")
    import django

    django.setup()
    from .warehouse import post_drafts

    params = json.loads(Path(params_file).read_text())
    result = post_drafts(
        params, k, documents, ready=lambda: print("ready", flush=True), go=lambda: sys.stdin.readline()
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["--poster"]:
    poster(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
elif __name__ == "__main__":
    main(
        sys.argv[1],
        int(sys.argv[2]),
        set(filter(None, (sys.argv[3] if len(sys.argv) > 3 else "").split(","))),
    )
