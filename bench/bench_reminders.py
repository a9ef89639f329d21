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
"""

import argparse
import importlib
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as day_time
from pathlib import Path

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.addons.base_automation.models.base_automation import DATE_RANGE_FUNCTION
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "crm_alert_bench"
BASE_MODULES = ("crm_alert_automation", "base_automation")
OCA_MODULE = "mail_activity_reminder"
OCA_INSTALL = 'pip install --no-deps "odoo-addon-mail-activity-reminder==18.*"'
TIMEZONES = ("Asia/Jakarta", "Asia/Ho_Chi_Minh", "Europe/Warsaw")
USERS = 50
CUSTOMERS = 1000
QUEUE_SIZE = 10000
WINDOW_HOURS = 24  # ours: remind 24 h before the due moment
OCA_REMINDER_DAYS = 1  # OCA: remind from the day before the deadline day
RULE_DAYS = -1  # base_automation: 1 day before date_deadline
NOT_DUE_GAP_DAYS = 3  # the other activities are at least this far away
SLOW_SECONDS = 10.0  # a measurement this slow is not repeated
BENCH_SUMMARY = "Bench task "


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Odoo: addons path, database, registry
# ---------------------------------------------------------------------------
def odoo_addons_dirs():
    """Odoo's addons directories that hold modules (the source tree's, and
    site-packages' odoo/addons where pip puts OCA modules), then this repo."""
    dirs = []
    for path in odoo.addons.__path__:
        path = Path(path).resolve()
        if any(path.glob("*/__manifest__.py")) and str(path) not in dirs:
            dirs.append(str(path))
    return [*dirs, str(ROOT)]


def oca_module_available(addons_dirs):
    return any(Path(d, OCA_MODULE, "__manifest__.py").is_file() for d in addons_dirs)


def unused_local_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_database(addons_dirs, modules):
    log(f"creating {DATABASE} with {', '.join(modules)} (no demo data)...")
    subprocess.run(["dropdb", "--if-exists", "--force", DATABASE], check=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "--database",
            DATABASE,
            "--addons-path",
            ",".join(addons_dirs),
            "--init",
            ",".join(modules),
            "--without-demo",
            "all",
            "--stop-after-init",
            "--no-http",
            "--max-cron-threads",
            "0",
            "--log-level",
            "warn",
        ],
        check=True,
    )


def open_registry(addons_dirs, smtp_port):
    odoo.tools.config.parse_config(
        [
            "--database",
            DATABASE,
            "--addons-path",
            ",".join(addons_dirs),
            "--log-level",
            "warn",
            "--max-cron-threads",
            "0",
            "--smtp",
            "127.0.0.1",
            "--smtp-port",
            str(smtp_port),
        ]
    )
    return odoo.modules.registry.Registry(DATABASE)


@contextmanager
def committed(registry):
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})


@contextmanager
def rolled_back(registry):
    cr = registry.cursor()
    try:
        yield api.Environment(cr, SUPERUSER_ID, {})
    finally:
        cr.rollback()
        cr.close()


def vacuum(analyze=False):
    """What autovacuum would have done by the time a cron runs: statistics
    (``analyze``), and no dead rows left by the previous rolled-back
    measurement (they'd slow the next one's index scans)."""
    command = "VACUUM (INDEX_CLEANUP ON%s)" % (", ANALYZE" if analyze else "")
    subprocess.run(["psql", "-X", "-q", "-d", DATABASE, "-c", command], check=True)


# ---------------------------------------------------------------------------
# Configuration: the same reminder three ways
# ---------------------------------------------------------------------------
def create_dummy_mail_server(env, port):
    return env["ir.mail_server"].create(
        {"name": "bench: nothing listens", "smtp_host": "127.0.0.1", "smtp_port": port}
    )


def point_mail_servers_at(env, port):
    """Every outgoing server of the bench database at an unused local port."""
    servers = env["ir.mail_server"].with_context(active_test=False).search([])
    servers.write({"smtp_host": "127.0.0.1", "smtp_port": port})
    return servers


def create_staff_and_customers(env):
    env["res.users"].with_context(no_reset_password=True).create(
        [
            {
                "name": f"Bench User {i}",
                "login": f"bench{i}@example.com",
                "email": f"bench{i}@example.com",
                "tz": TIMEZONES[i % len(TIMEZONES)],
                "notification_type": "email",
                "groups_id": [(4, env.ref("base.group_user").id)],
            }
            for i in range(USERS)
        ]
    )
    env["res.partner"].create(
        [{"name": f"Bench customer {i}"} for i in range(CUSTOMERS)]
    )


