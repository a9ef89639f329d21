#!/usr/bin/env python3
# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reminder benchmark: crm_alert_automation against Odoo's own mechanisms.

On one database (``crm_alert_bench``, no demo data) holding N open activities
of 50 users in Asia/Jakarta, Asia/Ho_Chi_Minh and Europe/Warsaw, a share of
them due within 24 hours, it times on the same data in the same run, each
measurement in a transaction rolled back afterwards:

1. finding the due activities: our scanner's SQL; what base_automation's
   time-based rule does (as shipped, and as a date-range domain); OCA
   mail_activity_reminder's selection;
2. queueing 10,000 reminder e-mails for the same 10,000 activities: our scan
   cron; a base_automation rule sending the addon's mail.template; OCA's
   reminder cron.

No e-mail leaves: nothing is sent, only queued, and the only mail server
points at an unused port on 127.0.0.1.

    python3 bench/bench_reminders.py [--activities N] [--due-share F] [--reuse]
        [--repeat K] [--skip-base-automation-queue]
"""

import argparse
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time

from benchlib.data import (
    check_stored_columns,
    configure_ours,
    count_bench_activities,
    create_dummy_mail_server,
    create_staff_and_customers,
    due_by_our_scanner,
    insert_activities,
    point_mail_servers_at,
    redate_activities,
    warn_if_due_moment_is_near,
)
from benchlib.measuring import Outcome, found
from benchlib.measuring import measure as measure_in
from benchlib.odoo_env import (
    build_database,
    committed,
    dispatcher_module,
    last_id,
    log,
    odoo_addons_dirs,
    open_registry,
    rolled_back,
    unused_local_port,
    vacuum,
)
from benchlib.peers import (
    OCA_INSTALL,
    OCA_MODULE,
    configure_base_automation,
    configure_oca,
    find_base_automation_as_shipped,
    find_base_automation_by_domain,
    find_oca,
    keep_queue_due_for_base_automation,
    keep_queue_due_for_oca,
    oca_installed,
    oca_module_available,
    queue_base_automation,
    queue_oca,
)
from benchlib.report import (
    print_find_table,
    print_header,
    print_plans,
    print_queue_table,
    print_ratios,
)

import odoo
from odoo import fields
from odoo.tools import SQL

DATABASE = "crm_alert_bench"

BASE_MODULES = ("crm_alert_automation", "base_automation")

QUEUE_SIZE = 10000


def measure(registry, scenario, label, work, expected_ids, prepare=None, repeat=3):
    return measure_in(
        registry, DATABASE, scenario, label, work, expected_ids, prepare, repeat
    )


def configure(env, with_oca, smtp_port):
    server = create_dummy_mail_server(env, smtp_port)
    create_staff_and_customers(env)
    configure_ours(env, server)
    configure_base_automation(env, server)
    if with_oca:
        configure_oca(env)  # before the activities: no ORM recompute of them


@dataclass
class Scenario:
    now: datetime
    total: int
    due_ids: list  # due for a reminder now, per our scanner, in its order
    rule_id: int  # the base_automation rule
    rule_last_run: datetime
    with_oca: bool

    @property
    def queue_ids(self):
        return self.due_ids[:QUEUE_SIZE]

    @property
    def other_due_ids(self):
        return self.due_ids[QUEUE_SIZE:]


def describe_scenario(env, total, with_oca):
    now = fields.Datetime.now()
    due_ids = due_by_our_scanner(env, now)
    warn_if_due_moment_is_near(env, due_ids, now)
    rule = env["base.automation"].search([("name", "like", "bench:")], limit=1)
    return Scenario(
        now=now,
        total=total,
        due_ids=due_ids,
        rule_id=rule.id,
        # as if the rule last ran at 00:00 UTC yesterday: every due deadline
        # crossed its threshold (00:00 UTC the day before) since
        rule_last_run=datetime.combine(now.date(), day_time()) - timedelta(days=1),
        with_oca=with_oca,
    )


def find_ours(env, scenario, state):
    return found(due_by_our_scanner(env, fields.Datetime.now()))


def count_ours(env, scenario, state):
    query = env["mail.activity"]._crm_alert_due_query(
        env.company, "reminder", fields.Datetime.now()
    )
    env.cr.execute(SQL("SELECT count(*) FROM (%s) due", query))
    return Outcome(env.cr.fetchone()[0])


def lock_batch_ours(env, scenario, state):
    now = fields.Datetime.now()
    return found(due_by_our_scanner(env, now, limit=QUEUE_SIZE, lock=True))


def reminded_by_ours(env, after_message_id):
    env.cr.execute(
        "SELECT r.activity_id FROM crm_alert_message_activity_rel r "
        "JOIN crm_alert_message m ON m.id = r.message_id "
        "WHERE m.id > %s AND m.kind = 'reminder'",
        [after_message_id],
    )
    return [row[0] for row in env.cr.fetchall()]


def queue_ours(env, scenario, state):
    before = last_id(env, "crm_alert_message")
    queued = env["mail.activity"]._cron_crm_alert_scan(batch_size=QUEUE_SIZE)
    env.flush_all()
    outcome = found(reminded_by_ours(env, before))
    outcome.created = f"{queued:,} crm.alert.message"
    return outcome


def queue_ours_first(env, scenario):
    before = last_id(env, "crm_alert_message")
    env["mail.activity"]._cron_crm_alert_scan(batch_size=QUEUE_SIZE)
    env.flush_all()
    return env["crm.alert.message"].search([("id", ">", before)])


def render_ours(env, scenario, messages):
    """What our dispatcher does with a batch of queued reminders before
    handing each to SMTP (render sender, subject and body; create their
    mail.mail), minus the sending."""
    size = dispatcher_module().EMAIL_BATCH_SIZE
    for start in range(0, len(messages), size):
        # the dispatcher's render step (_send_email_batch before it hands
        # the batch to SMTP)
        messages[start : start + size]._for_dispatch()._prepare_mails()
    outcome = found(messages.activity_ids.ids)
    outcome.created = f"{len(messages):,} mail.mail"
    return outcome


def explain(registry, limit=None, lock=False, count=False):
    vacuum(DATABASE)
    with rolled_back(registry) as env:
        query = env["mail.activity"]._crm_alert_due_query(
            env.company, "reminder", fields.Datetime.now(), limit=limit, lock=lock
        )
        if count:
            query = SQL("SELECT count(*) FROM (%s) due", query)
        env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query))
        return [row[0] for row in env.cr.fetchall()]


def versions_of(registry, with_oca):
    with rolled_back(registry) as env:
        env.cr.execute("SHOW server_version")
        versions = {"PostgreSQL": env.cr.fetchone()[0], "Odoo": odoo.release.version}
        if with_oca:
            oca = env["ir.module.module"].search([("name", "=", OCA_MODULE)])
            versions[f"OCA {OCA_MODULE}"] = oca.latest_version
        return versions


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=100000)
    parser.add_argument(
        "--due-share",
        type=float,
        default=0.1,
        help="share of the activities due within the next 24 h (default 0.1)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep the database {DATABASE} built by an earlier run",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each fast measurement"
    )
    parser.add_argument(
        "--skip-base-automation-queue",
        action="store_true",
        help="leave out base_automation's queueing (about 3 minutes)",
    )
    parser.add_argument(
        "--skip-render",
        action="store_true",
        help="leave out the send-time rendering of our reminders (about 1 minute)",
    )
    return parser.parse_args()


def prepare_database(args, addons_dirs, smtp_port):
    """Build (or reuse) the database and its activities; the registry and
    whether OCA's module is there."""
    due = round(args.activities * args.due_share)
    if not args.reuse:
        with_oca = oca_module_available(addons_dirs)
        modules = [*BASE_MODULES, *([OCA_MODULE] if with_oca else [])]
        build_database(DATABASE, addons_dirs, modules)
    registry = open_registry(DATABASE, addons_dirs, smtp_port)
    with_oca = oca_installed(registry)
    with committed(registry) as env:
        if args.reuse:
            point_mail_servers_at(env, smtp_port)
            total = count_bench_activities(env)
            if total != args.activities:
                raise SystemExit(
                    f"{DATABASE} holds {total:,} activities, not "
                    f"{args.activities:,}: run without --reuse"
                )
            redated = redate_activities(env, total, due, with_oca)
            log(f"re-dated {redated:,} activities to today's calendar")
        else:
            configure(env, with_oca, smtp_port)
            insert_activities(env, args.activities, due, with_oca)
    vacuum(DATABASE, analyze=True)
    with rolled_back(registry) as env:
        checked = check_stored_columns(env, with_oca)
        log(f"the ORM computes the same values for {checked} sampled activities")
    return registry, with_oca


