#!/usr/bin/env python3
# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-activity reminder lines against Odoo's own calendar alarm manager.

On one database (``crm_alert_bench_lines``, no demo data, with
crm_alert_automation and calendar_sms) holding N reminder lines — N/2
meetings, each an activity with a customer SMS line (1 day before) and a
customer e-mail line (2 days before), and the same meeting as a calendar
event whose attendee is that customer, with an SMS and an e-mail alarm at
the same moments — of which D are due now (D/2 meetings starting within
2 to 22 hours), it times in the same run, each measurement in a transaction
rolled back afterwards:

1. finding the due reminders: our scanner's locking query and count, Odoo's
   ``_get_events_by_alarm_to_notify`` for e-mail and SMS;
2. queueing the same D reminders: our ``_cron_send_due`` (outbox rows), and
   what our dispatcher renders of them later; Odoo's ``_send_reminder``
   (e-mail: rendered, mail.mail created; SMS: rendered, sms.sms created and
   handed to IAP, which is stubbed: nothing leaves the machine).

    python3 bench/bench_reminder_lines.py [--lines N] [--due D] [--reuse]
        [--repeat K]
"""

import argparse
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from benchlib.calendar_peer import (
    IapStub,
    find_odoo,
    find_odoo_one,
    send_odoo_email,
    send_odoo_sms,
)
from benchlib.data import create_dummy_mail_server, point_mail_servers_at
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
from benchlib.reminder_lines import (
    DUE_START_HOURS,
    EMAIL_DAYS,
    LINES_PER_ACTIVITY,
    SMS_DAYS,
    check_stored_columns,
    configure_ours,
    count_lines,
    create_alarms,
    create_people,
    due_line_ids,
    insert_meetings,
    reminders_of_lines,
    shift_to_now,
    warn_if_start_is_near,
)
from benchlib.report import fmt_seconds, ratio

import odoo
from odoo import fields
from odoo.tools import SQL

DATABASE = "crm_alert_bench_lines"

MODULES = ("crm_alert_automation", "calendar_sms")

PENDING_INDEX = "crm_activity_reminder_pending_idx"


def measure(registry, scenario, label, work, expected_ids, prepare=None, repeat=3):
    return measure_in(
        registry, DATABASE, scenario, label, work, expected_ids, prepare, repeat
    )


@dataclass
class Scenario:
    now: datetime
    lastcall: datetime  # Odoo's alarm cron: its previous run
    total: int  # reminder lines
    due_ids: list  # due lines, in our scanner's order
    reminders: list  # (calendar event, channel) of the due lines
    sample_events: set  # the meetings whose reminders are sent (rendered)

    @property
    def batch(self):
        return len(self.due_ids)

    @property
    def sample(self):
        """(event, channel) of the reminders of the sampled meetings."""
        return [r for r in self.reminders if r[0] in self.sample_events]

    def sample_of(self, channel):
        return [r for r in self.sample if r[1] == channel]


def describe_scenario(env, total, sample):
    now = fields.Datetime.now()
    due_ids = due_line_ids(env, now)
    warn_if_start_is_near(env, due_ids, now)
    reminders = reminders_of_lines(env, due_ids)
    events = list(dict.fromkeys(event for event, _channel in reminders))
    sample_events = set(events[: sample // LINES_PER_ACTIVITY] if sample else events)
    return Scenario(
        now=now,
        # Before the first due e-mail alarm moment (2 days before a meeting
        # starting at least 2 h from now): Odoo skips, by design, alarms due
        # before its cron's last run; here all 10,000 are after it.
        lastcall=now - timedelta(days=EMAIL_DAYS, hours=1),
        total=total,
        due_ids=due_ids,
        reminders=reminders,
        sample_events=sample_events,
    )


def only_the_sample(env, scenario):
    """Untimed, rolled back with the measurement: the due meetings outside
    the sample archived (Odoo's alarm look-up skips archived events)."""
    others = {event for event, _channel in scenario.reminders} - scenario.sample_events
    env.cr.execute(
        "UPDATE calendar_event SET active = false WHERE id = ANY(%s)", [list(others)]
    )
    env["calendar.event"].invalidate_model(["active"])


# ----------------------------------------------------------------------
# Ours
# ----------------------------------------------------------------------
def lock_ours(env, scenario, state):
    Reminder = env["crm.activity.reminder"]
    return found(Reminder._lock_due(fields.Datetime.now(), scenario.batch))


def count_ours(env, scenario, state):
    return Outcome(env["crm.activity.reminder"]._count_due(fields.Datetime.now()))


def queued_lines(env, after_message_id):
    env.cr.execute(
        "SELECT source_id FROM crm_alert_message WHERE id > %s "
        "AND source_model = 'crm.activity.reminder'",
        [after_message_id],
    )
    return [row[0] for row in env.cr.fetchall()]


def queue_ours(env, scenario, state):
    before = last_id(env, "crm_alert_message")
    env["crm.activity.reminder"]._cron_send_due(batch_size=scenario.batch)
    env.flush_all()
    outcome = found(queued_lines(env, before))
    outcome.created = f"{outcome.count:,} crm.alert.message"
    return outcome


def queue_ours_first(env, scenario):
    """All due lines queued (untimed); the messages of the sampled
    meetings."""
    before = last_id(env, "crm_alert_message")
    env["crm.activity.reminder"]._cron_send_due(batch_size=scenario.batch)
    env.flush_all()
    messages = env["crm.alert.message"].search([("id", ">", before)])
    lines = env["crm.activity.reminder"].browse(messages.mapped("source_id"))
    sampled = set(
        lines.filtered(
            lambda line: line.activity_id.calendar_event_id.id in scenario.sample_events
        ).ids
    )
    return messages.filtered(lambda message: message.source_id in sampled)


def render_ours(env, scenario, messages):
    """What our dispatcher does with the queued reminders before the
    network: e-mails rendered and their mail.mail created, in its batches
    (``_prepare_mails``: obsolete check, sender, subject, body, Bcc); SMS
    checked (still wanted, number, consent), rendered and the text written
    on the row (``_send_text`` up to the gateway's HTTP call)."""
    size = dispatcher_module().EMAIL_BATCH_SIZE
    emails = messages.filtered(lambda message: message.channel == "email")
    for start in range(0, len(emails), size):
        emails[start : start + size]._for_dispatch()._prepare_mails()
    for message in messages.filtered(
        lambda message: message.channel == "sms"
    )._for_dispatch():
        message._check_still_wanted()
        number = message._recipient_number()
        message._check_consent(number)
        message.write({"phone": number, "body_text": message._render_text()})
    outcome = found(reminders_of_lines(env, messages.mapped("source_id")))
    outcome.created = (
        f"{len(emails):,} mail.mail, {len(messages) - len(emails):,} SMS texts"
    )
    return outcome


def due_query(env, limit=None, lock=False, count=False):
    Reminder = env["crm.activity.reminder"]
    condition = Reminder._due_condition(fields.Datetime.now())
    if count:
        return SQL("SELECT count(*) FROM crm_activity_reminder r WHERE %s", condition)
    return SQL(
        "SELECT r.id FROM crm_activity_reminder r WHERE %s ORDER BY r.fire_at "
        "LIMIT %s %s",
        condition,
        limit,
        SQL("FOR UPDATE SKIP LOCKED" if lock else ""),
    )


def explain(registry, **kwargs):
    vacuum(DATABASE)
    with rolled_back(registry) as env:
        env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", due_query(env, **kwargs)))
        return [row[0] for row in env.cr.fetchall()]


# ----------------------------------------------------------------------
# Database
# ----------------------------------------------------------------------
def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100000, help="reminder lines")
    parser.add_argument(
        "--due",
        type=int,
        default=10000,
        help="of them due now, queued in one batch (default 10,000)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep the database {DATABASE} of an earlier run (moved to now)",
    )
    parser.add_argument(
        "--send-sample",
        type=int,
        default=1000,
        help="reminders (of the due ones) that Odoo sends and our dispatcher "
        "renders: the same ones for both (default 1,000; 0: all)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each fast measurement"
    )
    parser.add_argument(
        "--database",
        default=DATABASE,
        help=f"the bench database (default {DATABASE}): one per size keeps both",
    )
    return parser.parse_args()


