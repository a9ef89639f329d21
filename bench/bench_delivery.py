#!/usr/bin/env python3
# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery benchmark: reminder e-mails from the outbox to a real SMTP server.

On its own database (``crm_alert_bench_smtp``, no demo data) holding N due
activities (default 10,000), with a real SMTP server on 127.0.0.1 (aiosmtpd
in a child process, accepting everything, counting connections, EHLO/HELO
and messages), it times, in the same run and against the same server:

1. ours: the reminders queued by our scan, then
   ``crm.alert.message._cron_dispatch()`` called until nothing is due, in a
   committed registry cursor (the dispatcher commits per e-mail, as in
   production): render each e-mail from the template, one SMTP session per
   batch, record the batch's sent e-mails together;
2. ours without the QWeb compile cache: the same dispatcher steps, the batch
   without ``crm_alert_qweb_cache`` in its context (Odoo compiles the
   template for every e-mail);
3. Odoo's own queue: the same N e-mails (the bodies ours rendered, same
   sender, recipients and server) as ``mail.mail`` in state outgoing, sent
   by ``mail.mail.process_email_queue()`` called until none is left.

Every run starts from a clean outbox and mail queue (untimed), then queues
its N e-mails (untimed), then sends them (timed).

    python3 bench/bench_delivery.py [--messages N] [--repeat K] [--reuse]