def configure_ours(env, server):
    env.company.write(
        {
            "crm_alert_mail_server_id": server.id,
            "crm_alert_email_from": "alerts@bench.example.com",
            "crm_alert_activity_enabled": True,
            "crm_alert_activity_interval": WINDOW_HOURS,
            "crm_alert_activity_sender": "system",
            "crm_alert_late_enabled": False,
        }
    )


def configure_oca(env):
    """OCA reminds per activity type, in whole days before the deadline day."""
    env.ref("mail.mail_activity_data_todo").reminders = str(OCA_REMINDER_DAYS)


def configure_base_automation(env, server):
    """A time-based rule on mail.activity.date_deadline, 1 day before, that
    e-mails the addon's reminder template (a copy that names a recipient and
    a sender: the addon fills those in at send time, a rule cannot)."""
    addon_template = env.ref("crm_alert_automation.mail_template_activity_reminder")
    template = addon_template.copy(
        {
            "name": "bench: activity reminder for base_automation",
            "partner_to": "{{ object.user_id.partner_id.id }}",
            "email_from": "alerts@bench.example.com",
            "mail_server_id": server.id,
        }
    )
    model_id = env["ir.model"]._get_id("mail.activity")
    deadline = env["ir.model.fields"]._get("mail.activity", "date_deadline")
    env["base.automation"].create(
        {
            "name": "bench: remind 1 day before the deadline",
            "model_id": model_id,
            "trigger": "on_time",
            "trg_date_id": deadline.id,
            "trg_date_range": RULE_DAYS,
            "trg_date_range_type": "day",
            "action_server_ids": [
                (
                    0,
                    0,
                    {
                        "name": "bench: reminder e-mail",
                        "model_id": model_id,
                        "state": "mail_post",
                        "mail_post_method": "email",
                        "template_id": template.id,
                    },
                )
            ],
        }
    )


def configure(env, with_oca, smtp_port):
    server = create_dummy_mail_server(env, smtp_port)
    create_staff_and_customers(env)
    configure_ours(env, server)
    configure_base_automation(env, server)
    if with_oca:
        configure_oca(env)  # before the activities: no ORM recompute of them


# ---------------------------------------------------------------------------
# Activities, in SQL
# ---------------------------------------------------------------------------
def planned_deadline_sql(position, tz):
    """The deadline day of the activity at ``position``: the first ``due``
    ones fall due within the next 24 h in their user's timezone (the one day
    whose due hour lies in that window), the others at least
    NOT_DUE_GAP_DAYS days before or after it."""
    return f"""
        ((now() AT TIME ZONE {tz}) + interval '{WINDOW_HOURS} hours'
            - make_interval(mins => %(due_minutes)s))::date
        + (CASE WHEN {position} <= %(due)s THEN 0
                WHEN {position} %% 2 = 0 THEN %(gap)s + {position} %% 60
                ELSE -%(gap)s - {position} %% 60 END)::integer"""


def derived_columns_sql(with_oca):
    """The stored computed columns, from the deadline day ``d`` and the
    user's timezone ``tz`` and company ``company_id`` (the customers have no
    company): ours (alerts company; due moment: deadline day at the company's
    due hour, local), Odoo's user_tz, and OCA's deadline and next reminder."""
    columns = {
        "user_tz": "tz",
        "crm_alert_company_id": "company_id",
        "crm_alert_due_at": "((d + make_interval(mins => %(due_minutes)s))"
        " AT TIME ZONE tz) AT TIME ZONE 'UTC'",
    }
    if with_oca:
        deadline = "((d + time '23:59:59.999999') AT TIME ZONE tz) AT TIME ZONE 'UTC'"
        columns["deadline"] = deadline
        columns["next_reminder"] = (
            f"CASE WHEN {deadline} < now() AT TIME ZONE 'UTC' THEN NULL"
            " ELSE ((d - %(oca_days)s)::timestamp AT TIME ZONE tz)"
            " AT TIME ZONE 'UTC' END"
        )
    return columns