def prepare_database(args, smtp_port):
    addons_dirs = odoo_addons_dirs()
    activities = args.lines // LINES_PER_ACTIVITY
    due_activities = args.due // LINES_PER_ACTIVITY
    if not args.reuse:
        build_database(DATABASE, addons_dirs, MODULES)
    registry = open_registry(DATABASE, addons_dirs, smtp_port)
    with committed(registry) as env:
        if args.reuse:
            point_mail_servers_at(env, smtp_port)
            total = count_lines(env)
            if total != args.lines:
                raise SystemExit(
                    f"{DATABASE} holds {total:,} lines, not {args.lines:,}: "
                    "run without --reuse"
                )
            log(f"moved the meetings by {shift_to_now(env)} to now")
        else:
            configure_ours(env, create_dummy_mail_server(env, smtp_port))
            create_people(env)
            create_alarms(env)
            started = time.perf_counter()
            insert_meetings(env, activities, due_activities)
            log(f"inserted in {time.perf_counter() - started:.0f} s")
    vacuum(DATABASE, analyze=True)
    with rolled_back(registry) as env:
        log(f"the ORM computes the same values for {check_stored_columns(env)} lines")
    return registry


def versions_of(registry):
    with rolled_back(registry) as env:
        env.cr.execute("SHOW server_version")
        return {"PostgreSQL": env.cr.fetchone()[0], "Odoo": odoo.release.version}