def run_finds(registry, scenario, repeat):
    log("finding the due activities...")
    due, batch = scenario.due_ids, scenario.queue_ids
    finds = [
        (("ours", "_crm_alert_due_query: all due ids"), find_ours, due),
        (("ours", "_crm_alert_due_query: count(*)"), count_ours, due),
        (
            (
                "ours",
                f"_crm_alert_due_query LIMIT {QUEUE_SIZE:,} FOR UPDATE SKIP LOCKED "
                "(the cron's batch)",
            ),
            lock_batch_ours,
            batch,
        ),
        (
            (
                "base_automation",
                "_check as shipped: search(filter_domain) + date test in Python",
            ),
            find_base_automation_as_shipped,
            due,
        ),
        (
            ("base_automation", "search() with the date window as a domain"),
            find_base_automation_by_domain,
            due,
        ),
    ]
    if scenario.with_oca:
        finds.append((("OCA", "_get_activities_to_remind()"), find_oca, due))
    return [
        measure(registry, scenario, label, work, expected, repeat=repeat)
        for label, work, expected in finds
    ]


def run_queues(registry, scenario, repeat, with_base_automation=True, with_render=True):
    """(our scan, our send-time rendering or None, [peers])"""
    log(f"queueing {len(scenario.queue_ids):,} reminders...")
    batch = scenario.queue_ids
    scan = measure(
        registry,
        scenario,
        ("ours", f"_cron_crm_alert_scan(batch_size={QUEUE_SIZE})"),
        queue_ours,
        batch,
        repeat=repeat,
    )
    render = None
    if with_render:
        render = measure(
            registry,
            scenario,
            ("ours, at send time", "dispatcher renders each queued reminder, no SMTP"),
            render_ours,
            batch,
            prepare=queue_ours_first,
            repeat=repeat,
        )
    peers = []
    if with_base_automation:
        peers.append(
            measure(
                registry,
                scenario,
                ("base_automation", "base.automation._check() (its cron)"),
                queue_base_automation,
                batch,
                prepare=keep_queue_due_for_base_automation,
                repeat=repeat,
            )
        )
    if scenario.with_oca:
        peers.append(
            measure(
                registry,
                scenario,
                ("OCA", "_process_reminders() (its cron)"),
                queue_oca,
                batch,
                prepare=keep_queue_due_for_oca,
                repeat=repeat,
            )
        )
    return scan, render, peers


