# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Timing a piece of work in rolled-back transactions."""

import statistics
import time
from dataclasses import dataclass

from .odoo_env import log, rolled_back, vacuum

SLOW_SECONDS = 10.0  # a measurement this slow is not repeated


@dataclass
class Outcome:
    count: int  # activities found, or reminded
    activity_ids: set = None  # which ones (None: a count only)
    created: str = ""  # what queueing left behind


@dataclass
class Measurement:
    mechanism: str
    what: str
    seconds: float  # median of the runs
    queries: int  # SQL queries of the last (warmest) run, flush included
    outcome: Outcome
    expected_ids: list

    @property
    def expected_count(self):
        return len(self.expected_ids)

    @property
    def same_activities(self):
        if self.outcome.activity_ids is None:
            return "(count)"
        differ = self.outcome.activity_ids ^ set(self.expected_ids)
        return f"NO ({len(differ):,} differ)" if differ else "yes"


def measure(
    registry, database, scenario, label, work, expected_ids, prepare=None, repeat=3
):
    """Run ``work(env, scenario, state)`` up to ``repeat`` times (once if it
    is slow), each in a fresh transaction rolled back afterwards;
    ``prepare(env, scenario)`` sets the state up, untimed. ``label`` is
    (mechanism, what runs)."""
    mechanism, what = label
    runs = []
    for _ in range(repeat):
        vacuum(database)
        with rolled_back(registry) as env:
            state = prepare(env, scenario) if prepare else None
            env.flush_all()
            queries = env.cr.sql_log_count
            started = time.perf_counter()
            outcome = work(env, scenario, state)
            env.flush_all()
            runs.append((time.perf_counter() - started, env.cr.sql_log_count - queries))
        log(
            f"  {mechanism}, {what}: {runs[-1][0]:.3f} s, {runs[-1][1]} queries, "
            f"{outcome.count:,} activities {outcome.created}"
        )
        if runs[-1][0] > SLOW_SECONDS:
            break
    return Measurement(
        mechanism=mechanism,
        what=what,
        seconds=statistics.median(seconds for seconds, _ in runs),
        queries=runs[-1][1],
        outcome=outcome,
        expected_ids=expected_ids,
    )


def found(ids):
    return Outcome(len(ids), set(ids))