def index_size(registry):
    with rolled_back(registry) as env:
        env.cr.execute(
            "SELECT pg_size_pretty(pg_relation_size(%s::regclass)), "
            "pg_size_pretty(pg_relation_size('crm_activity_reminder'::regclass)), "
            "(SELECT count(*) FROM crm_activity_reminder "
            " WHERE enabled AND queued_for IS DISTINCT FROM start_at)",
            [PENDING_INDEX],
        )
        return env.cr.fetchone()


# ----------------------------------------------------------------------
# Runs
# ----------------------------------------------------------------------
def run_finds(registry, scenario, repeat):
    log("finding the due reminders...")
    n = scenario.batch
    finds = [
        (
            ("ours", f"_lock_due(now, {n:,}): LIMIT {n:,} FOR UPDATE SKIP LOCKED"),
            lock_ours,
            scenario.due_ids,
        ),
        (("ours", "_count_due(now): count(*)"), count_ours, scenario.due_ids),
        (
            ("Odoo calendar", "_get_events_by_alarm_to_notify('email') + ('sms')"),
            find_odoo,
            scenario.reminders,
        ),
        (
            ("Odoo calendar", "_get_events_by_alarm_to_notify('email')"),
            find_odoo_one("email"),
            [r for r in scenario.reminders if r[1] == "email"],
        ),
        (
            ("Odoo calendar", "_get_events_by_alarm_to_notify('sms')"),
            find_odoo_one("sms"),
            [r for r in scenario.reminders if r[1] == "sms"],
        ),
    ]
    return [
        measure(registry, scenario, label, work, expected, repeat=repeat)
        for label, work, expected in finds
    ]


