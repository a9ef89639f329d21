# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SmtpSink, company_salesman, free_port, real_smtp
from .isolation import DemoIsolatedCase

DEADLINE = date(2026, 12, 10)


class ActivityAlertCase(DemoIsolatedCase):
    """A company with alerts on, its users in three timezones and a lead."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink().start()
        cls.addClassCleanup(cls.sink.stop)
        cls.company = cls.env["res.company"].create({"name": "Nusantara Trading"})
        cls.server = cls.env["ir.mail_server"].create(
            {
                "name": "alerts",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.sink.port,
                "smtp_encryption": "none",
                "from_filter": "crm-alerts@nusantara.example.com",
                "sequence": 100,
            }
        )

        def user(login, tz, **kw):
            return company_salesman(
                cls.env, cls.company, login, tz, "nusantara.example.com", **kw
            )

        cls.jakarta = user("dewi", "Asia/Jakarta")
        cls.saigon = user("linh", "Asia/Ho_Chi_Minh")
        cls.warsaw = user("piotr", "Europe/Warsaw")
        cls.boss = user("boss", "Asia/Jakarta")
        cls.boss2 = user("boss2", "Europe/Warsaw")
        cls.company.write(
            {
                "crm_alert_mail_server_id": cls.server.id,
                "crm_alert_email_from": "crm-alerts@nusantara.example.com",
                "crm_alert_activity_enabled": True,
                "crm_alert_activity_interval": 24,
                "crm_alert_late_enabled": True,
                "crm_alert_late_interval": 24,
                "crm_alert_late_user_ids": [Command.set((cls.boss | cls.boss2).ids)],
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {"name": "Kopi Luwak export deal", "company_id": cls.company.id}
        )
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")

    def setUp(self):
        super().setUp()
        self.sink.clear()
        smtp = real_smtp()
        smtp.__enter__()
        self.addCleanup(smtp.__exit__, None, None, None)

    def schedule(self, user, deadline=DEADLINE, summary="Call back", creator=None):
        env_user = creator or self.env.user
        return (
            self.env["mail.activity"]
            .with_user(env_user)
            .sudo(not creator)
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.lead"),
                    "res_id": self.lead.id,
                    "activity_type_id": self.call_type.id,
                    "summary": summary,
                    "date_deadline": deadline,
                    "user_id": user.id,
                }
            )
        )

    @staticmethod
    def alerts_to(sink, address):
        """What the sink received for ``address`` from this addon (Odoo's own
        "activity assigned to you" e-mails are not ours)."""
        return [
            m
            for m in sink.received_by(address)
            if not m["message"]["Subject"].endswith("assigned to you")
        ]

    def run_alerts(self, at):
        with freeze_time(at):
            self.env["mail.activity"]._cron_crm_alert_scan()
            self.env["crm.alert.message"]._cron_dispatch()

    def messages(self, **domain):
        return self.env["crm.alert.message"].search(
            [("company_id", "=", self.company.id)]
            + [(key, "=", value) for key, value in domain.items()]
        )


@tagged("post_install", "-at_install", "crm_alert")
class TestActivityAlerts(ActivityAlertCase):
    def test_due_moment_in_each_users_timezone(self):
        expected = {
            self.jakarta: datetime(2026, 12, 10, 11, 0),  # 18:00 WIB = UTC+7
            self.saigon: datetime(2026, 12, 10, 11, 0),  # 18:00 ICT = UTC+7
            self.warsaw: datetime(2026, 12, 10, 17, 0),  # 18:00 CET = UTC+1
        }
        for user, due_utc in expected.items():
            self.assertEqual(self.schedule(user).crm_alert_due_at, due_utc, user.tz)
        summer = self.schedule(self.warsaw, deadline=date(2026, 7, 1))
        self.assertEqual(summer.crm_alert_due_at, datetime(2026, 7, 1, 16, 0), "CEST")

    def schedule_meeting(self):
        """Piotr's activity linked to a meeting on 2026-12-10 08:30 UTC."""
        activity = self.schedule(self.warsaw)
        event = self.env["calendar.event"].create(
            {
                "name": "Demo",
                "start": datetime(2026, 12, 10, 8, 30),
                "stop": datetime(2026, 12, 10, 9, 30),
                "user_id": self.warsaw.id,
            }
        )
        activity.calendar_event_id = event
        return activity, event

    def test_meeting_is_due_at_its_start(self):
        activity, _event = self.schedule_meeting()
        self.assertEqual(activity.crm_alert_due_at, datetime(2026, 12, 10, 8, 30))

    def scan_wake_ups(self):
        # booked after the commit, which a test never reaches
        self.env["mail.activity"]._crm_alert_book_pending_wake_ups()
        cron = self.env.ref("crm_alert_automation.ir_cron_crm_alert_scan")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        return triggers.mapped("call_at")

    def test_moved_meeting_books_its_new_wake_up(self):
        _activity, event = self.schedule_meeting()
        with freeze_time("2026-12-01 00:00:00"):
            event.write(
                {
                    "start": datetime(2026, 12, 12, 7, 0),
                    "stop": datetime(2026, 12, 12, 8, 0),
                }
            )
        self.assertIn(datetime(2026, 12, 11, 7, 0), self.scan_wake_ups())

    def test_changed_interval_books_the_new_wake_up(self):
        with freeze_time("2026-12-01 00:00:00"):
            self.schedule(self.jakarta)  # due 2026-12-10 11:00 UTC
            self.company.crm_alert_activity_interval = 48
        self.assertNotIn(datetime(2026, 12, 8, 11, 0), self.scan_wake_ups())
        self.run_alerts("2026-12-01 00:00:00")  # the scan the change triggered
        self.assertIn(datetime(2026, 12, 8, 11, 0), self.scan_wake_ups())
        self.run_alerts("2026-12-08 11:00:00")
        self.assertEqual(len(self.alerts_to(self.sink, self.jakarta.email)), 1)

    def test_reminders_at_the_right_local_hour_for_three_timezones(self):
        for user in (self.jakarta, self.saigon, self.warsaw):
            self.schedule(user)
        self.run_alerts("2026-12-09 10:59:00")
        self.assertFalse(self.sink.messages, "nobody is due yet")

        self.run_alerts("2026-12-09 11:00:00")
        self.assertEqual(len(self.sink.received_by(self.jakarta.email)), 1)
        self.assertEqual(len(self.sink.received_by(self.saigon.email)), 1)
        self.assertFalse(self.sink.received_by(self.warsaw.email))
        mail = self.sink.received_by(self.jakarta.email)[0]["message"]
        self.assertIn("Call back", mail["Subject"])
        self.assertIn("Kopi Luwak export deal", mail["Subject"])
        self.assertIn("12/10/2026 18:00", mail["Subject"], "the local due time")
        self.assertIn("Asia/Jakarta", mail["Subject"])
        body = mail.get_body(("html",)).get_content()
        self.assertIn(f"/mail/view?model=crm.lead&amp;res_id={self.lead.id}", body)

        self.run_alerts("2026-12-09 16:59:00")
        self.assertFalse(self.sink.received_by(self.warsaw.email))
        self.run_alerts("2026-12-09 17:00:00")
        self.assertEqual(len(self.sink.received_by(self.warsaw.email)), 1)
        self.assertIn(
            "18:00", self.sink.received_by(self.warsaw.email)[0]["message"]["Subject"]
        )
        self.assertEqual(len(self.sink.messages), 3)
        self.assertEqual(set(self.messages(kind="reminder").mapped("state")), {"sent"})

    def test_exact_wake_up_and_activity_created_inside_the_window(self):
        with freeze_time("2026-12-01 00:00:00"):
            activity = self.schedule(self.jakarta)
        self.assertIn(datetime(2026, 12, 9, 11, 0), self.scan_wake_ups())
        self.assertIn(datetime(2026, 12, 11, 11, 0), self.scan_wake_ups())

        with freeze_time("2026-12-10 05:00:00"):  # already 6 hours from due
            late_comer = self.schedule(self.saigon, summary="Urgent quote")
        self.run_alerts("2026-12-10 05:00:00")
        self.assertEqual(len(self.sink.received_by(self.saigon.email)), 1)
        self.assertEqual(late_comer.crm_alert_reminded_for, late_comer.crm_alert_due_at)
        self.assertEqual(activity.crm_alert_reminded_for, activity.crm_alert_due_at)

    def test_system_sender_from_header(self):
        self.schedule(self.jakarta)
        self.run_alerts("2026-12-09 12:00:00")
        received = self.sink.received_by(self.jakarta.email)[0]
        self.assertIn("crm-alerts@nusantara.example.com", received["message"]["From"])
        self.assertIn("Nusantara Trading", received["message"]["From"])
        self.assertEqual(received["mail_from"], "crm-alerts@nusantara.example.com")

    def test_each_mail_of_a_batch_rendered_for_its_own_activity(self):
        """The dispatcher compiles a template once per batch: every mail must
        still carry its own data, and an edited template the next batch."""
        self.schedule(self.jakarta, summary="Send the Robusta quote")
        self.schedule(self.saigon, summary="Confirm the Arabica samples")
        self.run_alerts("2026-12-09 12:00:00")
        dewi = self.alerts_to(self.sink, self.jakarta.email)[0]["message"]
        linh = self.alerts_to(self.sink, self.saigon.email)[0]["message"]
        dewi_body = dewi.get_body(("html",)).get_content()
        linh_body = linh.get_body(("html",)).get_content()
        self.assertIn("Robusta", dewi_body)
        self.assertNotIn("Arabica", dewi_body)
        self.assertIn("Arabica", linh_body)
        self.assertIn(self.saigon.name, linh_body)
        self.assertNotIn(self.jakarta.name, linh_body)

        template = self.env.ref("crm_alert_automation.mail_template_activity_reminder")
        template.body_html = template.body_html.replace("Hello", "Good day")
        self.schedule(self.warsaw)
        self.run_alerts("2026-12-09 18:00:00")
        piotr = self.alerts_to(self.sink, self.warsaw.email)[0]["message"]
        self.assertIn("Good day", piotr.get_body(("html",)).get_content())

    def test_owner_sender_uses_matching_server_else_alerts_server(self):
        self.company.crm_alert_activity_sender = "owner"
        manager = new_test_user(
            self.env,
            login="sari",
            name="Sari Manager",
            email="sari@partner-agency.example.com",
            groups="sales_team.group_sale_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.schedule(self.jakarta, creator=manager)
        self.run_alerts("2026-12-09 12:00:00")
        received = self.alerts_to(self.sink, self.jakarta.email)
        self.assertEqual(len(received), 1, "no matching server: the alerts server")
        self.assertIn("sari@partner-agency.example.com", received[0]["message"]["From"])

        with SmtpSink() as agency_sink:
            self.env["ir.mail_server"].create(
                {
                    "name": "agency",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": agency_sink.port,
                    "from_filter": "partner-agency.example.com",
                }
            )
            self.schedule(self.warsaw, creator=manager)
            self.run_alerts("2026-12-09 18:00:00")
            self.assertFalse(self.alerts_to(self.sink, self.warsaw.email))
            via_agency = self.alerts_to(agency_sink, self.warsaw.email)
            self.assertEqual(len(via_agency), 1, "sent through the matching server")
            self.assertIn("Sari Manager", via_agency[0]["message"]["From"])

    def test_escalation_digest_to_default_persons(self):
        first = self.schedule(self.jakarta, summary="Send proposal")
        self.schedule(self.warsaw, summary="Follow up invoice")
        self.schedule(self.saigon, deadline=date(2026, 12, 20), summary="Not late")
        self.run_alerts("2026-12-09 11:00:00")  # the reminders
        self.sink.clear()

        self.run_alerts("2026-12-11 10:59:00")
        self.assertFalse(self.sink.messages, "not late enough yet")
        self.run_alerts("2026-12-11 17:00:00")  # both 24 h past due
        for boss in (self.boss, self.boss2):
            received = self.sink.received_by(boss.email)
            self.assertEqual(len(received), 1, "one digest per person")
            body = received[0]["message"].get_body(("html",)).get_content()
            self.assertIn("Send proposal", body)
            self.assertIn("Follow up invoice", body)
            self.assertIn(self.jakarta.name, body)
            self.assertIn("30 h", body, "Jakarta's call is 30 hours late")
            self.assertIn("24 h", body, "Warsaw's is 24 hours late")
            self.assertIn("2 activities are late", received[0]["message"]["Subject"])
            self.assertNotIn("Not late", body)
        self.assertEqual(len(self.sink.messages), 2)
        digest = self.messages(kind="escalation")
        self.assertEqual(len(digest), 2)
        self.assertEqual(len(digest[0].activity_ids), 2)

        self.run_alerts("2026-12-11 18:00:00")
        self.assertEqual(len(self.sink.messages), 2, "an activity is escalated once")
        first.date_deadline = date(2026, 12, 12)  # a new deadline, late again later
        self.run_alerts("2026-12-13 12:00:00")
        late_again = self.sink.received_by(self.boss.email)[-1]
        self.assertIn("1 activities are late", late_again["message"]["Subject"])

    def test_escalations_wait_for_a_default_person_then_specific_sender(self):
        self.schedule(self.jakarta, summary="Send proposal")
        (self.boss | self.boss2).action_archive()
        with self.assertLogs(
            "odoo.addons.crm_alert_automation.models.mail_activity", "WARNING"
        ) as logs:
            self.run_alerts("2026-12-11 17:00:00")
        self.assertIn("no active default person", logs.output[0])
        self.assertFalse(self.messages(kind="escalation"), "nobody to tell yet")

        self.company.write(
            {
                "crm_alert_late_user_ids": [Command.set(self.warsaw.ids)],
                "crm_alert_late_sender": "email",
                "crm_alert_late_email": "sales-director@nusantara.example.com",
            }
        )
        self.run_alerts("2026-12-11 17:15:00")
        [received] = self.sink.received_by(self.warsaw.email)
        self.assertIn(
            "Send proposal", received["message"].get_body(("html",)).get_content()
        )
        self.assertIn(
            "sales-director@nusantara.example.com", received["message"]["From"]
        )

    def test_settings_of_the_documents_company_apply(self):
        """Dewi works for Nusantara (alerts on) and also for a branch that has
        no alerts: an activity on the branch's lead follows the branch."""
        branch = self.env["res.company"].create({"name": "Saigon Branch"})
        self.jakarta.company_ids = [Command.link(branch.id)]
        branch_lead = self.env["crm.lead"].create(
            {"name": "Branch deal", "company_id": branch.id}
        )
        on_branch = self.schedule(self.jakarta)
        on_branch.res_id = branch_lead.id
        on_ours = self.schedule(self.jakarta)
        self.assertEqual(on_branch.crm_alert_company_id, branch)
        self.assertEqual(on_ours.crm_alert_company_id, self.company)
        self.run_alerts("2026-12-09 12:00:00")
        self.assertEqual(self.messages(kind="reminder").activity_ids, on_ours)
        self.assertEqual(len(self.alerts_to(self.sink, self.jakarta.email)), 1)

    def test_chatter_notes_the_alert(self):
        self.schedule(self.jakarta)
        self.run_alerts("2026-12-09 12:00:00")
        notes = self.lead.message_ids.filtered(
            lambda m: "Reminder sent to" in (m.body or "")
        )
        self.assertEqual(len(notes), 1)
        self.assertIn(self.jakarta.email, notes.body)

    def test_nothing_for_done_or_cancelled_activities(self):
        done = self.schedule(self.jakarta)
        cancelled = self.schedule(self.warsaw)
        done.action_done()
        cancelled.unlink()
        self.run_alerts("2026-12-09 18:00:00")
        self.run_alerts("2026-12-12 00:00:00")
        self.assertFalse(self.sink.messages)
        self.assertFalse(self.messages())

    def test_activity_done_after_queueing_is_cancelled_not_sent(self):
        activity = self.schedule(self.jakarta)
        with freeze_time("2026-12-09 12:00:00"):
            self.env["mail.activity"]._cron_crm_alert_scan()
        message = self.messages(kind="reminder")
        self.assertEqual(message.state, "queued")
        activity.action_done()
        with freeze_time("2026-12-09 12:00:00"):
            self.env["crm.alert.message"]._cron_dispatch()
        self.assertEqual(message.state, "cancelled")
        self.assertIn("done", message.error)
        self.assertFalse(self.sink.messages)

    def test_deadline_moved_gives_one_new_reminder(self):
        activity = self.schedule(self.jakarta)
        self.run_alerts("2026-12-09 12:00:00")
        self.run_alerts("2026-12-09 13:00:00")
        self.assertEqual(len(self.sink.messages), 1)
        activity.date_deadline = date(2026, 12, 15)
        self.run_alerts("2026-12-09 14:00:00")
        self.assertEqual(len(self.sink.messages), 1, "the new moment is not due yet")
        self.run_alerts("2026-12-14 11:00:00")
        self.run_alerts("2026-12-14 12:00:00")
        self.assertEqual(len(self.sink.messages), 2, "exactly one new reminder")
        self.assertEqual(len(self.messages(kind="reminder")), 2)

    def test_cron_run_twice_sends_once(self):
        for user in (self.jakarta, self.saigon):
            self.schedule(user)
        for _run in range(3):
            self.run_alerts("2026-12-09 12:00:00")
        self.assertEqual(len(self.sink.messages), 2)
        self.assertEqual(len(self.messages()), 2)

    def test_smtp_down_then_retried_and_delivered(self):
        port = free_port()
        self.server.smtp_port = port  # nothing listens there yet
        self.schedule(self.jakarta)
        self.run_alerts("2026-12-09 12:00:00")
        message = self.messages(kind="reminder")
        self.assertEqual(message.state, "retry")
        self.assertTrue(message.error)
        self.assertEqual(message.attempts, 1)
        self.assertEqual(message.next_try, datetime(2026, 12, 9, 12, 1))
        retry_cron = self.env.ref("crm_alert_automation.ir_cron_crm_alert_dispatch")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", retry_cron.id)])
        self.assertIn(message.next_try, triggers.mapped("call_at"), "wakes itself up")

        self.run_alerts("2026-12-09 12:00:30")
        self.assertEqual(message.attempts, 1, "not before its next try")
        self.run_alerts("2026-12-09 12:01:00")
        self.assertEqual((message.state, message.attempts), ("retry", 2))
        self.assertEqual(message.next_try, datetime(2026, 12, 9, 12, 3), "backs off")

        with SmtpSink() as revived:
            self.server.smtp_port = revived.port
            self.run_alerts("2026-12-09 12:03:00")
            self.assertEqual(message.state, "sent")
            self.assertFalse(message.error)
            self.assertEqual(len(revived.received_by(self.jakarta.email)), 1)
        self.assertEqual(len(self.messages()), 1, "the same row, nothing lost")

    def test_resend_after_crash_at_smtp_boundary_keeps_message_id(self):
        """A worker dies after the SMTP server accepted the mail but before its
        transaction committed: the re-send is the same message to mail systems."""
        self.schedule(self.jakarta)
        with freeze_time("2026-12-09 12:00:00"):
            self.env["mail.activity"]._cron_crm_alert_scan()
            with self.assertRaises(InterruptedError), self.env.cr.savepoint():
                self.env["crm.alert.message"]._cron_dispatch()
                raise InterruptedError("worker killed before commit")
        message = self.messages(kind="reminder")
        self.assertEqual(message.state, "queued", "nothing recorded the send")
        self.run_alerts("2026-12-09 12:20:00")
        self.assertEqual(message.state, "sent")
        received = self.alerts_to(self.sink, self.jakarta.email)
        self.assertEqual(len(received), 2, "at-least-once at the SMTP boundary")
        ids = {m["message"]["Message-ID"] for m in received}
        self.assertEqual(len(ids), 1, "the re-send carries the same Message-ID")
        self.assertIn(f"crm-alert-{message.id}.", ids.pop())

    def test_outbox_mails_are_left_alone_by_odoos_mail_queue(self):
        """Odoo's mail queue cron never sends an outbox e-mail, not even one
        a worker prepared and died before sending: its row sends it once,
        after the claim went stale, unless it became obsolete meanwhile."""
        self.schedule(self.jakarta)
        done = self.schedule(self.saigon)
        Message = self.env["crm.alert.message"]
        with freeze_time("2026-12-09 12:00:00"):
            self.env["mail.activity"]._cron_crm_alert_scan()
            batch = Message._claim(10).filtered(lambda m: m.company_id == self.company)
            for message in batch:
                message._deliver_guarded(message._prepare_mail)
            self.assertEqual(batch.mail_id.mapped("state"), ["outgoing"] * 2)
            self.env["mail.mail"].process_email_queue()
            self.assertFalse(self.alerts_to(self.sink, self.jakarta.email))
            done.action_feedback(feedback="Called")
        self.run_alerts("2026-12-09 12:20:00")  # the claim is stale now
        self.assertEqual(len(self.alerts_to(self.sink, self.jakarta.email)), 1)
        self.assertFalse(self.alerts_to(self.sink, self.saigon.email))
        obsolete = batch.filtered(lambda m: m.state == "cancelled")
        self.assertEqual(obsolete.mail_id.state, "cancel")
        self.assertEqual((batch - obsolete).state, "sent")

    def test_gives_up_after_max_attempts_then_retry_button(self):
        self.server.smtp_port = free_port()
        self.schedule(self.jakarta)
        moment = datetime(2026, 12, 9, 12, 0)
        for _attempt in range(8):
            self.run_alerts(moment)
            moment = max(moment, self.messages().next_try)
        message = self.messages()
        self.assertEqual((message.state, message.attempts), ("failed", 8))
        self.server.smtp_port = self.sink.port
        with freeze_time(moment):
            message.action_retry()
        self.assertEqual(message.state, "queued")
        self.run_alerts(moment)
        self.assertEqual(message.state, "sent")
        self.assertEqual(len(self.sink.received_by(self.jakarta.email)), 1)

    def test_archived_user_gets_no_reminder(self):
        self.schedule(self.jakarta)
        self.schedule(self.saigon)
        self.saigon.active = False
        self.run_alerts("2026-12-09 12:00:00")
        self.assertEqual(len(self.sink.received_by(self.jakarta.email)), 1)
        self.assertFalse(self.sink.received_by(self.saigon.email))

    def test_settings_off_nothing_sent(self):
        self.company.write(
            {"crm_alert_activity_enabled": False, "crm_alert_late_enabled": False}
        )
        self.schedule(self.jakarta)
        self.run_alerts("2026-12-09 12:00:00")
        self.run_alerts("2026-12-12 12:00:00")
        self.assertFalse(self.sink.messages)
        self.assertFalse(self.messages())

    def test_switching_escalations_on_does_not_escalate_the_past(self):
        self.company.crm_alert_late_enabled = False
        self.schedule(self.jakarta, deadline=date(2026, 11, 1))
        with freeze_time("2026-12-09 12:00:00"):
            self.company.crm_alert_late_enabled = True
        self.run_alerts("2026-12-09 12:00:00")
        self.assertFalse(self.messages(kind="escalation"))

    def test_salesman_cannot_see_alert_messages(self):
        self.schedule(self.jakarta)
        self.run_alerts("2026-12-09 12:00:00")
        self.assertFalse(
            self.env["crm.alert.message"].with_user(self.jakarta).has_access("read")
        )
        manager = new_test_user(
            self.env,
            login="mgr",
            groups="sales_team.group_sale_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        other = new_test_user(
            self.env, login="mgr_other", groups="sales_team.group_sale_manager"
        )
        ours = [("company_id", "=", self.company.id)]
        alerts = self.env["crm.alert.message"]
        self.assertEqual(len(alerts.with_user(manager).search(ours)), 1)
        self.assertFalse(alerts.with_user(other).search(ours), "other company")

        message = alerts.with_user(manager).search(ours)
        with self.assertRaises(AccessError):
            message.write({"email_to": "attacker@example.com"})
        with self.assertRaises(AccessError):
            message.with_user(other).action_retry()
        message.sudo().write({"state": "failed"})
        message.action_retry()
        self.assertEqual(message.state, "queued", "a manager can retry")
