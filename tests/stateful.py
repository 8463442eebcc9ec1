"""Hypothesis settings shared by the rule-based (stateful) tests: deterministic for CI
(derandomized, no example database, nothing printed unless it fails) and reported at once,
unshrunk — shrinking these runs takes minutes; HYPOTHESIS_SHRINK=1 gives the shortest failing
sequence."""

import os

from hypothesis import HealthCheck, Phase, settings


def stateful_settings(*, max_examples: int, steps: int) -> settings:
    return settings(
        max_examples=max_examples,
        phases=[
            Phase.explicit,
            Phase.generate,
            *([Phase.shrink] if os.environ.get("HYPOTHESIS_SHRINK") else []),
        ],
        stateful_step_count=steps,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