def run_queues(registry, scenario, repeat, iap):
    n = scenario.batch
    log(
        f"queueing {n:,} reminders; sending (rendering) {len(scenario.sample):,} "
        "of them..."
    )
    scan = measure(
        registry,
        scenario,
        ("ours", f"_cron_send_due(batch_size={n})"),
        queue_ours,
        scenario.due_ids,
        repeat=repeat,
    )
    render = measure(
        registry,
        scenario,
        ("ours, at send time", "dispatcher: check, render, mail.mail; no network"),
        render_ours,
        scenario.sample,
        prepare=queue_ours_first,
        repeat=repeat,
    )
    calls = iap.calls, iap.numbers
    odoo_email = measure(
        registry,
        scenario,
        ("Odoo calendar", "calendar's _send_reminder(): e-mail alarms"),
        send_odoo_email,
        scenario.sample_of("email"),
        prepare=only_the_sample,
        repeat=repeat,
    )
    odoo_sms = measure(
        registry,
        scenario,
        ("Odoo calendar", "calendar_sms's _send_reminder(), no attendee e-mail"),
        send_odoo_sms,
        scenario.sample_of("sms"),
        prepare=only_the_sample,
        repeat=repeat,
    )
    odoo_sms.iap = (iap.calls - calls[0], iap.numbers - calls[1])
    return scan, render, odoo_email, odoo_sms


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------
def print_header(scenario, versions, index):
    print(
        f"\n## {DATABASE}: {scenario.total:,} reminder lines, {scenario.batch:,} due\n"
    )
    print(
        f"{scenario.total // LINES_PER_ACTIVITY:,} meetings on customers, each an "
        f"activity with an SMS line ({SMS_DAYS} day before) and an e-mail line "
        f"({EMAIL_DAYS} days before) and the same meeting as a calendar event "
        "(attendee: the customer) with an SMS and an e-mail alarm at the same "
        f"moments; {scenario.batch // LINES_PER_ACTIVITY:,} meetings start within "
        f"{DUE_START_HOURS[0]}-{DUE_START_HOURS[1]} h. Run at {scenario.now} UTC; "
        f"Odoo's cron last call set to {scenario.lastcall} UTC. "
        + "; ".join(f"{name} {value}" for name, value in versions.items())
        + f". Pending index {PENDING_INDEX}: {index[0]} for {index[2]:,} pending "
        f"lines (table {index[1]})."
    )


def row_cells(row):
    return [
        row.mechanism,
        row.what,
        f"{row.outcome.count:,}",
        row.same_activities,
        fmt_seconds(row.seconds),
        f"{row.queries:,}",
    ]


def print_finds(finds, repeat):
    ours = finds[0]
    print(f"\n### Finding the due reminders (median of up to {repeat} runs)\n")
    print(
        "| mechanism | what runs | found | as expected | time | queries | time / ours |"
    )
    print("| --- | --- | ---: | --- | ---: | ---: | ---: |")
    for row in finds:
        print(
            "| "
            + " | ".join(row_cells(row))
            + f" | {ratio(row.seconds, ours.seconds)} |"
        )


def per_batch(row, n):
    """Seconds for ``n`` reminders at this row's rate."""
    return row.seconds / row.outcome.count * n


def print_queues(scan, render, odoo_email, odoo_sms):
    n = scan.expected_count
    print(f"\n### Queueing / sending the same reminders (of the {n:,} due)\n")
    print(
        "| mechanism | what runs | reminders | as expected | created | time | "
        f"queries | reminders/s | time for {n:,} |"
    )
    print("| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: |")
    for row in (scan, render, odoo_email, odoo_sms):
        cells = row_cells(row)
        created = row.outcome.created
        if row is odoo_sms:
            created += (
                f" (IAP stub: {odoo_sms.iap[0]:,} calls, {odoo_sms.iap[1]:,} numbers)"
            )
        scaled = fmt_seconds(per_batch(row, n))
        if row.outcome.count != n:
            scaled = f"{scaled} (scaled)"
        print(
            "| "
            + " | ".join([*cells[:4], created, *cells[4:]])
            + f" | {row.outcome.count / row.seconds:,.0f} | {scaled} |"
        )


