# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one delivery layer: its entry point, its retry policy, what it does
when a producer's part fails, batch sending, cleanup, and the *Send alert
message* server action."""

from datetime import date, datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..models.crm_alert_message import ENQUEUE_COLUMNS
from .test_activity_alerts import DEADLINE as DEADLINE_BACK
from .test_activity_alerts import ActivityAlertCase
from .test_gateways import NOW, GatewayCase

SCAN_AT = datetime(2026, 12, 9, 12, 0)


def raise_on_insert(cr, table, column, needle):
    """A real PostgreSQL trigger that refuses rows of ``table`` whose
    ``column`` contains ``needle``: a genuine database error mid-send."""
    cr.execute(
        f"""
        CREATE OR REPLACE FUNCTION crm_alert_test_refuse() RETURNS trigger AS $$
        BEGIN
            IF NEW.{column}::text LIKE '%%{needle}%%' THEN
                RAISE EXCEPTION 'refused by the database';
            END IF;
            RETURN NEW;
        END $$ LANGUAGE plpgsql;
        CREATE TRIGGER crm_alert_test_refuse BEFORE INSERT ON {table}
            FOR EACH ROW EXECUTE FUNCTION crm_alert_test_refuse();
        """
    )


@tagged("post_install", "-at_install", "crm_alert")
class TestOutboxReminders(ActivityAlertCase):
    """Reminders and digests on the outbox (reuses the alert test set-up)."""

    def dispatch_until_settled(self, start=SCAN_AT, rounds=12):
        moment = start
        for _round in range(rounds):
            with freeze_time(moment):
                self.env["crm.alert.message"]._cron_dispatch()
            pending = self.messages().filtered(
                lambda m: m.state in ("queued", "retry", "sending")
            )
            if not pending:
                return moment
            moment = max(moment, min(pending.mapped("next_try"))) + timedelta(seconds=1)
        return moment

    def test_unrenderable_template_fails_after_max_attempts(self):
        """Attempts count when a row is claimed: a reminder whose template
        cannot be rendered ends Failed after 8 tries, not retried forever."""
        template = self.env.ref("crm_alert_automation.mail_template_activity_reminder")
        template.body_html = "<p t-out='object.no_such_field'/>"
        self.schedule(self.jakarta)
        with freeze_time(SCAN_AT):
            self.env["mail.activity"]._cron_crm_alert_scan()
        self.dispatch_until_settled()
        message = self.messages(kind="reminder")
        self.assertEqual((message.state, message.attempts), ("failed", 8))
        self.assertEqual(len(message.attempt_ids), 8)
        self.assertFalse(self.sink.messages)

    def test_scan_queues_the_rows_enqueue_would(self):
        """The scan queues reminders set-based (``_enqueue_select``): each
        row is the one ``_enqueue`` queues for the same activity."""
        activity = self.schedule(self.jakarta, summary="Call\n  back ")
        untitled = self.schedule(self.saigon, summary="")
        with freeze_time(SCAN_AT):
            self.env["mail.activity"]._cron_crm_alert_scan()
        template = self.env.ref("crm_alert_automation.mail_template_activity_reminder")
        for each in activity | untitled:
            queued = self.messages(kind="reminder", source_id=each.id)
            fields = [name for name in queued._fields if name in ENQUEUE_COLUMNS]
            queued_values = queued.read([*fields, "activity_ids"])[0]
            queued.unlink()
            expected = self.env["crm.alert.message"]._enqueue(
                [
                    {
                        "record": each,
                        "document": self.lead,
                        "company_id": self.company.id,
                        "kind": "reminder",
                        "dedupe_key": f"reminder:{each.id}:{each.crm_alert_due_at}",
                        "partner": each.user_id.partner_id,
                        "template": template,
                        "sender": self.company.crm_alert_activity_sender,
                        "subject": each.summary or each.activity_type_id.name,
                        "due_at": each.crm_alert_due_at,
                        "send_after": queued_values["next_try"],
                        "activity_ids": each.ids,
                    }
                ]
            )
            expected_values = expected.read([*fields, "activity_ids"])[0]
            del queued_values["id"], expected_values["id"]
            self.assertEqual(queued_values, expected_values)
        self.assertEqual(expected.subject, "Call", "the activity type's name")

    def test_wake_ups_wait_for_the_commit(self):
        """Scheduling an activity books the scanner's wake-ups after the
        commit, not in Odoo's own activity creation; each once."""
        cron = self.env.ref("crm_alert_automation.ir_cron_crm_alert_scan")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search_count([("cron_id", "=", cron.id)])
        with freeze_time("2026-12-01 00:00:00"):
            self.schedule(self.jakarta)  # due 2026-12-10 11:00 UTC
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), before)
        Activity = self.env["mail.activity"]
        for _twice in range(2):
            Activity._crm_alert_book_pending_wake_ups()
            Activity._crm_alert_wake_at([datetime(2026, 12, 9, 11, 0)])
        booked = Trigger.search([("cron_id", "=", cron.id)]).mapped("call_at")
        self.assertEqual(len(booked), before + 2)
        self.assertIn(datetime(2026, 12, 9, 11, 0), booked)  # the reminder
        self.assertIn(datetime(2026, 12, 11, 11, 0), booked)  # the escalation

    def test_enqueue_select_leaves_a_live_key_alone(self):
        Message = self.env["crm.alert.message"]
        values = {
            "company_id": self.company.id,
            "dedupe_key": "test:select",
            "subject": "Two\nlines",
            "recipient_partner_id": self.jakarta.partner_id.id,
        }
        first = Message._enqueue_select(values, SQL("(VALUES (1)) AS one(x)"))
        self.assertEqual(
            (first.subject, first.channel, first.kind, first.sender),
            ("Two lines", "email", "message", "system"),
        )
        self.assertFalse(Message._enqueue_select(values, SQL("(VALUES (1)) one(x)")))

    def test_digest_to_an_archived_recipient_is_cancelled(self):
        self.schedule(self.jakarta, deadline=date(2026, 12, 8))
        with freeze_time("2026-12-09 12:00:00"):
            self.env["mail.activity"]._cron_crm_alert_scan()
        self.boss.active = False
        self.dispatch_until_settled(datetime(2026, 12, 9, 12, 0))
        digests = self.messages(kind="escalation")
        to_boss = digests.filtered(
            lambda m: m.recipient_partner_id == self.boss.partner_id
        )
        self.assertEqual(to_boss.state, "cancelled")
        self.assertIn("archived", to_boss.error)
        self.assertEqual(to_boss.attempts, 1)
        self.assertEqual((digests - to_boss).state, "sent")

    def test_deadline_moved_away_and_back_gets_its_reminder(self):
        activity = self.schedule(self.jakarta)
        first_due = activity.crm_alert_due_at
        with freeze_time(SCAN_AT):
            self.env["mail.activity"]._cron_crm_alert_scan()
            activity.date_deadline = date(2026, 12, 20)
            self.env["crm.alert.message"]._cron_dispatch()
        self.assertEqual(self.messages(kind="reminder").state, "cancelled")
        self.assertFalse(self.alerts_to(self.sink, self.jakarta.email))
        with freeze_time(SCAN_AT + timedelta(hours=1)):
            activity.date_deadline = DEADLINE_BACK
            self.assertEqual(activity.crm_alert_due_at, first_due)
        self.run_alerts(SCAN_AT + timedelta(hours=1))
        reminders = self.messages(kind="reminder")
        self.assertEqual(sorted(reminders.mapped("state")), ["cancelled", "sent"])
        self.assertEqual(len(self.alerts_to(self.sink, self.jakarta.email)), 1)

    def test_one_chatter_entry_per_reminder(self):
        self.schedule(self.jakarta)
        before = self.lead.message_ids
        self.run_alerts(SCAN_AT)
        new = self.lead.message_ids - before
        self.assertEqual(len(new), 1, new.mapped("body"))
        self.assertIn("Reminder sent to", new.body)

    def test_two_reminders_on_one_record_in_one_batch_two_notes(self):
        self.schedule(self.jakarta, summary="Call back")
        self.schedule(self.saigon, summary="Send the offer")
        before = self.lead.message_ids
        self.run_alerts(SCAN_AT)
        notes = (self.lead.message_ids - before).mapped("body")
        self.assertEqual(len(notes), 2)
        self.assertTrue(any("Send the offer" in note for note in notes))

    def test_batch_shares_one_smtp_session(self):
        for user in (self.jakarta, self.saigon, self.boss):
            self.schedule(user)
        self.run_alerts(SCAN_AT)
        self.assertEqual(self.messages(kind="reminder").mapped("state"), ["sent"] * 3)
        self.assertEqual(len(self.sink.messages), 3)
        self.assertEqual(self.sink.sessions, 1, "one SMTP connection for the batch")

    def test_database_error_fails_that_row_and_the_batch_goes_on(self):
        self.schedule(self.jakarta, summary="boom-db")
        self.schedule(self.saigon, summary="Call back")
        raise_on_insert(self.env.cr, "mail_message", "subject", "boom-db")
        self.run_alerts(SCAN_AT)
        broken = self.messages(kind="reminder").filtered(
            lambda m: "boom-db" in (m.subject or "")
        )
        self.assertEqual(broken.state, "retry", "not left 'sending' for 15 min")
        self.assertIn("refused by the database", broken.error)
        self.assertEqual(len(self.alerts_to(self.sink, self.saigon.email)), 1)

    def test_failing_chatter_note_never_resends(self):
        """Bookkeeping after a successful send cannot undo 'sent'."""
        self.schedule(self.jakarta, summary="boom-note")
        raise_on_insert(self.env.cr, "mail_message", "body", "boom-note")
        self.run_alerts(SCAN_AT)
        message = self.messages(kind="reminder")
        self.assertEqual(message.state, "sent")
        self.run_alerts(SCAN_AT + timedelta(minutes=30))
        self.assertEqual(len(self.alerts_to(self.sink, self.jakarta.email)), 1)

    def test_deleted_template_fails_visibly_and_other_companies_go_on(self):
        other = self.env["res.company"].create({"name": "Warung Kopi"})
        other.write(
            {
                "crm_alert_mail_server_id": self.server.id,
                "crm_alert_email_from": "crm-alerts@nusantara.example.com",
                "crm_alert_activity_enabled": True,
            }
        )
        self.schedule(self.jakarta)
        self.env.ref("crm_alert_automation.mail_template_activity_reminder").unlink()
        self.run_alerts(SCAN_AT)
        message = self.messages(kind="reminder")
        self.assertEqual(message.state, "failed")
        self.assertIn("template was deleted", message.error)
        # The escalation scan of the same run still worked.
        self.schedule(self.saigon, deadline=date(2026, 12, 1))
        self.run_alerts(SCAN_AT + timedelta(hours=1))
        self.assertEqual(self.messages(kind="escalation").mapped("state"), ["sent"] * 2)

    def test_summary_with_line_breaks_is_one_subject_line(self):
        self.schedule(self.jakarta, summary="Call back\r\nBcc: evil@example.com")
        self.run_alerts(SCAN_AT)
        [mail] = self.alerts_to(self.sink, self.jakarta.email)
        self.assertIn("Call back Bcc: evil@example.com", mail["message"]["Subject"])
        self.assertNotIn("evil@example.com", mail["rcpt_tos"])

    def test_cleanup_removes_old_finished_rows_and_keeps_failed(self):
        self.company.crm_alert_retention_days = 30
        self.schedule(self.jakarta)
        self.schedule(self.saigon)
        self.run_alerts(SCAN_AT)
        sent, failed = self.messages(kind="reminder")
        failed.sudo().write({"state": "failed"})
        mail = sent.sudo().mail_id
        self.assertTrue(mail)
        Message = self.env["crm.alert.message"]
        with freeze_time(SCAN_AT + timedelta(days=29)):
            Message._gc_finished_messages()
        self.assertTrue(sent.exists(), "kept within the retention period")
        with freeze_time(SCAN_AT + timedelta(days=31)):
            Message._gc_finished_messages()
        self.assertFalse(sent.exists())
        self.assertFalse(mail.exists(), "its e-mail goes too")
        self.assertTrue(failed.exists(), "failed rows wait for someone")
        self.assertTrue(failed.attempt_ids)


