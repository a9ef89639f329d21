# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bench data: staff, customers, our settings, and activities in SQL."""

from datetime import timedelta

from odoo.tools import SQL

from .odoo_env import log

TIMEZONES = ("Asia/Jakarta", "Asia/Ho_Chi_Minh", "Europe/Warsaw")

USERS = 50

CUSTOMERS = 1000

WINDOW_HOURS = 24  # ours: remind 24 h before the due moment

OCA_REMINDER_DAYS = 1  # OCA: remind from the day before the deadline day

NOT_DUE_GAP_DAYS = 3  # the other activities are at least this far away

BENCH_SUMMARY = "Bench task "


def create_dummy_mail_server(env, port):
    return env["ir.mail_server"].create(
        {"name": "bench: nothing listens", "smtp_host": "127.0.0.1", "smtp_port": port}
    )


def point_mail_servers_at(env, port):
    """Every outgoing server of the bench database at an unused local port."""
    servers = env["ir.mail_server"].with_context(active_test=False).search([])
    servers.write({"smtp_host": "127.0.0.1", "smtp_port": port})
    return servers


def create_staff(env):
    """``USERS`` internal users in the bench timezones, notified by e-mail."""
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


def create_staff_and_customers(env):
    create_staff(env)
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