def print_ratios(finds, scan, render, odoo_email, odoo_sms):
    """Odoo's time for the same reminders over ours; sending at each row's
    rate, over the whole batch (the sample's e-mail and SMS halves are the
    batch's)."""
    n = scan.expected_count
    lock, count, odoo_find = finds[0], finds[1], finds[2]
    odoo_send = per_batch(odoo_email, n / 2) + per_batch(odoo_sms, n / 2)
    ours_render = per_batch(render, n)
    sampled = odoo_email.outcome.count + odoo_sms.outcome.count
    odoo_queries = (odoo_email.queries + odoo_sms.queries) * n / sampled
    render_queries = render.queries * n / render.outcome.count
    rows = [
        (
            f"finding the {n:,} due (our locking query vs Odoo's two look-ups)",
            lock.seconds,
            odoo_find.seconds,
            fmt_seconds,
        ),
        (
            "counting them (ours) vs finding them (Odoo)",
            count.seconds,
            odoo_find.seconds,
            fmt_seconds,
        ),
        (
            f"{n:,} reminders: queueing (ours) vs sending (Odoo, e-mail + SMS)",
            scan.seconds,
            odoo_send,
            fmt_seconds,
        ),
        (
            f"{n:,} reminders: queueing + send-time rendering (ours) vs sending (Odoo)",
            scan.seconds + ours_render,
            odoo_send,
            fmt_seconds,
        ),
        (
            f"queries for {n:,}: queueing (ours) vs sending (Odoo)",
            scan.queries,
            odoo_queries,
            "{:,.0f}".format,
        ),
        (
            f"queries for {n:,}: queueing + rendering (ours) vs sending (Odoo)",
            scan.queries + render_queries,
            odoo_queries,
            "{:,.0f}".format,
        ),
    ]
    scaled = "" if sampled == n else f"; sending scaled from the {sampled:,} sent"
    print(f"\n### Ours against Odoo's calendar alarm manager, same run{scaled}\n")
    print("| | ours | Odoo | Odoo / ours |")
    print("| --- | ---: | ---: | ---: |")
    for what, ours, odoo_value, shown in rows:
        factor = ratio(odoo_value, ours)
        print(f"| {what} | {shown(ours)} | {shown(odoo_value)} | {factor} |")


def print_plans(plans):
    for title, lines in plans.items():
        uses = (
            "uses" if any(PENDING_INDEX in line for line in lines) else "does NOT use"
        )
        print(f"\n### Plan: {title}\n")
        print(f"Top node: `{lines[0].strip()}`; {uses} `{PENDING_INDEX}`.\n")
        print("```")
        print("\n".join(lines))
        print("```")


def main():
    global DATABASE  # one bench database per run
    args = parse_args()
    DATABASE = args.database
    started = time.perf_counter()
    iap = IapStub().install()
    registry = prepare_database(args, unused_local_port())
    with rolled_back(registry) as env:
        scenario = describe_scenario(env, count_lines(env), args.send_sample)
    log(
        f"ready in {time.perf_counter() - started:.0f} s: {scenario.total:,} lines, "
        f"{scenario.batch:,} due"
    )
    finds = run_finds(registry, scenario, args.repeat)
    scan, render, odoo_email, odoo_sms = run_queues(
        registry, scenario, args.repeat, iap
    )
    batch = f"our scanner's batch (LIMIT {scenario.batch:,} FOR UPDATE SKIP LOCKED)"
    plans = {
        batch: explain(registry, limit=scenario.batch, lock=True),
        "our count of the due lines": explain(registry, count=True),
    }
    print_header(scenario, versions_of(registry), index_size(registry))
    print(
        "\nFigures from a shared 2-core machine: compare the ratios within one run, "
        "not times across runs."
    )
    print_finds(finds, args.repeat)
    print_queues(scan, render, odoo_email, odoo_sms)
    print_ratios(finds, scan, render, odoo_email, odoo_sms)
    print_plans(plans)
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
