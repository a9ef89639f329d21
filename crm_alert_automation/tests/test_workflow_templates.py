# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The ready-made workflows, end to end: created from the template by a
sales manager, triggered the ordinary way, e-mails delivered to a real SMTP
server on loopback."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import real_smtp
from .test_workflow import START, WorkflowCase


@tagged("post_install", "-at_install", "crm_alert")
class TestWorkflowTemplates(WorkflowCase):
    def setUp(self):
        super().setUp()
        smtp = real_smtp()
        smtp.__enter__()
        self.addCleanup(smtp.__exit__, None, None, None)

    def from_template(self, xmlid):
        wizard = (
            self.env["crm.workflow.from.template"]
            .with_user(self.manager)
            .create(
                {
                    "template_id": self.env.ref(f"crm_alert_automation.{xmlid}").id,
                    "company_id": self.company.id,
                }
            )
        )
        action = wizard.action_create()
        workflow = self.env["crm.workflow"].browse(action["res_id"])
        self.assertFalse(workflow.is_template)
        self.assertTrue(workflow.sudo().automation_id.active)
        return workflow

    def deliver(self, moment=START):
        with freeze_time(moment):
            self.env["crm.alert.message"]._cron_dispatch()

    def mails(self, subject_part, to=None):
        return [
            m
            for m in self.sink.messages
            if subject_part in m["message"]["Subject"]
            and (to is None or to in m["rcpt_tos"])
        ]

    def test_welcome_email_reaches_the_smtp_server(self):
        workflow = self.from_template("crm_workflow_template_welcome")
        self.assertEqual(len(workflow.step_ids), 1)
        partner = self.env["res.partner"].create(
            {
                "name": "Sari Dewi",
                "email": "sari@customer.example.com",
                "company_id": self.company.id,
            }
        )
        self.env["res.partner"].create(
            {"name": "No address", "company_id": self.company.id}
        )
        runs = self.runs(workflow)
        self.assertEqual(runs.res_id, partner.id, "only the contact with an e-mail")
        self.assertEqual(runs.state, "done")
        self.deliver()
        mails = self.mails("Welcome to Flow Trading", "sari@customer.example.com")
        self.assertEqual(len(mails), 1)
        self.assertIn("Sari Dewi", mails[0]["message"].get_body().get_content())

    def test_todo_reminder_wait_and_meeting_review(self):
        workflow = self.from_template("crm_workflow_template_todo")
        lead = self.lead(name="Warung Kopi deal")
        meeting = lead.activity_schedule(
            "mail.mail_activity_data_meeting",
            summary="Meet the owner",
            user_id=self.seller.id,
        )
        lead.activity_schedule(
            "mail.mail_activity_data_todo",
            summary="Send a quote",
            user_id=self.seller.id,
        )
        self.deliver()
        reminders = self.mails("New task:", "wf_seller@workflow.example.com")
        self.assertEqual(
            sorted(m["message"]["Subject"] for m in reminders),
            ["New task: Meet the owner", "New task: Send a quote"],
        )
        meeting_run = self.runs(workflow).filtered(lambda r: r.res_id == meeting.id)
        self.assertEqual(meeting_run.wake_at, START + timedelta(minutes=10))

        def reviews():
            return self.env["mail.activity"].search(
                [
                    ("res_model", "=", "crm.lead"),
                    ("res_id", "=", lead.id),
                    ("summary", "like", "Review the meeting"),
                ]
            )

        self.tick(START + timedelta(minutes=9))
        self.assertFalse(reviews(), "10 minutes are not over")
        self.tick(START + timedelta(minutes=10))
        review = reviews()
        self.assertEqual(len(review), 1, "a review for the meeting, none for the to-do")
        self.assertEqual(review.user_id, self.env.ref("base.user_admin"))
        self.assertEqual(meeting_run.state, "done")
        path = [log.outcome for log in meeting_run.log_ids]
        self.assertIn("Yes", path)

    def test_stale_deal_notifies_the_supervisor(self):
        workflow = self.from_template("crm_workflow_template_stale_deal")
        quiet = self.lead(name="Quiet deal", type="opportunity")
        busy = self.lead(name="Busy deal", type="opportunity")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET write_date = %s WHERE id IN %s",
            [START, (quiet.id, busy.id)],
        )
        self.env.cr.execute(
            "UPDATE crm_lead SET write_date = %s WHERE id = %s",
            [START + timedelta(days=2), busy.id],
        )
        self.env.invalidate_all()
        automation = workflow.sudo().automation_id
        automation.last_run = START
        moment = START + timedelta(days=3, minutes=1)
        with freeze_time(moment):
            automation._check()
        self.assertEqual(self.runs(workflow).res_id, quiet.id)
        self.deliver(moment)
        mails = self.mails(
            "Deal not updated for 3 days", "wf_manager@workflow.example.com"
        )
        self.assertEqual(
            [m["message"]["Subject"] for m in mails],
            ["Deal not updated for 3 days: Quiet deal"],
        )

    def test_order_flow_thanks_then_follow_up_on_the_delivery_date(self):
        workflow = self.from_template("crm_workflow_template_order")
        product = self.env["product.product"].create({"name": "Kopi Luwak 250 g"})
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "company_id": self.company.id,
                "commitment_date": START + timedelta(days=5),
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": 1})
                ],
            }
        )
        self.assertFalse(self.runs(workflow), "a quotation is not enrolled")
        order.action_confirm()
        run = self.runs(workflow)
        self.assertEqual(
            (run.state, run.wake_at), ("waiting", START + timedelta(days=5))
        )
        self.deliver()
        self.assertEqual(
            len(self.mails("Thank you for your order", self.customer.email)), 1
        )
        self.tick(START + timedelta(days=5))
        self.deliver(START + timedelta(days=5))
        self.assertEqual(len(self.mails("Has your order", self.customer.email)), 1)
        self.assertEqual(run.state, "done")