def plan_params(env, total, due):
    return {
        "total": total,
        "due": due,
        "gap": NOT_DUE_GAP_DAYS,
        "due_minutes": round(env.company.crm_alert_due_hour * 60),
        "oca_days": OCA_REMINDER_DAYS,
        "users": USERS,
        "customers": CUSTOMERS,
        "summary": BENCH_SUMMARY + "%",
        "res_model_id": env["ir.model"]._get_id("res.partner"),
        "activity_type": env.ref("mail.mail_activity_data_todo").id,
        "creator": env.ref("base.user_admin").id,
    }


def insert_activities(env, total, due, with_oca):
    """One INSERT ... SELECT FROM generate_series, every stored column
    computed in SQL: no ORM, no second pass over the table."""
    log(f"inserting {total:,} activities ({due:,} due within {WINDOW_HOURS} h)...")
    derived = derived_columns_sql(with_oca)
    env.cr.execute(
        f"""
        WITH staff AS (
            SELECT row_number() OVER (ORDER BY u.id) - 1 AS slot,
                   u.id AS user_id, p.tz, u.company_id
              FROM res_users u JOIN res_partner p ON p.id = u.partner_id
             WHERE u.login LIKE 'bench%%@example.com'),
        customers AS (
            SELECT row_number() OVER (ORDER BY id) - 1 AS slot, id, name
              FROM res_partner WHERE name LIKE 'Bench customer %%'),
        planned AS (
            SELECT g, s.user_id, s.tz, s.company_id,
                   c.id AS partner_id, c.name AS partner_name,
                   {planned_deadline_sql("g", "s.tz")} AS d
              FROM generate_series(1, %(total)s) g
              JOIN staff s ON s.slot = g %% %(users)s
              JOIN customers c ON c.slot = g %% %(customers)s)
        INSERT INTO mail_activity (
            res_model_id, res_model, res_id, res_name, activity_type_id, summary,
            date_deadline, user_id, active, automated,
            create_uid, write_uid, create_date, write_date, {", ".join(derived)})
        SELECT %(res_model_id)s, 'res.partner', partner_id, partner_name,
               %(activity_type)s, 'Bench task ' || g, d, user_id, true, false,
               %(creator)s, %(creator)s, now() AT TIME ZONE 'UTC',
               now() AT TIME ZONE 'UTC', {", ".join(derived.values())}
          FROM planned ORDER BY g
        """,
        plan_params(env, total, due),
    )


def redate_activities(env, total, due, with_oca):
    """Move the deadlines to today's calendar (a reused database was built
    on another day, or with another due share); rows already right stay."""
    derived = derived_columns_sql(with_oca)
    assignments = ", ".join(f"{column} = {expr}" for column, expr in derived.items())
    env.cr.execute(
        f"""
        WITH ranked AS (
            SELECT a.id, p.tz, u.company_id,
                   row_number() OVER (ORDER BY a.id) AS position
              FROM mail_activity a
              JOIN res_users u ON u.id = a.user_id
              JOIN res_partner p ON p.id = u.partner_id
             WHERE a.summary LIKE %(summary)s),
        planned AS (
            SELECT id, tz, company_id, {planned_deadline_sql("position", "tz")} AS d
              FROM ranked)
        UPDATE mail_activity a SET date_deadline = d, {assignments}
          FROM planned
         WHERE planned.id = a.id AND a.date_deadline IS DISTINCT FROM planned.d
        """,
        plan_params(env, total, due),
    )
    return env.cr.rowcount


def count_bench_activities(env):
    env.cr.execute(
        "SELECT count(*) FROM mail_activity WHERE active AND summary LIKE %s",
        [BENCH_SUMMARY + "%"],
    )
    return env.cr.fetchone()[0]


def check_stored_columns(env, with_oca, sample=300):
    """Recompute the SQL-filled columns of a random sample with the ORM
    (ours and OCA's compute methods): the bench data is what they'd store."""
    names = ["user_tz", "crm_alert_company_id", "crm_alert_due_at"] + (
        ["deadline", "next_reminder"] if with_oca else []
    )
    query = SQL(
        "SELECT id, %s FROM mail_activity WHERE summary LIKE %s "
        "ORDER BY random() LIMIT %s",
        SQL(", ").join(SQL.identifier(name) for name in names),
        BENCH_SUMMARY + "%",
        sample,
    )
    env.cr.execute(query)
    stored = env.cr.fetchall()
    activities = env["mail.activity"].browse([row[0] for row in stored])
    for name in names:
        env.add_to_compute(activities._fields[name], activities)
    activities.flush_recordset(names)
    env.cr.execute(
        SQL(
            "SELECT id, %s FROM mail_activity WHERE id = ANY(%s)",
            SQL(", ").join(SQL.identifier(name) for name in names),
            activities.ids,
        )
    )
    recomputed = set(env.cr.fetchall())
    wrong = [row for row in stored if row not in recomputed]
    if wrong:
        raise SystemExit(f"bench data differs from the ORM's values: {wrong[:3]}")
    return len(stored)


