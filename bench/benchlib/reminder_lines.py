# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bench data of per-activity reminder lines, in SQL.

Every meeting exists twice, once for each mechanism: an open activity of
type Meeting on a customer (``mail.activity``) with two customer reminder
lines (``crm.activity.reminder``: an SMS 1 day and an e-mail 2 days before
it starts), linked to the same meeting as an Odoo ``calendar.event`` whose
one attendee is that customer and which carries an SMS alarm (1 day) and an
e-mail alarm (2 days). The activity's start is the event's start.
"""

from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

from .data import CUSTOMERS, USERS, create_staff
from .odoo_env import log

MEETING = "Bench meeting "  # event names and activity summaries: MEETING || g

LINES_PER_ACTIVITY = 2  # a customer SMS and a customer e-mail

# (channel, offset in days): the reminder lines, and the calendar alarms
SMS_DAYS = 1
EMAIL_DAYS = 2

# The due meetings start this many hours from now: both their reminders'
# moments (1 and 2 days before) have passed, and the run has two hours
# before the first of them starts.
DUE_START_HOURS = (2, 22)

# The other meetings start at least this many days before or after now.
GAP_DAYS = 3

BUILT_AT_PARAM = "bench.reminder_lines.built_at"


def create_people(env):
    """50 users in three timezones; 1,000 customers with a mobile number
    (Poland) and an e-mail address."""
    create_staff(env)
    poland = env.ref("base.pl")
    env["res.partner"].create(
        [
            {
                "name": f"Bench customer {i}",
                "email": f"customer{i}@bench.example.com",
                "mobile": f"+48 51{i:07d}",
                "country_id": poland.id,
                "tz": "Europe/Warsaw",
                "lang": "en_US",
            }
            for i in range(CUSTOMERS)
        ]
    )


def configure_ours(env, server):
    """The alerts account (e-mail reminders need it); nothing else."""
    env.company.write(
        {
            "crm_alert_mail_server_id": server.id,
            "crm_alert_email_from": "alerts@bench.example.com",
        }
    )


def create_alarms(env):
    """Odoo's side: one SMS and one e-mail alarm, with their default
    templates (calendar_sms's and calendar's reminder templates)."""
    Alarm = env["calendar.alarm"]
    return Alarm.create(
        [
            {
                "name": f"bench: SMS {SMS_DAYS} day before",
                "alarm_type": "sms",
                "duration": SMS_DAYS,
                "interval": "days",
            },
            {
                "name": f"bench: e-mail {EMAIL_DAYS} days before",
                "alarm_type": "email",
                "duration": EMAIL_DAYS,
                "interval": "days",
            },
        ]
    )


def plan_params(env, activities, due_activities):
    return {
        "activities": activities,
        "due": due_activities,
        "gap": GAP_DAYS,
        "first": DUE_START_HOURS[0] * 3600,
        "span": (DUE_START_HOURS[1] - DUE_START_HOURS[0]) * 3600,
        "users": USERS,
        "customers": CUSTOMERS,
        "meeting": MEETING,
        "meeting_like": MEETING + "%",
        "partner_model_id": env["ir.model"]._get_id("res.partner"),
        "meeting_type": env.ref("mail.mail_activity_data_meeting").id,
        "creator": env.ref("base.user_admin").id,
        "created": fields.Datetime.now(),
    }


# The start of meeting g: the first ``due`` ones spread over
# DUE_START_HOURS from now, the others GAP_DAYS to GAP_DAYS + 59 days (and
# up to a day) after (even g) or before (odd g).
START_SQL = """
    date_trunc('second', (now() AT TIME ZONE 'UTC') + CASE
        WHEN g <= %(due)s THEN
            make_interval(secs => %(first)s + %(span)s * (g - 1)::float8 / %(due)s)
        WHEN g %% 2 = 0 THEN
            make_interval(days => %(gap)s + g %% 60, mins => g %% 1440)
        ELSE
            -make_interval(days => %(gap)s + g %% 60, mins => g %% 1440)
        END)"""


def insert_meetings(env, activities, due_activities):
    """The calendar events (one attendee, both alarms), then the activities
    linked to them, then two reminder lines an activity: each one INSERT …
    SELECT, every stored column filled in the same statement."""
    env.flush_all()  # the people and alarms the ORM created, computed columns too
    params = plan_params(env, activities, due_activities)
    alarms = env["calendar.alarm"].search([("name", "like", "bench:")])
    params["alarm_ids"] = alarms.ids
    log(
        f"inserting {activities:,} calendar events with their attendee and "
        f"{len(alarms)} alarms ({due_activities:,} due)..."
    )
    env.cr.execute(
        f"""
        WITH staff AS (
            SELECT row_number() OVER (ORDER BY u.id) - 1 AS slot, u.id AS user_id
              FROM res_users u WHERE u.login LIKE 'bench%%@example.com')
        INSERT INTO calendar_event (
            name, user_id, privacy, show_as, active, start, stop, allday,
            duration, res_model_id, res_model, res_id, recurrency,
            follow_recurrence, access_token,
            create_uid, write_uid, create_date, write_date)
        SELECT %(meeting)s || g, s.user_id, 'public', 'busy', true, st,
               st + interval '1 hour', false, 1.0, %(partner_model_id)s, 'res.partner',
               c.id, false, false, md5(random()::text || g),
               %(creator)s, %(creator)s, %(created)s, %(created)s
          FROM (SELECT g, {START_SQL} AS st
                  FROM generate_series(1, %(activities)s) g) planned
          JOIN staff s ON s.slot = g %% %(users)s
          JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS slot, id
                  FROM res_partner WHERE name LIKE 'Bench customer %%') c
            ON c.slot = g %% %(customers)s
         ORDER BY g
        """,
        params,
    )
    env.cr.execute(
        """
        CREATE TEMP TABLE bench_event ON COMMIT DROP AS
        SELECT id, substr(name, length(%(meeting)s) + 1)::int AS g, user_id, res_id,
               start
          FROM calendar_event WHERE name LIKE %(meeting_like)s;
        INSERT INTO calendar_event_res_partner_rel (calendar_event_id, res_partner_id)
        SELECT id, res_id FROM bench_event;
        INSERT INTO calendar_attendee (
            event_id, partner_id, common_name, access_token, state,
            create_uid, write_uid, create_date, write_date)
        SELECT e.id, p.id, p.name, md5(random()::text || e.id), 'needsAction',
               %(creator)s, %(creator)s, %(created)s, %(created)s
          FROM bench_event e JOIN res_partner p ON p.id = e.res_id;
        INSERT INTO calendar_alarm_calendar_event_rel
               (calendar_event_id, calendar_alarm_id)
        SELECT e.id, a FROM bench_event e, unnest(%(alarm_ids)s) a;
        """,
        params,
    )
    log(f"inserting {activities:,} meeting activities...")
    env.cr.execute(
        """
        INSERT INTO mail_activity (
            res_model_id, res_model, res_id, res_name, activity_type_id, summary,
            date_deadline, user_id, active, automated, calendar_event_id,
            user_tz, crm_alert_company_id, crm_alert_due_at,
            crm_alert_customer_reminder, crm_alert_operator_reminder,
            create_uid, write_uid, create_date, write_date)
        SELECT %(partner_model_id)s, 'res.partner', e.res_id, p.name,
               %(meeting_type)s, %(meeting)s || e.g,
               ((e.start AT TIME ZONE 'UTC') AT TIME ZONE up.tz)::date,
               e.user_id, true, false, e.id,
               up.tz, u.company_id, e.start, true, false,
               %(creator)s, %(creator)s, %(created)s, %(created)s
          FROM bench_event e
          JOIN res_partner p ON p.id = e.res_id
          JOIN res_users u ON u.id = e.user_id
          JOIN res_partner up ON up.id = u.partner_id
         ORDER BY e.g
        """,
        params,
    )
    insert_lines(env, params)


def insert_lines(env, params):
    """Two customer lines an activity, with the shipped templates; lines of
    meetings that already started were queued then (``queued_for`` is
    their start): only the due and the future ones are pending."""
    log(f"inserting {params['activities'] * LINES_PER_ACTIVITY:,} reminder lines...")
    params = dict(
        params,
        sms_template=env.ref("crm_alert_automation.sms_template_reminder_customer").id,
        mail_template=env.ref(
            "crm_alert_automation.email_template_reminder_customer"
        ).id,
        sms_days=SMS_DAYS,
        email_days=EMAIL_DAYS,
    )
    env.cr.execute(
        """
        INSERT INTO crm_activity_reminder (
            activity_id, company_id, start_at, fire_at, enabled, queued_for,
            audience, channel, mail_template_id, sms_template_id,
            offset_value, offset_unit, offset_minutes, partner_id, phone, email,
            create_uid, write_uid, create_date, write_date)
        SELECT a.id, a.crm_alert_company_id, a.crm_alert_due_at,
               a.crm_alert_due_at - make_interval(days => l.days), true,
               CASE WHEN a.crm_alert_due_at < now() AT TIME ZONE 'UTC'
                    THEN a.crm_alert_due_at END,
               'customer', l.channel,
               CASE WHEN l.channel = 'email' THEN %(mail_template)s END,
               CASE WHEN l.channel = 'sms' THEN %(sms_template)s END,
               l.days, 'days', l.days * 1440, p.id,
               CASE WHEN l.channel = 'sms' THEN p.phone_sanitized END,
               CASE WHEN l.channel = 'email' THEN p.email END,
               %(creator)s, %(creator)s, %(created)s, %(created)s
          FROM mail_activity a
          JOIN res_partner p ON p.id = a.res_id
          CROSS JOIN (VALUES ('email', %(email_days)s), ('sms', %(sms_days)s))
                  AS l(channel, days)
         WHERE a.summary LIKE %(meeting_like)s
         ORDER BY a.id, l.channel
        """,
        params,
    )
    env["ir.config_parameter"].set_param(BUILT_AT_PARAM, now_text(env))


def now_text(env):
    env.cr.execute("SELECT (now() AT TIME ZONE 'UTC')::text")
    return env.cr.fetchone()[0]


def shift_to_now(env):
    """A reused database: move every meeting, its activity and its lines by
    the time since it was built (or last shifted), as if built now."""
    built_at = env["ir.config_parameter"].get_param(BUILT_AT_PARAM)
    env.cr.execute("SELECT (now() AT TIME ZONE 'UTC') - %s::timestamp", [built_at])
    shift = env.cr.fetchone()[0]
    params = {"shift": shift, "meeting_like": MEETING + "%"}
    env.cr.execute(
        """
        UPDATE calendar_event SET start = start + %(shift)s, stop = stop + %(shift)s
         WHERE name LIKE %(meeting_like)s;
        UPDATE mail_activity a
           SET crm_alert_due_at = crm_alert_due_at + %(shift)s,
               date_deadline = ((crm_alert_due_at + %(shift)s) AT TIME ZONE 'UTC'
                                AT TIME ZONE user_tz)::date
         WHERE summary LIKE %(meeting_like)s;
        UPDATE crm_activity_reminder
           SET start_at = start_at + %(shift)s, fire_at = fire_at + %(shift)s,
               queued_for = CASE WHEN start_at + %(shift)s < now() AT TIME ZONE 'UTC'
                                 THEN start_at + %(shift)s END;
        """,
        params,
    )
    env["ir.config_parameter"].set_param(BUILT_AT_PARAM, now_text(env))
    return shift


def count_lines(env):
    env.cr.execute("SELECT count(*) FROM crm_activity_reminder")
    return env.cr.fetchone()[0]


def check_stored_columns(env, sample=300):
    """Recompute, with the ORM, the SQL-filled stored columns of a random
    sample of lines, their activities and their events: the bench data is
    what the ORM would have stored."""
    env.cr.execute(
        "SELECT id FROM crm_activity_reminder ORDER BY random() LIMIT %s", [sample]
    )
    lines = env["crm.activity.reminder"].browse([row[0] for row in env.cr.fetchall()])
    checked = {
        "crm.activity.reminder": (
            lines,
            ["company_id", "start_at", "fire_at", "enabled", "offset_minutes"],
        ),
        "mail.activity": (
            lines.activity_id,
            ["user_tz", "crm_alert_company_id", "crm_alert_due_at"],
        ),
        "calendar.event": (
            lines.activity_id.calendar_event_id,
            ["stop", "duration", "start_date", "stop_date", "res_model"],
        ),
        "calendar.attendee": (
            lines.activity_id.calendar_event_id.attendee_ids,
            ["common_name"],
        ),
    }
    for model, (records, names) in checked.items():
        check_records(env, model, records, names)
    return len(lines)


def check_records(env, model, records, names):
    table = SQL.identifier(env[model]._table)
    columns = SQL(", ").join(SQL.identifier(name) for name in names)
    query = SQL("SELECT id, %s FROM %s WHERE id = ANY(%s)", columns, table, records.ids)
    env.cr.execute(query)
    stored = set(env.cr.fetchall())
    for name in names:
        env.add_to_compute(records._fields[name], records)
    records.flush_recordset(names)
    env.cr.execute(query)
    recomputed = set(env.cr.fetchall())
    if stored != recomputed:
        wrong = sorted(stored - recomputed)[:3]
        raise SystemExit(f"bench {model} data differs from the ORM's: {wrong}")


def due_line_ids(env, now):
    """The due lines as our scanner orders them (fire moment)."""
    env.cr.execute(
        SQL(
            "SELECT r.id FROM crm_activity_reminder r WHERE %s "
            "ORDER BY r.fire_at, r.id",
            env["crm.activity.reminder"]._due_condition(now),
        )
    )
    return [row[0] for row in env.cr.fetchall()]


def reminders_of_lines(env, line_ids):
    """(calendar event, channel) of each line: what the reminder is, in
    terms both mechanisms share."""
    env.cr.execute(
        "SELECT a.calendar_event_id, r.channel FROM crm_activity_reminder r "
        "JOIN mail_activity a ON a.id = r.activity_id WHERE r.id = ANY(%s)",
        [list(line_ids)],
    )
    return env.cr.fetchall()


def warn_if_start_is_near(env, line_ids, now):
    if not line_ids:
        return
    env.cr.execute(
        "SELECT min(start_at) FROM crm_activity_reminder WHERE id = ANY(%s)",
        [list(line_ids)],
    )
    first = env.cr.fetchone()[0]
    if first - now < timedelta(minutes=30):
        log(
            f"warning: a due meeting starts at {first} UTC, within 30 minutes: "
            "rerun with --reuse (it moves the meetings to now)"
        )