"""

import argparse
import statistics
import sys
import time
from dataclasses import dataclass, field

import aiosmtpd
from benchlib.data import (
    configure_ours,
    create_dummy_mail_server,
    create_staff_and_customers,
    insert_activities,
    point_mail_servers_at,
    warn_if_due_moment_is_near,
)
from benchlib.odoo_env import (
    build_database,
    committed,
    dispatcher_module,
    log,
    odoo_addons_dirs,
    open_registry,
    rolled_back,
    vacuum,
)
from benchlib.report import fmt_seconds, markdown_table, ratio
from benchlib.smtp_sink import SmtpSink

import odoo
from odoo import SUPERUSER_ID, api

DATABASE = "crm_alert_bench_smtp"
MODULES = ("crm_alert_automation",)
MARK_PARAM = "bench.delivery.mail_message_mark"
OURS = "ours"
OURS_NO_CACHE = "ours, no QWeb cache"
ODOO_QUEUE = "Odoo's mail queue"
WARM_UP = 200  # e-mails sent by each line, untimed, before the first round


# ---------------------------------------------------------------------------
# Database
# ---------------------------------------------------------------------------
def prepare_database(args, addons_dirs, smtp_port):
    if not args.reuse:
        build_database(DATABASE, addons_dirs, MODULES)
    registry = open_registry(DATABASE, addons_dirs, smtp_port)
    with committed(registry) as env:
        if args.reuse:
            point_mail_servers_at(env, smtp_port)
            env.cr.execute("SELECT count(*) FROM mail_activity WHERE active")
            if env.cr.fetchone()[0] < args.messages:  # fewer: the first N are sent
                raise SystemExit(
                    f"{DATABASE} was built for fewer --messages: run without --reuse"
                )
        else:
            server = create_dummy_mail_server(env, smtp_port)
            server.name = "bench: aiosmtpd sink on 127.0.0.1"
            create_staff_and_customers(env)
            configure_ours(env, server)
            insert_activities(env, args.messages, args.messages, with_oca=False)
            env["ir.config_parameter"].set_param(
                MARK_PARAM, str(max_id(env, "mail_message"))
            )
    vacuum(DATABASE, analyze=True)
    return registry


def max_id(env, table):
    env.cr.execute(f"SELECT COALESCE(max(id), 0) FROM {table}")
    return env.cr.fetchone()[0]


def reset(registry):
    """Empty the outbox and the mail queue, forget every reminder sent."""
    with committed(registry) as env:
        mark = int(env["ir.config_parameter"].get_param(MARK_PARAM))
        crons = [
            env.ref(f"crm_alert_automation.ir_cron_crm_alert_{name}").id
            for name in ("scan", "dispatch")
        ]
        env.cr.execute("DELETE FROM crm_alert_message")  # attempts cascade
        env.cr.execute("DELETE FROM mail_mail")
        # the mail.mail's messages and the chatter notes of each sent reminder
        env.cr.execute("DELETE FROM mail_message WHERE id > %s", [mark])
        env.cr.execute("UPDATE mail_activity SET crm_alert_reminded_for = NULL")
        env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id = ANY(%s)", [crons])
    vacuum(DATABASE, analyze=True)


# ---------------------------------------------------------------------------
# What is queued before each timed run (untimed)
# ---------------------------------------------------------------------------
def queue_reminders(registry, expected):
    with committed(registry) as env:
        now = odoo.fields.Datetime.now()
        env.cr.execute(
            "SELECT id FROM mail_activity WHERE active ORDER BY crm_alert_due_at"
        )
        warn_if_due_moment_is_near(env, [row[0] for row in env.cr.fetchall()], now)
        queued = env["mail.activity"]._cron_crm_alert_scan(batch_size=expected)
    if queued != expected:
        raise SystemExit(f"our scan queued {queued:,} reminders, not {expected:,}")


def queue_odoo_mails(registry, bodies):
    """The e-mails ours rendered, as plain outgoing mail.mail for Odoo's
    queue (not flagged as the outbox's, so the queue sends them)."""
    with committed(registry) as env:
        env["mail.mail"].create(
            [dict(values, auto_delete=False, state="outgoing") for values in bodies]
        )


def rendered_bodies(registry):
    """What ours sent, as mail.mail values (in the order it sent them)."""
    with rolled_back(registry) as env:
        env.cr.execute(
            "SELECT email_from, email_to, subject, body_html, reply_to,"
            "       mail_server_id "
            "  FROM mail_mail m JOIN mail_message msg ON msg.id = m.mail_message_id"
            " WHERE m.crm_alert_outbox ORDER BY m.id"
        )
        names = [column.name for column in env.cr.description]
        return [dict(zip(names, row, strict=True)) for row in env.cr.fetchall()]


# ---------------------------------------------------------------------------
# Sending (timed)
# ---------------------------------------------------------------------------
def dispatch_ours(env):
    return env["crm.alert.message"]._cron_dispatch()


def dispatch_ours_without_qweb_cache(env):
    """``_cron_dispatch`` step by step, the claimed batch without the
    ``crm_alert_qweb_cache`` that ``_for_dispatch()`` puts in its context:
    the addon's ``ir.qweb``/``mail.render.mixin`` overrides then defer to
    Odoo (one compile per e-mail). Keep in step with ``_cron_dispatch``."""
    outbox = env["crm.alert.message"]
    batch_size = dispatcher_module().EMAIL_BATCH_SIZE
    emails = outbox._claim(batch_size, ("email",))
    emails = emails.with_context(crm_alert_qweb_cache=None)
    outbox._commit()
    emails._send_email_batch()
    remaining = outbox._count_due()
    env["ir.cron"]._notify_progress(done=len(emails), remaining=remaining)
    outbox._schedule_next_retry()
    return emails


def send_until_done(env, call):
    """Call the dispatcher until it claims nothing (it commits itself)."""
    calls = 0
    while True:
        calls += 1
        done = call(env)
        env.cr.commit()
        if not done:
            return calls


def run_odoo_queue(env):
    """``process_email_queue`` (1,000 a call, the cron's default) until no
    outgoing e-mail is left; it commits after each e-mail."""
    calls = 0
    while True:
        env.cr.execute("SELECT count(*) FROM mail_mail WHERE state = 'outgoing'")
        if not env.cr.fetchone()[0]:
            return calls
        calls += 1
        env["mail.mail"].process_email_queue()
        env.cr.commit()


@dataclass
class Run:
    seconds: float
    queries: int
    calls: int
    connections: int
    greetings: int
    received: int
    sent: int  # rows left 'sent' (outbox rows for ours, mail.mail for Odoo)


@dataclass
class Variant:
    name: str
    what: str
    runs: list = field(default_factory=list)

    def median(self, attribute):
        return statistics.median(getattr(run, attribute) for run in self.runs)

    @property
    def rate(self):
        return statistics.median(run.received / run.seconds for run in self.runs)


def timed(registry, sink, work):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        before, queries = sink.counts(), cr.sql_log_count
        started = time.perf_counter()
        calls = work(env)
        seconds = time.perf_counter() - started
        queries = cr.sql_log_count - queries
        counts = sink.counts() - before
        cr.execute(
            "SELECT (SELECT count(*) FROM crm_alert_message WHERE state = 'sent'),"
            "       (SELECT count(*) FROM mail_mail WHERE state = 'sent')"
        )
        outbox_sent, mails_sent = cr.fetchone()
    return Run(
        seconds,
        queries,
        calls,
        counts.connections,
        counts.greetings,
        counts.messages,
        outbox_sent or mails_sent,
    )


def run_ours(registry, sink, n, call):
    reset(registry)
    queue_reminders(registry, n)
    return timed(registry, sink, lambda env: send_until_done(env, call))


def run_odoo(registry, sink, bodies):
    reset(registry)
    queue_odoo_mails(registry, bodies)
    return timed(registry, sink, run_odoo_queue)


def measure_round(registry, sink, n, variants, bodies):
    """One run of each variant; returns the bodies ours rendered."""
    ours, no_cache, queue = variants
    for variant, run in (
        (ours, lambda: run_ours(registry, sink, n, dispatch_ours)),
        (
            no_cache,
            lambda: run_ours(registry, sink, n, dispatch_ours_without_qweb_cache),
        ),
    ):
        variant.runs.append(run())
        log_run(variant)
        if bodies is None:
            bodies = rendered_bodies(registry)
    queue.runs.append(run_odoo(registry, sink, bodies))
    log_run(queue)
    return bodies


def warm_up(registry, sink, n):
    """Fill this process's caches (templates, QWeb, registry) untimed."""
    log(f"warm-up: {n} e-mails each way, untimed...")
    for call in (dispatch_ours, dispatch_ours_without_qweb_cache):
        run_ours(registry, sink, n, call)
    run_odoo(registry, sink, rendered_bodies(registry))


def log_run(variant):
    run = variant.runs[-1]
    log(
        f"  {variant.name}: {run.received:,} e-mails received in {run.seconds:.2f} s "
        f"({run.received / run.seconds:,.0f}/s), {run.connections} SMTP connections, "
        f"{run.greetings} EHLO/HELO, {run.queries:,} queries, {run.calls} calls, "
        f"{run.sent:,} recorded sent"
    )


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def print_report(n, variants, versions, repeat):
    ours = variants[0]
    print(f"\n## {DATABASE}: {n:,} reminder e-mails to an SMTP server on 127.0.0.1\n")
    print("; ".join(f"{name} {value}" for name, value in versions.items()))
    print(f"\n### Sending {n:,} e-mails (median of {repeat} runs)\n")
    rows = []
    for variant in variants:
        runs = variant.runs
        rows.append(
            [
                variant.name,
                variant.what,
                f"{min(run.received for run in runs):,}",
                f"{min(run.sent for run in runs):,}",
                fmt_seconds(variant.median("seconds")),
                f"{variant.rate:,.0f}",
                " / ".join(f"{run.received / run.seconds:,.0f}" for run in runs),
                f"{variant.median('connections'):,.0f}",
                f"{variant.median('greetings'):,.0f}",
                f"{variant.median('queries') / n:,.1f}",
                ratio(ours.rate, variant.rate) if variant is not ours else "1.0x",
            ]
        )
    markdown_table(
        [
            "mechanism",
            "what runs",
            "received",
            "recorded sent",
            "time",
            "e-mails/s",
            "each run (e-mails/s)",
            "SMTP connections",
            "EHLO/HELO",
            "queries / e-mail",
            "ours / this (e-mails/s)",
        ],
        rows,
        align="llrrrrrrrrr",
    )
    print(
        "\nours / this = our e-mails per second divided by this line's, the "
        "median of each; each run's rate is listed in run order (each round "
        "runs the three lines one after the other)."
    )


def versions_of(registry):
    with rolled_back(registry) as env:
        env.cr.execute("SHOW server_version")
        return {
            "PostgreSQL": env.cr.fetchone()[0],
            "Odoo": odoo.release.version,
            "aiosmtpd": aiosmtpd.__version__,
            "Python": sys.version.split()[0],
        }


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds (default 3)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep the database {DATABASE} built by an earlier run",
    )
    return parser.parse_args()


def main():
    args = parse_args()
    started = time.perf_counter()
    addons_dirs = odoo_addons_dirs()
    variants = [
        Variant(OURS, "_cron_dispatch() until nothing is due"),
        Variant(
            OURS_NO_CACHE,
            "the same steps, batch context without crm_alert_qweb_cache",
        ),
        Variant(ODOO_QUEUE, "mail.mail.process_email_queue() until none outgoing"),
    ]
    with SmtpSink() as sink:
        log(f"SMTP sink (aiosmtpd) on 127.0.0.1:{sink.port}")
        registry = prepare_database(args, addons_dirs, sink.port)
        log(f"ready in {time.perf_counter() - started:.0f} s")
        warm_up(registry, sink, min(args.messages, WARM_UP))
        bodies = None
        for round_ in range(args.repeat):
            log(f"round {round_ + 1} of {args.repeat}...")
            bodies = measure_round(registry, sink, args.messages, variants, bodies)
        versions = versions_of(registry)
    print_report(args.messages, variants, versions, args.repeat)
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