# ---------------------------------------------------------------------------
# The scenario every measurement starts from
# ---------------------------------------------------------------------------
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


def due_by_our_scanner(env, now, limit=None, lock=False):
    query = env["mail.activity"]._crm_alert_due_query(
        env.company, "reminder", now, limit=limit, lock=lock
    )
    env.cr.execute(query)
    return [row[0] for row in env.cr.fetchall()]


def warn_if_due_moment_is_near(env, due_ids, now):
    """A due moment passing mid-run changes what each mechanism sees."""
    if not due_ids:
        return
    env.cr.execute(
        "SELECT crm_alert_due_at FROM mail_activity WHERE id = %s", [due_ids[0]]
    )
    first_due = env.cr.fetchone()[0]
    if first_due - now < timedelta(minutes=30):
        log(
            f"warning: activities fall due at {first_due} UTC, within 30 minutes: "
            "the mechanisms may disagree on what is due; rerun after that"
        )


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


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------
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


def measure(registry, scenario, label, work, expected_ids, prepare=None, repeat=3):
    """Run ``work(env, scenario, state)`` up to ``repeat`` times (once if it
    is slow), each in a fresh transaction rolled back afterwards;
    ``prepare(env, scenario)`` sets the state up, untimed. ``label`` is
    (mechanism, what runs)."""
    mechanism, what = label
    runs = []
    for _ in range(repeat):
        vacuum()
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


# -- finding the due ones ---------------------------------------------------
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


def rule_window(env, scenario):
    """base_automation runs a time-based rule on a record when
    last_run <= record date + delay < now."""
    rule = env["base.automation"].browse(scenario.rule_id)
    delay = DATE_RANGE_FUNCTION[rule.trg_date_range_type](rule.trg_date_range)
    return rule, delay, scenario.rule_last_run, datetime.now()


def find_base_automation_as_shipped(env, scenario, state):
    """What its ``_check`` does to pick the records: search the rule's
    domain (none here: every open activity), then test each record's date
    in Python."""
    rule, delay, last_run, now = rule_window(env, scenario)
    records = env[rule.model_name].search(safe_eval(rule.filter_domain or "[]"))
    date_field = rule.trg_date_id.name

    def in_window(record):
        moment = fields.Datetime.to_datetime(record[date_field])
        return moment and last_run <= moment + delay < now

    return found([record.id for record in records if in_window(record)])


def first_day_on_or_after(moment):
    day = moment.date()
    return day if moment == datetime.combine(day, day_time()) else day + timedelta(1)


def find_base_automation_by_domain(env, scenario, state):
    """The same window as a domain on the date field: what the rule would
    cost if its date test were done in SQL."""
    rule, delay, last_run, now = rule_window(env, scenario)
    date_field = rule.trg_date_id.name
    records = env[rule.model_name].search(
        [
            (date_field, ">=", first_day_on_or_after(last_run - delay)),
            (date_field, "<", first_day_on_or_after(now - delay)),
        ]
    )
    return found(records.ids)


def find_oca(env, scenario, state):
    return found(env["mail.activity"]._get_activities_to_remind().ids)


# -- queueing 10,000 reminders ----------------------------------------------
def last_id(env, table):
    env.cr.execute(SQL("SELECT COALESCE(max(id), 0) FROM %s", SQL.identifier(table)))
    return env.cr.fetchone()[0]


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


def dispatcher_module():
    """The addon's dispatcher module (importable once the registry is up)."""
    return importlib.import_module(
        "odoo.addons.crm_alert_automation.models.crm_alert_message"
    )


def render_ours(env, scenario, messages):
    """What our dispatcher does with a batch of queued reminders before
    handing each to SMTP (render sender, subject and body; create their
    mail.mail), minus the sending."""
    size = dispatcher_module().DISPATCH_BATCH_SIZE
    for start in range(0, len(messages), size):
        batch = messages[start : start + size]
        batch._for_dispatch()._prepare_emails()
    outcome = found(messages.activity_ids.ids)
    outcome.created = f"{len(messages):,} mail.mail"
    return outcome


