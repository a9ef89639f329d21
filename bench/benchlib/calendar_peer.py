# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's own calendar alarm manager (``calendar`` + ``calendar_sms``) as
the peer of our reminder lines: what is timed of it, and IAP kept off the
network."""

import importlib

from .measuring import Outcome
from .odoo_env import last_id

EMAIL, SMS = "email", "sms"


class IapStub:
    """Odoo's SMS go out through IAP (an HTTPS call to Odoo's servers) the
    moment calendar_sms creates them (``put_in_queue=False``). The bench
    replaces ``SmsApi._send_sms_batch`` — the one call that would leave the
    machine — with an answer of IAP's own form accepting every number:
    everything Odoo does before and after that call runs as shipped."""

    def __init__(self):
        self.calls = 0
        self.numbers = 0
        self.original = None

    def install(self):
        sms_api = importlib.import_module("odoo.addons.sms.tools.sms_api").SmsApi
        self.original = sms_api._send_sms_batch
        stub = self

        def _send_sms_batch(api, messages, delivery_reports_url=False):
            stub.calls += 1
            numbers = [number for message in messages for number in message["numbers"]]
            stub.numbers += len(numbers)
            return [{"uuid": number["uuid"], "state": "success"} for number in numbers]

        sms_api._send_sms_batch = _send_sms_batch
        return self


def manager(env, lastcall):
    """The alarm manager as its cron calls it: ``lastcall`` is the cron's
    previous run (ir.cron passes it in the context)."""
    return env["calendar.alarm_manager"].with_context(lastcall=lastcall)


def events_to_notify(env, lastcall, alarm_type):
    """(event, channel) of what ``_get_events_by_alarm_to_notify`` finds."""
    by_alarm = manager(env, lastcall)._get_events_by_alarm_to_notify(alarm_type)
    return [(event_id, alarm_type) for ids in by_alarm.values() for event_id in ids]


def find_odoo(env, scenario, state):
    """What the cron's ``_send_reminder`` finds first: the e-mail alarms
    (calendar), then the SMS alarms (calendar_sms)."""
    found = events_to_notify(env, scenario.lastcall, EMAIL) + events_to_notify(
        env, scenario.lastcall, SMS
    )
    return Outcome(len(found), set(found))


def find_odoo_one(alarm_type):
    def find(env, scenario, state):
        found = events_to_notify(env, scenario.lastcall, alarm_type)
        return Outcome(len(found), set(found))

    return find


def last_ids(env):
    return {
        table: last_id(env, table)
        for table in (
            "mail_mail",
            "mail_message",
            "sms_sms",
            "mail_notification",
            "ir_attachment",
        )
    }


def created_since(env, before):
    """Rows created since ``before`` (ids of rolled-back runs are skipped,
    not reused: a count, not a difference of ids)."""
    created = {}
    for table, first in before.items():
        env.cr.execute(f"SELECT count(*) FROM {table} WHERE id > %s", [first])
        created[table] = env.cr.fetchone()[0]
    return created


def reminded_events(env, table, before, channel):
    env.cr.execute(
        f"SELECT m.res_id FROM {table} x JOIN mail_message m "
        "ON m.id = x.mail_message_id "
        "WHERE x.id > %s AND m.model = 'calendar.event'",
        [before],
    )
    return [(row[0], channel) for row in env.cr.fetchall()]


def send_odoo_email(env, scenario, state):
    """calendar's ``_send_reminder`` (the e-mail alarms): for each attendee,
    the reminder template rendered (body and subject), an .ics attachment
    per event and a ``message_notify`` that creates the mail.message and its
    mail.mail (not sent: more than 100 attendees are left to the mail
    queue)."""
    before = last_ids(env)
    base = importlib.import_module("odoo.addons.calendar.models.calendar_alarm_manager")
    base.AlarmManager._send_reminder(manager(env, scenario.lastcall))
    env.flush_all()
    reminded = reminded_events(env, "mail_mail", before["mail_mail"], EMAIL)
    outcome = Outcome(len(reminded), set(reminded))
    outcome.created = describe(created_since(env, before))
    return outcome


def send_odoo_sms(env, scenario, state):
    """The cron's ``_send_reminder`` (calendar_sms's override) with
    ``no_mail_to_attendees``, Odoo's own switch that stops the attendee
    e-mails: the e-mail alarms are still looked up, then for each event with
    a due SMS alarm ``_do_sms_reminder`` renders the SMS template and posts
    it (mail.message, sms.sms, mail.notification, sms.tracker), and sends it
    at once through IAP (stubbed)."""
    before = last_ids(env)
    manager(env, scenario.lastcall).with_context(
        no_mail_to_attendees=True
    )._send_reminder()
    env.flush_all()
    reminded = reminded_events(env, "sms_sms", before["sms_sms"], SMS)
    outcome = Outcome(len(reminded), set(reminded))
    outcome.created = describe(created_since(env, before))
    return outcome


def describe(created):
    names = {
        "mail_mail": "mail.mail",
        "sms_sms": "sms.sms",
        "mail_message": "mail.message",
        "mail_notification": "mail.notification",
        "ir_attachment": "ir.attachment",
    }
    return ", ".join(
        f"{count:,} {names[table]}" for table, count in created.items() if count
    )