@tagged("post_install", "-at_install", "crm_alert")
class TestOutboxTexts(GatewayCase):
    def test_enqueue_twice_is_one_message_and_cancelled_frees_the_key(self):
        Message = self.env["crm.alert.message"]
        values = {
            "channel": "sms",
            "document": self.customer,
            "partner": self.customer,
            "body_text": "Halo",
            "dedupe_key": "test:once",
        }
        first = Message._enqueue([values])
        self.assertEqual(len(first), 1)
        self.assertFalse(Message._enqueue([values]), "same live key: nothing")
        self.assertEqual(first.company_id, self.company, "the document's company")
        first.sudo().write({"state": "cancelled"})
        self.assertEqual(len(Message._enqueue([values])), 1)

    def test_sms_template_rendered_at_send_time(self):
        self.gateway("twilio")
        template = self.env["sms.template"].create(
            {
                "name": "Welcome",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Halo {{ object.name }}!",
            }
        )
        message = self.env["crm.alert.message"]._enqueue(
            [
                {
                    "channel": "sms",
                    "document": self.customer,
                    "partner": self.customer,
                    "template": template,
                }
            ]
        )
        self.customer.name = "Budi Baru"
        self.dispatch()
        self.assertEqual(message.state, "sent")
        self.assertEqual(self.stub.requests[0]["form"]["Body"], "Halo Budi Baru!")

    def test_automation_rule_sends_sms_through_the_gateway(self):
        self.gateway("twilio")
        template = self.env["sms.template"].create(
            {
                "name": "Welcome",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Selamat datang, {{ object.name }}!",
            }
        )
        model = self.env["ir.model"]._get("res.partner")
        rule = self.env["base.automation"].create(
            {
                "name": "Welcome new contacts",
                "model_id": model.id,
                "trigger": "on_create",
            }
        )
        self.env["ir.actions.server"].create(
            {
                "name": "Welcome SMS",
                "model_id": model.id,
                "base_automation_id": rule.id,
                "state": "crm_alert_message",
                "crm_alert_channel": "sms",
                "crm_alert_sms_template_id": template.id,
                "usage": "base_automation",
            }
        )
        partner = self.env["res.partner"].create(
            {
                "name": "Siti Rahma",
                "mobile": "0821 1111 2222",
                "company_id": self.company.id,
            }
        )
        self.assertFalse(self.stub.requests, "queued, not sent in the save")
        self.dispatch()
        [request] = self.stub.requests
        self.assertEqual(request["form"]["To"], "+6282111112222")
        self.assertEqual(request["form"]["Body"], "Selamat datang, Siti Rahma!")
        row = self.env["crm.alert.message"].search(
            [("res_id", "=", partner.id), ("res_model", "=", "res.partner")]
        )
        self.assertEqual((row.kind, row.state), ("action", "sent"))

    def test_send_alert_message_action_refuses_incomplete_settings(self):
        from odoo.exceptions import ValidationError  # noqa: PLC0415

        with self.assertRaisesRegex(ValidationError, "template"):
            self.env["ir.actions.server"].create(
                {
                    "name": "No template",
                    "model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "state": "crm_alert_message",
                    "crm_alert_channel": "sms",
                }
            )

    def test_sms_to_shared_contact_uses_the_senders_company(self):
        """The SMS queue cron runs in OdooBot's company: an SMS without a
        document company goes through the gateway of the company its sender
        was working in."""
        self.gateway("twilio", twilio_account_sid="AC-TOKO-JAYA")
        seller = new_test_user(
            self.env,
            login="seller_tj",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        shared = self.env["res.partner"].create(
            {"name": "Shared", "mobile": "+6282133334444", "company_id": False}
        )
        sms = (
            self.env["sms.sms"]
            .with_user(seller)
            .sudo()
            .with_company(self.company)
            .create({"number": shared.mobile, "partner_id": shared.id, "body": "x"})
        )
        self.env["sms.sms"].with_company(self.env.ref("base.main_company")).browse(
            sms.ids
        )._send(unlink_sent=False)
        self.dispatch()
        [request] = self.stub.requests
        self.assertIn("AC-TOKO-JAYA", request["path"])

    def test_cleanup_removes_the_sms_behind_old_rows(self):
        self.gateway("twilio")
        sms = self.env["sms.sms"].create(
            {"number": "+6282112345678", "body": "Resi", "partner_id": self.customer.id}
        )
        sms.send(unlink_sent=False)
        self.dispatch()
        row = self.env["crm.alert.message"].search([("sms_uuid", "=", sms.uuid)])
        self.assertEqual(row.state, "sent")
        self.assertTrue(sms.to_delete, "Odoo's own autovacuum removes it")
        with freeze_time(NOW + timedelta(days=91)):
            self.env["crm.alert.message"]._gc_finished_messages()
        self.assertFalse(row.exists())
        self.assertFalse(sms.exists())