def main():
    args = parse_args()
    addons_dirs = odoo_addons_dirs()
    if not oca_module_available(addons_dirs):
        log(f"OCA {OCA_MODULE} not found ({OCA_INSTALL}): measuring without it")
    started = time.perf_counter()
    registry, with_oca = prepare_database(args, addons_dirs, unused_local_port())
    with rolled_back(registry) as env:
        scenario = describe_scenario(env, count_bench_activities(env), with_oca)
    log(
        f"ready in {time.perf_counter() - started:.0f} s: {scenario.total:,} "
        f"activities, {len(scenario.due_ids):,} due"
    )
    finds = run_finds(registry, scenario, args.repeat)
    scan, render, peers = run_queues(
        registry,
        scenario,
        args.repeat,
        not args.skip_base_automation_queue,
        not args.skip_render,
    )
    plans = {
        "our count of the due ones": explain(registry, count=True),
        f"our cron's batch (LIMIT {QUEUE_SIZE:,}, FOR UPDATE SKIP LOCKED)": explain(
            registry, limit=QUEUE_SIZE, lock=True
        ),
    }
    print_header(DATABASE, scenario, versions_of(registry, with_oca), args.due_share)
    if not with_oca:
        print(f"\nOCA {OCA_MODULE} is not installed ({OCA_INSTALL}): no OCA rows.")
    print_find_table(finds, args.repeat)
    print_queue_table(scan, render, peers)
    print_ratios(scan, render, peers)
    print_plans(plans)
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