def mails_created(env, after_mail_id):
    """(count, activities they are about) of the mail.mail created since."""
    env.cr.execute(
        "SELECT count(*), array_agg(msg.res_id) FILTER ("
        "    WHERE msg.model = 'mail.activity') "
        "FROM mail_mail m JOIN mail_message msg ON msg.id = m.mail_message_id "
        "WHERE m.id > %s",
        [after_mail_id],
    )
    count, res_ids = env.cr.fetchone()
    return count, res_ids or []


def keep_queue_due_for_base_automation(env, scenario):
    """Only the activities ours queues stay in the rule's window: the other
    due ones get a deadline a month earlier (rolled back after)."""
    if scenario.other_due_ids:
        env.cr.execute(
            "UPDATE mail_activity SET date_deadline = date_deadline - 30 "
            "WHERE id = ANY(%s)",
            [scenario.other_due_ids],
        )
        env["mail.activity"].invalidate_model(["date_deadline"])
    env["base.automation"].browse(scenario.rule_id).last_run = scenario.rule_last_run
    return last_id(env, "mail_mail")


def queue_base_automation(env, scenario, mail_before):
    env["base.automation"]._check()
    env.flush_all()
    count, activity_ids = mails_created(env, mail_before)
    outcome = found(activity_ids)
    outcome.created = f"{count:,} mail.mail"
    return outcome


def keep_queue_due_for_oca(env, scenario):
    """Only the activities ours queues have a next reminder (rolled back
    after)."""
    if scenario.other_due_ids:
        env.cr.execute(
            "UPDATE mail_activity SET next_reminder = NULL WHERE id = ANY(%s)",
            [scenario.other_due_ids],
        )
        env["mail.activity"].invalidate_model(["next_reminder"])
    return last_id(env, "mail_mail")


def queue_oca(env, scenario, mail_before):
    activities = (
        env["mail.activity"]
        .with_context(mail_notify_force_send=False)  # queue, never send
        ._process_reminders()
    )
    env.flush_all()
    count, _ = mails_created(env, mail_before)
    outcome = found(activities.ids)
    outcome.created = f"{count:,} mail.mail (one digest per user)"
    return outcome


# -- plans --------------------------------------------------------------------
def explain(registry, limit=None, lock=False, count=False):
    vacuum()
    with rolled_back(registry) as env:
        query = env["mail.activity"]._crm_alert_due_query(
            env.company, "reminder", fields.Datetime.now(), limit=limit, lock=lock
        )
        if count:
            query = SQL("SELECT count(*) FROM (%s) due", query)
        env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query))
        return [row[0] for row in env.cr.fetchall()]


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def fmt_seconds(seconds):
    return f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def ratio(value, reference):
    return f"{value / reference:,.1f}x" if reference else "n/a"


def more_or_fewer(value, reference, noun):
    """'3.1x more queries' / '2.0x fewer queries'."""
    if value >= reference:
        return f"{value / reference:,.1f}x more {noun}"
    return f"{reference / value:,.1f}x fewer {noun}"


def print_header(scenario, versions, due_share):
    print(
        f"\n## {DATABASE}: {scenario.total:,} open activities, "
        f"{len(scenario.due_ids):,} due within {WINDOW_HOURS} h "
        f"(--due-share {due_share:g})\n"
    )
    print(
        f"{USERS} users in {', '.join(TIMEZONES)}; run at {scenario.now} UTC; "
        + "; ".join(f"{name} {value}" for name, value in versions.items())
    )


def print_find_table(finds, repeat):
    reference = finds[0]
    print(f"\n### Finding the due activities (median of up to {repeat} runs)\n")
    print(
        "| mechanism | what runs | found | same as ours | time | queries | "
        "time / ours |"
    )
    print("| --- | --- | ---: | --- | ---: | ---: | ---: |")
    for row in finds:
        print(
            f"| {row.mechanism} | {row.what} | {row.outcome.count:,} | "
            f"{row.same_activities} | {fmt_seconds(row.seconds)} | {row.queries:,} | "
            f"{ratio(row.seconds, reference.seconds)} |"
        )


