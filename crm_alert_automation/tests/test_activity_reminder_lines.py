# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Seed 004: each activity's own reminders, to the customer and to the
operators, by SMS (a Twilio-speaking local server) or e-mail (a real SMTP
server on loopback)."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import SmtpSink, company_salesman, real_smtp
from .test_gateways import GatewayCase

# The meeting starts on 3 December 2026 at 10:00 in Jakarta (UTC+7).
START = datetime(2026, 12, 3, 3, 0)
STOP = START + timedelta(hours=1)


class ReminderCase(GatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink().start()
        cls.addClassCleanup(cls.sink.stop)
        cls.server = cls.env["ir.mail_server"].create(
            {
                "name": "reminders",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.sink.port,
                "smtp_encryption": "none",
                "from_filter": "alerts@tokojaya.example.com",
            }
        )
        cls.company.write(
            {
                "crm_alert_mail_server_id": cls.server.id,
                "crm_alert_email_from": "alerts@tokojaya.example.com",
            }
        )
        cls.salesman = cls._user("sari", "Asia/Jakarta", mobile="0812 1111 2222")
        cls.colleague = cls._user("adi", "Asia/Jakarta", mobile="0812 3333 4444")
        cls.customer.write(
            {
                "email": "budi@pelanggan.example.com",
                "phone": "021 555 0101",
                "tz": "Asia/Jakarta",
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Kopi order",
                "partner_id": cls.customer.id,
                "company_id": cls.company.id,
                "user_id": cls.salesman.id,
            }
        )
        cls.meeting_type = cls.env.ref("mail.mail_activity_data_meeting")
        cls.customer_sms = cls.env.ref(
            "crm_alert_automation.sms_template_reminder_customer"
        )
        cls.customer_email = cls.env.ref(
            "crm_alert_automation.email_template_reminder_customer"
        )
        cls.operator_sms = cls.env.ref(
            "crm_alert_automation.sms_template_reminder_operator"
        )

    @classmethod
    def _user(cls, login, tz, **values):
        return company_salesman(
            cls.env, cls.company, login, tz, "tokojaya.example.com", **values
        )

    def setUp(self):
        super().setUp()
        self.sink.clear()
        smtp = real_smtp()
        smtp.__enter__()
        self.addCleanup(smtp.__exit__, None, None, None)
        self.gateway("twilio")

    def set_defaults(self, customer=(), operator=()):
        """Company defaults: ``customer``/``operator`` are (channel, value,
        unit) triples; an empty audience stays off."""
        self.company.write(
            {
                "crm_alert_customer_reminder_default": bool(customer),
                "crm_alert_operator_reminder_default": bool(operator),
                "crm_alert_reminder_default_ids": [Command.clear()]
                + [
                    Command.create(self.rule(audience, *rule))
                    for audience, rules in (
                        ("customer", customer),
                        ("operator", operator),
                    )
                    for rule in rules
                ],
            }
        )

    def rule(self, audience, channel, value, unit):
        template = {
            ("customer", "sms"): self.customer_sms,
            ("customer", "email"): self.customer_email,
            ("operator", "sms"): self.operator_sms,
        }[audience, channel]
        field = "sms_template_id" if channel == "sms" else "mail_template_id"
        return {
            "audience": audience,
            "channel": channel,
            field: template.id,
            "offset_value": value,
            "offset_unit": unit,
        }

    def meeting(self, **values):
        event = self.env["calendar.event"].create(
            {
                "name": "Tasting session",
                "start": START,
                "stop": STOP,
                "user_id": self.salesman.id,
                "partner_ids": [
                    Command.set(
                        (
                            self.customer
                            | self.salesman.partner_id
                            | self.colleague.partner_id
                        ).ids
                    )
                ],
            }
        )
        return self.activity(calendar_event_id=event.id, **values)

    def activity(self, **values):
        return self.env["mail.activity"].create(
            {
                "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "res_id": self.lead.id,
                "activity_type_id": self.meeting_type.id,
                "summary": "Tasting session",
                "date_deadline": date(2026, 12, 3),
                "user_id": self.salesman.id,
                **values,
            }
        )

    def run_reminders(self, at):
        with freeze_time(at):
            self.env["crm.activity.reminder"]._cron_send_due()
            self.env["crm.alert.message"]._cron_dispatch()

    def reminder_messages(self):
        return self.env["crm.alert.message"].search(
            [("source_model", "=", "crm.activity.reminder")], order="id"
        )


@tagged("post_install", "-at_install", "crm_alert")
class TestReminderDefaults(ReminderCase):
    def test_defaults_copied_onto_a_new_activity(self):
        self.set_defaults(
            customer=[("sms", 1, "days"), ("sms", 1, "hours")],
            operator=[("sms", 30, "minutes")],
        )
        activity = self.meeting()
        self.assertTrue(activity.crm_alert_customer_reminder)
        self.assertTrue(activity.crm_alert_operator_reminder)
        customer_lines = activity.crm_alert_customer_line_ids
        self.assertEqual(
            customer_lines.mapped("offset_minutes"), [24 * 60, 60], "sorted by offset"
        )
        self.assertEqual(set(customer_lines.mapped("phone")), {"+6282112345678"})
        self.assertEqual(customer_lines.partner_id, self.customer)
        self.assertEqual(
            customer_lines.mapped("fire_at"),
            [START - timedelta(days=1), START - timedelta(hours=1)],
        )
        # The responsible user and the other participant, each on their mobile.
        operator_lines = activity.crm_alert_operator_line_ids
        self.assertEqual(operator_lines.user_id, self.salesman | self.colleague)
        self.assertEqual(
            sorted(operator_lines.mapped("phone")), ["+6281211112222", "+6281233334444"]
        )

    def test_defaults_not_copied_when_off(self):
        self.set_defaults(operator=[("sms", 30, "minutes")])
        activity = self.meeting()
        self.assertFalse(activity.crm_alert_customer_reminder)
        self.assertFalse(activity.crm_alert_customer_line_ids)
        self.assertTrue(activity.crm_alert_operator_reminder)
        # Switched on by hand: the defaults come with the switch in the form.
        self.company.crm_alert_customer_reminder_default = False
        form = Form(activity, view="mail.mail_activity_view_form_popup")
        form.crm_alert_customer_reminder = True
        self.assertEqual(len(form.crm_alert_customer_line_ids), 0)

    def test_schedule_activity_dialog_starts_with_the_defaults(self):
        self.set_defaults(customer=[("sms", 2, "hours")])
        dialog = Form(
            self.env["mail.activity.schedule"].with_context(
                active_model="crm.lead", active_ids=self.lead.ids
            )
        )
        self.assertTrue(dialog.crm_alert_customer_reminder)
        self.assertFalse(dialog.crm_alert_operator_reminder)
        self.assertEqual(len(dialog.crm_alert_customer_line_ids), 1)
        with dialog.crm_alert_customer_line_ids.edit(0) as line:
            self.assertEqual(line.phone, "+6282112345678")
            # The office number, picked from the contact's numbers.
            line.phone = "+62215550101"
        dialog.activity_type_id = self.env.ref("mail.mail_activity_data_call")
        dialog.date_deadline = date(2026, 12, 3)
        dialog.save().action_schedule_activities()
        activity = self.lead.activity_ids
        self.assertEqual(activity.crm_alert_customer_line_ids.phone, "+62215550101")
        self.assertTrue(activity.crm_alert_customer_reminder)

    def test_phone_choices_offer_the_contacts_numbers(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        line = self.meeting().crm_alert_customer_line_ids
        self.assertEqual(
            [option["number"] for option in line.phone_options],
            ["+6282112345678", "+62215550101"],
        )
        # No contact person: the company's numbers.
        company = self.env["res.partner"].create(
            {"name": "PT Kopi", "is_company": True, "phone": "021 777 8888"}
        )
        self.lead.partner_id = company
        line.partner_id = company
        self.assertIn(
            "+62217778888", [option["number"] for option in line.phone_options]
        )


@tagged("post_install", "-at_install", "crm_alert")
class TestReminderSending(ReminderCase):
    def test_customer_sms_to_the_picked_number_once(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        activity = self.meeting()
        activity.crm_alert_customer_line_ids.phone = "021 555 0101"
        self.run_reminders(START - timedelta(hours=2))
        self.assertFalse(self.stub.requests, "not before its moment")
        self.run_reminders(START - timedelta(minutes=59))
        [request] = self.stub.requests
        self.assertEqual(request["form"]["To"], "+62215550101")
        # Macros in the customer's timezone (Jakarta, UTC+7).
        self.assertIn("Tasting session", request["form"]["Body"])
        self.assertIn("10:00", request["form"]["Body"])
        self.run_reminders(START - timedelta(minutes=30))
        self.assertEqual(len(self.stub.requests), 1, "exactly once")
        notes = self.lead.message_ids.filtered(
            lambda m: "+62215550101" in (m.body or "")
        )
        self.assertEqual(len(notes), 1, "noted once on the lead's chatter")

    def test_customer_email_with_template_bcc_from_the_alerts_account(self):
        self.customer_email.write(
            {
                "email_bcc": "archive@tokojaya.example.com",
                "email_from": "someone-else@example.com",
            }
        )
        self.set_defaults(customer=[("email", 1, "days")])
        activity = self.meeting()
        line = activity.crm_alert_customer_line_ids
        self.assertEqual(line.email, "budi@pelanggan.example.com")
        self.assertEqual(line.email_bcc, "archive@tokojaya.example.com")
        self.run_reminders(START - timedelta(hours=23))
        # (the meeting's own invitation went to Budi too)
        [mail] = [
            m
            for m in self.sink.received_by("budi@pelanggan.example.com")
            if m["message"]["Subject"].startswith("Reminder")
        ]
        self.assertEqual(
            sorted(mail["rcpt_tos"]),
            ["archive@tokojaya.example.com", "budi@pelanggan.example.com"],
        )
        message = mail["message"]
        self.assertIsNone(message["Bcc"], "a blind copy")
        self.assertIn("alerts@tokojaya.example.com", message["From"])
        self.assertIn("Dec 3, 2026, 10:00:00", message["Subject"])

    def test_operators_reminded_in_their_own_timezone(self):
        self.colleague.tz = "Europe/Warsaw"
        self.set_defaults(operator=[("sms", 30, "minutes")])
        self.meeting()
        self.run_reminders(START - timedelta(minutes=10))
        bodies = {r["form"]["To"]: r["form"]["Body"] for r in self.stub.requests}
        self.assertEqual(set(bodies), {"+6281211112222", "+6281233334444"})
        self.assertIn("10:00", bodies["+6281211112222"])
        self.assertIn("4:00", bodies["+6281233334444"])

    def test_moved_activity_reminded_once_for_its_new_start(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        activity = self.meeting()
        self.run_reminders(START - timedelta(minutes=50))
        self.assertEqual(len(self.stub.requests), 1)
        with freeze_time(START - timedelta(minutes=40)):
            activity.calendar_event_id.write(
                {"start": START + timedelta(days=1), "stop": STOP + timedelta(days=1)}
            )
        line = activity.crm_alert_customer_line_ids
        self.assertEqual(line.fire_at, START + timedelta(days=1, hours=-1))
        self.run_reminders(START + timedelta(hours=2))
        self.assertEqual(len(self.stub.requests), 1, "not before the new moment")
        self.run_reminders(START + timedelta(days=1, minutes=-30))
        self.assertEqual(len(self.stub.requests), 2)

    def test_moved_after_queueing_sends_nothing_for_the_old_moment(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        activity = self.meeting()
        with freeze_time(START - timedelta(minutes=50)):
            self.env["crm.activity.reminder"]._cron_send_due()
        activity.calendar_event_id.write(
            {"start": START + timedelta(days=1), "stop": STOP + timedelta(days=1)}
        )
        self.run_reminders(START - timedelta(minutes=45))
        self.assertFalse(self.stub.requests)
        self.assertEqual(self.reminder_messages().state, "cancelled")

    def test_done_deleted_or_switched_off_sends_nothing(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        done = self.meeting()
        deleted = self.activity(summary="Call")
        switched_off = self.activity(summary="Visit")
        with freeze_time(START - timedelta(minutes=50)):
            self.env["crm.activity.reminder"]._cron_send_due()
        done.action_feedback(feedback="Met earlier")
        deleted.unlink()
        switched_off.crm_alert_customer_reminder = False
        self.run_reminders(START - timedelta(minutes=45))
        self.assertFalse(self.stub.requests)
        self.assertEqual(set(self.reminder_messages().mapped("state")), {"cancelled"})

    def test_blacklisted_number_is_skipped(self):
        self.env["phone.blacklist"].sudo().add("+6282112345678")
        self.set_defaults(customer=[("sms", 1, "hours")])
        self.meeting()
        self.run_reminders(START - timedelta(minutes=50))
        self.assertFalse(self.stub.requests)
        self.assertEqual(self.reminder_messages().state, "skipped")

    def test_blacklisted_address_is_skipped(self):
        self.env["mail.blacklist"].sudo()._add("budi@pelanggan.example.com")
        self.set_defaults(customer=[("email", 1, "hours")])
        self.meeting()
        self.run_reminders(START - timedelta(minutes=50))
        self.assertFalse(
            [
                m
                for m in self.sink.received_by("budi@pelanggan.example.com")
                if m["message"]["Subject"].startswith("Reminder")
            ]
        )
        message = self.reminder_messages()
        self.assertEqual(message.state, "skipped")
        self.assertIn("e-mail blacklist", message.error)

    def test_scanner_booked_at_the_fire_moment(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        self.meeting()
        cron = self.env.ref("crm_alert_automation.ir_cron_crm_activity_reminder")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertIn(START - timedelta(hours=1), triggers.mapped("call_at"))


@tagged("post_install", "-at_install", "crm_alert")
class TestReminderBadInput(ReminderCase):
    def test_invalid_number_names_the_line_and_field(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        line = self.meeting().crm_alert_customer_line_ids
        with self.assertRaisesRegex(ValidationError, r"Phone \(Customer.*12"):
            line.phone = "12"

    def test_offset_must_be_positive_and_within_a_year(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        line = self.meeting().crm_alert_customer_line_ids
        for value, unit in ((0, "hours"), (-5, "minutes"), (367, "days")):
            with self.assertRaisesRegex(ValidationError, "Time Before"):
                line.write({"offset_value": value, "offset_unit": unit})

    def test_email_without_sending_account_refused_on_save(self):
        self.company.write(
            {"crm_alert_mail_server_id": False, "crm_alert_email_from": False}
        )
        with self.assertRaisesRegex(ValidationError, "alerts e-mail account"):
            self.set_defaults(customer=[("email", 1, "hours")])

    def test_line_without_number_refused_on_save(self):
        self.customer.write({"mobile": False, "phone": False})
        self.lead.write({"mobile": False, "phone": False})
        self.set_defaults(customer=[("sms", 1, "hours")])
        with self.assertRaisesRegex(ValidationError, r"Phone \(Customer reminder"):
            self.meeting()

    def test_lead_conversion_never_blocked(self):
        """Ordinary work goes on: reminders switched off by default."""
        lead = self.env["crm.lead"].create(
            {"name": "Walk-in", "phone": "5551234", "company_id": self.company.id}
        )
        lead.convert_opportunity(self.env["res.partner"])
        self.assertEqual(lead.type, "opportunity")


@tagged("post_install", "-at_install", "crm_alert")
class TestReminderOperators(ReminderCase):
    def test_operator_reminders_follow_a_new_responsible(self):
        self.set_defaults(operator=[("sms", 30, "minutes")])
        activity = self.activity()
        self.assertEqual(activity.crm_alert_operator_line_ids.phone, "+6281211112222")
        activity.user_id = self.colleague
        line = activity.crm_alert_operator_line_ids
        self.assertEqual(line.user_id, self.colleague)
        self.assertEqual(line.phone, "+6281233334444")

    def test_reassigning_to_someone_without_a_phone_is_not_blocked(self):
        self.set_defaults(operator=[("sms", 30, "minutes")])
        activity = self.activity()
        newcomer = self._user("tono", "Asia/Jakarta")
        activity.user_id = newcomer
        self.assertEqual(activity.crm_alert_operator_line_ids.user_id, newcomer)
        self.run_reminders(activity.crm_alert_due_at - timedelta(minutes=10))
        message = self.reminder_messages()
        self.assertEqual(message.state, "failed", "visible, and retryable")
        self.assertIn("No phone number", message.error)

    def test_operator_reminders_follow_the_meeting_attendees(self):
        self.set_defaults(operator=[("sms", 30, "minutes")])
        activity = self.meeting()
        # A second reminder added by hand: a newcomer gets both.
        activity.crm_alert_operator_line_ids.filtered(
            lambda line: line.user_id == self.salesman
        ).copy({"offset_value": 1, "offset_unit": "days"})
        joiner = self._user("wati", "Asia/Jakarta", mobile="0812 5555 6666")
        event = activity.calendar_event_id
        event.partner_ids = [
            Command.link(joiner.partner_id.id),
            Command.unlink(self.colleague.partner_id.id),
        ]
        lines = activity.crm_alert_operator_line_ids
        self.assertNotIn(self.colleague, lines.user_id, "who left loses theirs")
        joined = lines.filtered(lambda line: line.user_id == joiner)
        self.assertEqual(
            sorted(joined.mapped("offset_minutes")), [30, 24 * 60], "the same reminders"
        )
        self.assertEqual(set(joined.mapped("phone")), {"+6281255556666"})
        self.run_reminders(START - timedelta(minutes=10))
        numbers = {r["form"]["To"] for r in self.stub.requests}
        self.assertIn("+6281255556666", numbers)
        self.assertNotIn("+6281233334444", numbers)

    def test_attendee_without_a_phone_does_not_block_the_meeting(self):
        self.set_defaults(operator=[("sms", 30, "minutes")])
        activity = self.meeting()
        joiner = self._user("eka", "Asia/Jakarta")
        activity.calendar_event_id.partner_ids = [Command.link(joiner.partner_id.id)]
        line = activity.crm_alert_operator_line_ids.filtered(
            lambda line: line.user_id == joiner
        )
        self.assertTrue(line.missing_contact)
        self.run_reminders(START - timedelta(minutes=10))
        failed = self.reminder_messages().filtered(lambda m: m.state == "failed")
        self.assertEqual(len(failed), 1, "visible, and retryable")
        self.assertIn("No phone number", failed.error)

    def test_customer_attendees_get_no_operator_reminder(self):
        self.set_defaults(operator=[("sms", 30, "minutes")])
        activity = self.meeting()
        guest = self.env["res.partner"].create({"name": "Guest", "mobile": "0812 9"})
        activity.calendar_event_id.partner_ids = [Command.link(guest.id)]
        self.assertEqual(
            activity.crm_alert_operator_line_ids.user_id,
            self.salesman | self.colleague,
        )

    def test_moved_meeting_books_the_new_fire_moment(self):
        self.set_defaults(customer=[("sms", 1, "hours")])
        activity = self.meeting()
        activity.calendar_event_id.write(
            {"start": START + timedelta(days=2), "stop": STOP + timedelta(days=2)}
        )
        cron = self.env.ref("crm_alert_automation.ir_cron_crm_activity_reminder")
        booked = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertIn(START + timedelta(days=2, hours=-1), booked.mapped("call_at"))