def print_queue_table(scan, render, peers):
    size = scan.expected_count
    print(f"\n### Queueing {size:,} reminders for the same {size:,} activities\n")
    print(
        "| mechanism | what runs | reminded | same as ours | created | time | "
        "queries | reminders/s | time / ours | queries / ours |"
    )
    print("| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in [scan, render, *peers]:
        count = row.outcome.count
        ratios = (
            ("(later)", "(later)")
            if row is render
            else (ratio(row.seconds, scan.seconds), ratio(row.queries, scan.queries))
        )
        print(
            f"| {row.mechanism} | {row.what} | {count:,} | {row.same_activities} | "
            f"{row.outcome.created} | {fmt_seconds(row.seconds)} | {row.queries:,} | "
            f"{count / row.seconds:,.0f} | {ratios[0]} | {ratios[1]} |"
        )


def print_ratios(scan, render, peers):
    print("\n### Ours against each peer (throughput = reminders queued per second)\n")
    print("| peer | against our scan | against our scan + send-time rendering |")
    print("| --- | --- | --- |")
    both = (scan.seconds + render.seconds, scan.queries + render.queries)
    for peer in peers:
        print(
            f"| {peer.mechanism} | {ratio_cell(peer, scan.seconds, scan.queries)} | "
            f"{ratio_cell(peer, *both)} |"
        )


def ratio_cell(peer, our_seconds, our_queries):
    ours_rate = peer.expected_count / our_seconds
    peer_rate = peer.outcome.count / peer.seconds
    faster = (
        f"ours {ratio(ours_rate, peer_rate)} faster"
        if ours_rate >= peer_rate
        else f"{peer.mechanism} {ratio(peer_rate, ours_rate)} faster"
    )
    queries = more_or_fewer(peer.queries, our_queries, "queries")
    return f"{faster}; {peer.mechanism} runs {queries}"


def print_plans(plans):
    for title, lines in plans.items():
        print(f"\n### Plan: {title}\n")
        print("```")
        print("\n".join(lines))
        print("```")


def versions_of(registry, with_oca):
    with rolled_back(registry) as env:
        env.cr.execute("SHOW server_version")
        versions = {"PostgreSQL": env.cr.fetchone()[0], "Odoo": odoo.release.version}
        if with_oca:
            oca = env["ir.module.module"].search([("name", "=", OCA_MODULE)])
            versions[f"OCA {OCA_MODULE}"] = oca.latest_version
        return versions


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
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
    return parser.parse_args()


def oca_installed(registry):
    with rolled_back(registry) as env:
        return bool(
            env["ir.module.module"].search_count(
                [("name", "=", OCA_MODULE), ("state", "=", "installed")]
            )
        )


def prepare_database(args, addons_dirs, smtp_port):
    """Build (or reuse) the database and its activities; the registry and
    whether OCA's module is there."""
    due = round(args.activities * args.due_share)
    if not args.reuse:
        with_oca = oca_module_available(addons_dirs)
        modules = [*BASE_MODULES, *([OCA_MODULE] if with_oca else [])]
        build_database(addons_dirs, modules)
    registry = open_registry(addons_dirs, smtp_port)
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
    vacuum(analyze=True)
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


def run_queues(registry, scenario, repeat):
    """(our scan, our send-time rendering, [peers])"""
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
    render = measure(
        registry,
        scenario,
        ("ours, at send time", "dispatcher renders each queued reminder, no SMTP"),
        render_ours,
        batch,
        prepare=queue_ours_first,
        repeat=repeat,
    )
    peers = [
        measure(
            registry,
            scenario,
            ("base_automation", "base.automation._check() (its cron)"),
            queue_base_automation,
            batch,
            prepare=keep_queue_due_for_base_automation,
            repeat=repeat,
        )
    ]
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
    scan, render, peers = run_queues(registry, scenario, args.repeat)
    plans = {
        "our count of the due ones": explain(registry, count=True),
        f"our cron's batch (LIMIT {QUEUE_SIZE:,}, FOR UPDATE SKIP LOCKED)": explain(
            registry, limit=QUEUE_SIZE, lock=True
        ),
    }
    print_header(scenario, versions_of(registry, with_oca), args.due_share)
    if not with_oca:
        print(f"\nOCA {OCA_MODULE} is not installed ({OCA_INSTALL}): no OCA rows.")
    print_find_table(finds, args.repeat)
    print_queue_table(scan, render, peers)
    print_ratios(scan, render, peers)
    print_plans(plans)
    log(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
