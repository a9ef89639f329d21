# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The workflow engine in real Odoo, time frozen: triggers through automation
rules, conditions, waits, human steps, goals, re-enrolment, failures and
retries, deleted records, test runs, security."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import SmtpSink, real_smtp
from .isolation import DemoIsolatedCase

START = datetime(2026, 12, 1, 9, 0)
MAIL_FROM = "crm-alerts@workflow.example.com"


class WorkflowCase(DemoIsolatedCase):
    """A company sending through a loopback SMTP server, a sales manager,
    two salesmen and a team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sink = SmtpSink().start()
        cls.addClassCleanup(cls.sink.stop)
        cls.company = cls.env["res.company"].create({"name": "Flow Trading"})
        cls.server = cls.env["ir.mail_server"].create(
            {
                "name": "workflow sink",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.sink.port,
                "smtp_encryption": "none",
                "from_filter": MAIL_FROM,
                "sequence": 100,
            }
        )
        cls.company.write(
            {
                "crm_alert_mail_server_id": cls.server.id,
                "crm_alert_email_from": MAIL_FROM,
            }
        )

        def user(login, groups):
            return new_test_user(
                cls.env,
                login=login,
                email=f"{login}@workflow.example.com",
                groups=groups,
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )

        cls.manager = user("wf_manager", "sales_team.group_sale_manager")
        cls.seller = user("wf_seller", "sales_team.group_sale_salesman")
        cls.seller2 = user("wf_seller2", "sales_team.group_sale_salesman")
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Flow Team",
                "user_id": cls.manager.id,
                "company_id": cls.company.id,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Budi Santoso", "email": "budi@customer.example.com"}
        )
        cls.lead_model = cls.env["ir.model"]._get("crm.lead")
        cls.partner_model = cls.env["ir.model"]._get("res.partner")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    def setUp(self):
        super().setUp()
        # frozen, not ticking: wake-up moments are exact to the second
        clock = freeze_time(START)
        clock.start()
        self.addCleanup(clock.stop)
        self.sink.clear()

    # -- helpers ----------------------------------------------------------
    def make_workflow(self, steps, model=None, **vals):
        """Create a workflow whose steps are given in order; a step's
        ``next``/``no``/``timeout``/``cancel`` name another step by index."""
        workflow = self.env["crm.workflow"].create(
            {
                "name": vals.pop("name", "Test flow"),
                "company_id": self.company.id,
                "model_id": (model or self.lead_model).id,
                "trigger": vals.pop("trigger", "created"),
                **vals,
            }
        )
        created = []
        for i, step in enumerate(steps):
            step = dict(step)
            for key in ("next", "no", "timeout", "cancel"):
                step.pop(key, None)
            created.append(
                self.env["crm.workflow.step"].create(
                    {"workflow_id": workflow.id, "sequence": i, "name": f"S{i}", **step}
                )
            )
        for step, spec in zip(created, steps, strict=True):
            links = {
                f"{key}_step_id": created[spec[key]].id
                for key in ("next", "no", "timeout", "cancel")
                if key in spec
            }
            if links:
                step.write(links)
        return workflow, created

    def update_step(self, field="description", value="touched"):
        return {
            "kind": "action",
            "action_kind": "update",
            "update_field_id": self.env["ir.model.fields"]._get("crm.lead", field).id,
            "update_value": value,
        }

    def lead(self, **vals):
        return self.env["crm.lead"].create(
            {
                "name": vals.pop("name", "Deal"),
                "company_id": self.company.id,
                "user_id": self.seller.id,
                "team_id": self.team.id,
                **vals,
            }
        )

    def runs(self, workflow):
        return self.env["crm.workflow.run"].search([("workflow_id", "=", workflow.id)])

    def tick(self, moment):
        with freeze_time(moment):
            return self.env["crm.workflow.run"]._cron_advance()

    def human_flow(self, **human):
        return self.make_workflow(
            [
                {
                    "kind": "human",
                    "activity_type_id": self.todo.id,
                    "activity_summary": "Call the customer",
                    "assign_to": "team_leader",
                    "priority": "1",
                    "deadline_days": 2,
                    "timeout_amount": 1,
                    "timeout_unit": "days",
                    "next": 1,
                    "timeout": 2,
                    "cancel": 3,
                    **human,
                },
                self.update_step("referred", "done"),
                self.update_step("referred", "timeout"),
                self.update_step("referred", "cancelled"),
            ]
        )

    def path(self, run):
        return [(log.step_id.name or "", log.outcome) for log in run.log_ids]


@tagged("post_install", "-at_install", "crm_alert")
class TestWorkflowTriggers(WorkflowCase):
    def test_created_trigger_runs_the_first_steps_at_once(self):
        workflow, _steps = self.make_workflow([self.update_step()])
        self.assertTrue(workflow.sudo().automation_id, "an automation rule enrols")
        lead = self.lead()
        run = self.runs(workflow)
        self.assertEqual(run.res_id, lead.id)
        self.assertEqual(run.state, "done")
        self.assertEqual(lead.description, "<p>touched</p>")
        self.assertEqual(
            self.path(run),
            [
                ("", "Started (Record created)"),
                ("S0", "Done"),
                ("", "End of the workflow"),
            ],
        )
        self.assertEqual(lead.crm_workflow_run_count, 1, "smart button on the lead")

    def test_updated_trigger_watches_its_fields(self):
        workflow, _steps = self.make_workflow(
            [self.update_step()],
            trigger="updated",
            trigger_field_ids=[
                Command.set([self.env["ir.model.fields"]._get("crm.lead", "phone").id])
            ],
        )
        lead = self.lead()
        lead.write({"name": "Renamed"})
        self.assertFalse(self.runs(workflow), "another field changed: no run")
        lead.write({"phone": "+62 812 0000 1111"})
        self.assertEqual(self.runs(workflow).res_id, lead.id)

    def test_deleted_trigger_runs_before_the_record_goes(self):
        workflow, _steps = self.make_workflow(
            [
                {
                    "kind": "action",
                    "action_kind": "update",
                    "update_field_id": self.env["ir.model.fields"]
                    ._get("res.partner", "comment")
                    .id,
                    "update_value": "leaving",
                }
            ],
            model=self.partner_model,
            trigger="deleted",
        )
        partner = self.env["res.partner"].create({"name": "Short-lived"})
        self.assertFalse(self.runs(workflow))
        partner_id = partner.id
        partner.unlink()
        run = self.runs(workflow)
        self.assertEqual((run.res_id, run.state), (partner_id, "done"))
        self.assertIn(("S0", "Done"), self.path(run))

    def test_stage_user_and_tag_set_triggers(self):
        won = self.env["crm.stage"].create({"name": "Flow Won", "sequence": 90})
        tag = self.env["crm.tag"].create({"name": "VIP flow"})
        by_stage, _s = self.make_workflow(
            [self.update_step()], trigger="stage_set", trigger_stage_id=won.id
        )
        by_user, _s = self.make_workflow([self.update_step()], trigger="user_set")
        by_tag, _s = self.make_workflow(
            [self.update_step()], trigger="tag_set", trigger_tag_id=tag.id
        )
        lead = self.lead(user_id=False)
        self.assertFalse(self.runs(by_stage) | self.runs(by_user) | self.runs(by_tag))
        lead.write({"user_id": self.seller2.id})
        self.assertEqual(self.runs(by_user).res_id, lead.id)
        lead.write({"stage_id": won.id})
        self.assertEqual(self.runs(by_stage).res_id, lead.id)
        lead.write({"tag_ids": [Command.link(tag.id)]})
        self.assertEqual(self.runs(by_tag).res_id, lead.id)
        self.assertEqual(self.runs(by_user).user_id, self.seller2)

    def time_workflows(self, deadline_filter=False):
        """A workflow a day before a lead's deadline, one for a lead not
        updated for 3 days; their automation rules last checked at START."""
        deadline = self.make_workflow(
            [self.update_step()],
            trigger="date",
            trigger_date_field_id=self.env["ir.model.fields"]
            ._get("crm.lead", "date_deadline")
            .id,
            trigger_delay=-1,
            trigger_delay_unit="day",
            filter_domain=deadline_filter,
        )[0]
        stale = self.make_workflow(
            [self.update_step("referred", "stale")],
            trigger="not_updated",
            trigger_delay=3,
            trigger_delay_unit="day",
            filter_domain="[('name', '=', 'Quiet deal')]",
        )[0]
        automations = (deadline | stale).sudo().automation_id
        automations.write({"last_run": START})
        return deadline, stale, automations

    def quiet_lead(self):
        """The 'Quiet deal' lead, last updated at START."""
        quiet = self.lead(name="Quiet deal")
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE crm_lead SET write_date = %s WHERE id = %s", [START, quiet.id]
        )
        self.env.invalidate_all()
        return quiet

    def test_date_trigger_moved_to_another_field_books_on_it(self):
        """A rule moved to another date field books the check when that
        field is set, without a restart."""
        check = self.env.ref("base_automation.ir_cron_data_base_automation_check")
        Trigger = self.env["ir.cron.trigger"]
        self.env["base.automation"].search(
            [("trigger", "in", ("on_time", "on_time_created", "on_time_updated"))]
        ).active = False
        deadline, _stale, _automations = self.time_workflows(
            "[('name', '=like', 'Flow deadline %')]"
        )
        deadline.sudo().automation_id.trg_date_id = self.env["ir.model.fields"]._get(
            "crm.lead", "date_closed"
        )
        lead = self.lead(name="Flow deadline C")
        Trigger.search([("cron_id", "=", check.id)]).unlink()
        lead.date_closed = datetime(2026, 12, 12, 10, 0)
        booked = Trigger.search([("cron_id", "=", check.id)]).mapped("call_at")
        self.assertEqual(booked, [datetime(2026, 12, 11, 10, 0)], "a day before")

    def test_date_reached_and_not_updated_triggers(self):
        deadline, stale, automations = self.time_workflows()
        due = self.lead(name="Due deal", date_deadline="2026-12-10")
        quiet = self.quiet_lead()
        with freeze_time(START + timedelta(days=2)):
            automations._check()
        self.assertFalse(self.runs(deadline) | self.runs(stale), "too early")
        with freeze_time(datetime(2026, 12, 9, 0, 1)):
            automations._check()
        self.assertEqual(self.runs(deadline).res_id, due.id)
        self.assertEqual(self.runs(stale).res_id, quiet.id)
        self.assertEqual(quiet.referred, "stale")

    def test_date_triggers_book_the_check_at_their_moment(self):
        """Odoo checks time-based rules every few hours; a workflow's date
        trigger books that check at the moment a record is due."""
        check = self.env.ref("base_automation.ir_cron_data_base_automation_check")
        Trigger = self.env["ir.cron.trigger"]
        # time-based rules of the database other than the test's stay out
        self.env["base.automation"].search(
            [("trigger", "in", ("on_time", "on_time_created", "on_time_updated"))]
        ).active = False
        deadline, stale, automations = self.time_workflows(
            "[('name', '=like', 'Flow deadline %')]"
        )

        def booked():
            return sorted(
                Trigger.search([("cron_id", "=", check.id)]).mapped("call_at")
            )

        Trigger.search([("cron_id", "=", check.id)]).unlink()
        first = self.lead(name="Flow deadline A", date_deadline="2026-12-10")
        self.assertEqual(booked(), [datetime(2026, 12, 9)], "a day before")
        first.date_deadline = "2026-12-05"
        self.assertEqual(booked()[0], datetime(2026, 12, 4), "moved earlier")
        later = self.lead(name="Flow deadline B", date_deadline="2026-12-20")
        self.assertNotIn(
            datetime(2026, 12, 19), booked(), "the check books the next one itself"
        )
        quiet = self.quiet_lead()

        Trigger.search([("cron_id", "=", check.id)]).unlink()
        with freeze_time(START + timedelta(hours=1)):
            automations._check()
        self.assertFalse(self.runs(deadline) | self.runs(stale), "nothing due yet")
        self.assertEqual(booked(), [datetime(2026, 12, 4)], "after a check: the next")

        Trigger.search([("cron_id", "=", check.id)]).unlink()
        with freeze_time(datetime(2026, 12, 3, 23, 59, 59)):
            automations._check()
        self.assertFalse(self.runs(deadline), "a second early")
        self.assertEqual(booked(), [datetime(2026, 12, 4)])
        Trigger.search([("cron_id", "=", check.id)]).unlink()  # as the cron does
        with freeze_time(datetime(2026, 12, 4, 0, 0, 1)):
            automations._check()
        self.assertEqual(self.runs(deadline).mapped("res_id"), first.ids)
        self.assertFalse(self.runs(stale))
        self.assertEqual(
            booked(), [START + timedelta(days=3)], "three days after the update"
        )

        with freeze_time(START + timedelta(days=3, seconds=1)):
            automations._check()
        self.assertEqual(self.runs(stale).res_id, quiet.id)
        self.assertEqual(quiet.referred, "stale")
        self.assertNotIn(later.id, self.runs(deadline).mapped("res_id"))

    def test_start_workflow_server_action(self):
        workflow, _steps = self.make_workflow([self.update_step()], trigger="manual")
        self.assertFalse(workflow.sudo().automation_id)
        action = self.env["ir.actions.server"].create(
            {
                "name": "Start it",
                "model_id": self.lead_model.id,
                "state": "crm_workflow_start",
                "crm_workflow_id": workflow.id,
            }
        )
        leads = self.lead(name="A") | self.lead(name="B")
        action.with_context(active_model="crm.lead", active_ids=leads.ids).run()
        self.assertEqual(set(self.runs(workflow).mapped("res_id")), set(leads.ids))

    def test_entry_filter_and_company(self):
        workflow, _steps = self.make_workflow(
            [self.update_step()], filter_domain="[('name', 'ilike', 'vip')]"
        )
        self.lead(name="Ordinary")
        vip = self.lead(name="VIP order")
        other = self.env["res.company"].create({"name": "Other Co"})
        self.env["crm.lead"].create({"name": "VIP elsewhere", "company_id": other.id})
        self.assertEqual(self.runs(workflow).res_id, vip.id)

    def test_reenrolment_once_or_after_end(self):
        once, _s = self.make_workflow([self.update_step()], trigger="updated")
        again, _s = self.make_workflow(
            [
                {"kind": "wait", "wait_amount": 1, "wait_unit": "hours"},
            ],
            trigger="updated",
            reenrol="after_end",
        )
        lead = self.lead()
        lead.write({"phone": "1"})
        lead.write({"phone": "2"})
        self.assertEqual(len(self.runs(once)), 1, "once per record")
        self.assertEqual(len(self.runs(again)), 1, "the first run is still waiting")
        self.tick(START + timedelta(hours=1))
        self.assertEqual(self.runs(again).state, "done")
        lead.write({"phone": "3"})
        self.assertEqual(len(self.runs(again)), 2, "again after the previous ended")
        self.assertEqual(len(self.runs(once)), 1)

    def test_bad_settings_are_refused_naming_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Stage is required"):
            self.make_workflow([], trigger="stage_set")
        with self.assertRaisesRegex(ValidationError, "Entry Filter is not a valid"):
            self.make_workflow([], filter_domain="[('nope', '=', 1)]")
        with self.assertRaisesRegex(ValidationError, "Wait must be a positive"):
            self.make_workflow([{"kind": "wait", "wait_amount": 0}])
        with self.assertRaisesRegex(ValidationError, "Template is required"):
            self.make_workflow([{"kind": "action", "action_kind": "message"}])
        with self.assertRaisesRegex(ValidationError, "New Value must be a whole"):
            self.make_workflow([self.update_step("user_id", "abc")])


@tagged("post_install", "-at_install", "crm_alert")
class TestWorkflowSteps(WorkflowCase):
    def test_condition_branches_both_ways(self):
        workflow, _steps = self.make_workflow(
            [
                {
                    "kind": "condition",
                    "condition_domain": "[('expected_revenue', '>', 1000)]",
                    "next": 1,
                    "no": 2,
                },
                self.update_step("referred", "big"),
                self.update_step("referred", "small"),
            ]
        )
        big = self.lead(expected_revenue=5000)
        small = self.lead(expected_revenue=10)
        self.assertEqual((big.referred, small.referred), ("big", "small"))
        run = self.runs(workflow).filtered(lambda r: r.res_id == big.id)
        self.assertEqual(self.path(run)[1:3], [("S0", "Yes"), ("S1", "Done")])

    def test_wait_resumes_at_the_exact_moment(self):
        workflow, _steps = self.make_workflow(
            [
                {"kind": "wait", "wait_amount": 2, "wait_unit": "hours", "next": 1},
                self.update_step("referred", "after wait"),
            ]
        )
        lead = self.lead()
        run = self.runs(workflow)
        wake = START + timedelta(hours=2)
        self.assertEqual((run.state, run.wake_at), ("waiting", wake))
        self.env.cr.flush()  # the wake-up is booked when the transaction commits
        cron = self.env.ref("crm_alert_automation.ir_cron_crm_workflow")
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", cron.id), ("call_at", "=", wake)]
            ),
            "the runner is booked at the wake-up moment",
        )
        self.assertEqual(self.tick(wake - timedelta(seconds=1)), 0)
        self.assertFalse(lead.referred)
        self.assertEqual(self.tick(wake), 1)
        self.assertEqual(lead.referred, "after wait")
        self.assertEqual(run.state, "done")

    def test_wait_until_a_date_of_the_record_with_offset(self):
        workflow, _steps = self.make_workflow(
            [
                {
                    "kind": "wait",
                    "wait_mode": "date",
                    "wait_date_field_id": self.env["ir.model.fields"]
                    ._get("crm.lead", "date_deadline")
                    .id,
                    "wait_offset": -2,
                    "wait_offset_unit": "days",
                    "next": 1,
                },
                self.update_step("referred", "two days before"),
            ]
        )
        lead = self.lead(date_deadline="2026-12-20")
        no_date = self.lead(name="No deadline")
        run = self.runs(workflow).filtered(lambda r: r.res_id == lead.id)
        self.assertEqual(run.wake_at, datetime(2026, 12, 18))
        self.assertEqual(no_date.referred, "two days before", "no date: no wait")
        self.tick(datetime(2026, 12, 17, 23, 59))
        self.assertFalse(lead.referred)
        self.tick(datetime(2026, 12, 18))
        self.assertEqual(lead.referred, "two days before")

    def test_human_step_resumes_the_moment_its_activity_is_done(self):
        workflow, _steps = self.human_flow()
        lead = self.lead()
        run = self.runs(workflow)
        activity = run.activity_id
        self.assertEqual(run.state, "waiting")
        self.assertEqual(activity.user_id, self.manager, "the team's leader")
        self.assertEqual(activity.summary, "High: Call the customer")
        self.assertEqual(str(activity.date_deadline), "2026-12-03")
        self.assertEqual(run.wake_at, START + timedelta(days=1))
        activity.with_user(self.manager).action_feedback(feedback="Called")
        self.assertEqual(lead.referred, "done", "resumed without waiting for cron")
        self.assertEqual(run.state, "done")
        self.assertIn(("S0", "Activity done"), self.path(run))
        self.tick(START + timedelta(days=2))
        self.assertEqual(lead.referred, "done", "no timeout after done")

    def test_human_step_timeout_and_cancelled_branches(self):
        workflow, _steps = self.human_flow()
        late = self.lead(name="Late")
        dropped = self.lead(name="Dropped")
        runs = self.runs(workflow)
        runs.filtered(lambda r: r.res_id == dropped.id).activity_id.unlink()
        self.assertEqual(dropped.referred, "cancelled")
        self.tick(START + timedelta(hours=23))
        self.assertFalse(late.referred)
        self.tick(START + timedelta(days=1))
        self.assertEqual(late.referred, "timeout")
        late_run = runs.filtered(lambda r: r.res_id == late.id)
        self.assertIn(("S0", "Not done in time"), self.path(late_run))
        # the late activity done afterwards changes nothing
        late_run.log_ids.invalidate_recordset()
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "crm.lead"), ("res_id", "=", late.id)]
        )
        activities.action_feedback()
        self.assertEqual(late.referred, "timeout")

    def test_goal_met_ends_the_run(self):
        workflow, _steps = self.make_workflow(
            [
                {"kind": "wait", "wait_amount": 1, "wait_unit": "days", "next": 1},
                self.update_step("referred", "chased"),
            ],
            goal_domain="[('probability', '=', 100)]",
        )
        won = self.lead(name="Won")
        open_ = self.lead(name="Open")
        won.action_set_won()
        self.tick(START + timedelta(days=1))
        self.assertFalse(won.referred)
        self.assertEqual(open_.referred, "chased")
        won_run = self.runs(workflow).filtered(lambda r: r.res_id == won.id)
        self.assertEqual(won_run.state, "done")
        self.assertEqual(self.path(won_run)[-1][1], "Goal met")

    def test_failing_step_fails_its_run_others_go_on_and_retry(self):
        code = self.env["ir.actions.server"].create(
            {
                "name": "Picky",
                "model_id": self.lead_model.id,
                "state": "code",
                "code": "for rec in records:\n"
                "    if rec.name == 'Bad' and not rec.phone:\n"
                "        raise UserError('Bad has no phone')\n"
                "    rec.write({'referred': 'ok'})",
            }
        )
        workflow, _steps = self.make_workflow(
            [
                {"kind": "wait", "wait_amount": 1, "wait_unit": "hours", "next": 1},
                {"kind": "action", "action_kind": "server", "action_id": code.id},
            ]
        )
        good = self.lead(name="Good")
        bad = self.lead(name="Bad")
        self.tick(START + timedelta(hours=1))
        runs = self.runs(workflow)
        bad_run = runs.filtered(lambda r: r.res_id == bad.id)
        self.assertEqual(good.referred, "ok")
        self.assertEqual(bad_run.state, "failed")
        self.assertIn("Bad has no phone", bad_run.error)
        self.assertEqual(bad_run.step_id.name, "S1")
        bad.phone = "+62 1"
        bad_run.with_user(self.manager).action_retry()
        self.assertEqual(bad_run.state, "done")
        self.assertEqual(bad.referred, "ok")
        self.assertFalse(bad_run.error)

    def test_record_deleted_mid_run_ends_its_run(self):
        workflow, _steps = self.make_workflow(
            [
                {"kind": "wait", "wait_amount": 1, "wait_unit": "hours", "next": 1},
                self.update_step("referred", "x"),
            ]
        )
        lead = self.lead()
        lead.unlink()
        self.tick(START + timedelta(hours=1))
        run = self.runs(workflow)
        self.assertEqual(run.state, "cancelled")
        self.assertEqual(self.path(run)[-1][1], "Record deleted")

    def test_cancel_run_stops_it(self):
        workflow, _steps = self.make_workflow(
            [
                {"kind": "wait", "wait_amount": 1, "wait_unit": "hours", "next": 1},
                self.update_step("referred", "x"),
            ]
        )
        lead = self.lead()
        run = self.runs(workflow)
        run.with_user(self.manager).action_cancel()
        self.tick(START + timedelta(hours=1))
        self.assertEqual(run.state, "cancelled")
        self.assertFalse(lead.referred)
        self.assertEqual(self.path(run)[-1][1], f"Cancelled by {self.manager.name}")

    def test_a_loop_without_wait_fails_instead_of_spinning(self):
        workflow, _steps = self.make_workflow(
            [{"kind": "condition", "condition_domain": "[]", "next": 0}]
        )
        self.lead()
        run = self.runs(workflow)
        self.assertEqual(run.state, "failed")
        self.assertIn("loops", run.error)


@tagged("post_install", "-at_install", "crm_alert")
class TestWorkflowWorkingHours(WorkflowCase):
    """Waits on working hours only: the company's working schedule, in its
    time zone (Jakarta, UTC+7), Monday to Friday 8-12 and 13-17."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Jakarta office",
                "tz": "Asia/Jakarta",
                "company_id": cls.company.id,
                "hours_per_day": 8,
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"{day} {start}",
                            "dayofweek": str(day),
                            "hour_from": start,
                            "hour_to": start + 4,
                            "day_period": "morning" if start == 8 else "afternoon",
                        }
                    )
                    for day in range(5)
                    for start in (8, 13)
                ],
            }
        )
        cls.company.resource_calendar_id = cls.calendar

    def wait_then_update(self, amount, unit, working_hours=True):
        workflow, _steps = self.make_workflow(
            [
                {
                    "kind": "wait",
                    "wait_amount": amount,
                    "wait_unit": unit,
                    "wait_working_hours": working_hours,
                    "next": 1,
                },
                self.update_step("referred", "after wait"),
            ],
            trigger="manual",
        )
        return workflow

    def start(self, workflow, jakarta):
        """Enrol a lead at ``jakarta`` (local time); return the lead and the
        run's wake-up (UTC)."""
        lead = self.lead()
        with freeze_time(jakarta - timedelta(hours=7)):
            run = workflow._enrol(lead)
        self.assertEqual(run.state, "waiting")
        return lead, run.wake_at

    def test_hours_after_closing_time_resume_on_monday(self):
        workflow = self.wait_then_update(2, "hours")
        lead, wake = self.start(workflow, datetime(2026, 12, 4, 17, 0))  # Friday
        self.assertEqual(wake + timedelta(hours=7), datetime(2026, 12, 7, 10, 0))
        self.assertEqual(self.tick(wake - timedelta(seconds=1)), 0)
        self.assertFalse(lead.referred)
        self.assertEqual(self.tick(wake), 1)
        self.assertEqual(lead.referred, "after wait")

    def test_minutes_count_working_time_too(self):
        workflow = self.wait_then_update(30, "minutes")
        _lead, wake = self.start(workflow, datetime(2026, 12, 4, 16, 50))
        self.assertEqual(wake + timedelta(hours=7), datetime(2026, 12, 7, 8, 20))

    def test_a_public_holiday_is_skipped(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "company_id": self.company.id,
                # Monday 7 December, in Jakarta
                "date_from": datetime(2026, 12, 6, 17, 0),
                "date_to": datetime(2026, 12, 7, 16, 59, 59),
            }
        )
        workflow = self.wait_then_update(2, "hours")
        _lead, wake = self.start(workflow, datetime(2026, 12, 4, 17, 0))
        self.assertEqual(wake + timedelta(hours=7), datetime(2026, 12, 8, 10, 0))

    def test_days_are_working_days_and_plain_waits_ignore_the_schedule(self):
        days = self.wait_then_update(1, "days")
        _lead, wake = self.start(days, datetime(2026, 12, 4, 10, 0))  # Friday
        self.assertEqual(wake + timedelta(hours=7), datetime(2026, 12, 7, 10, 0))
        plain = self.wait_then_update(2, "hours", working_hours=False)
        _lead, wake = self.start(plain, datetime(2026, 12, 4, 17, 0))
        self.assertEqual(wake + timedelta(hours=7), datetime(2026, 12, 4, 19, 0))

    def test_runs_of_one_batch_share_the_planned_moment(self):
        workflow = self.wait_then_update(2, "hours")
        leads = self.lead(name="A") | self.lead(name="B") | self.lead(name="C")
        with freeze_time(datetime(2026, 12, 4, 10, 0)):  # 17:00 in Jakarta
            runs = workflow._enrol(leads)
        self.assertEqual(set(runs.mapped("wake_at")), {datetime(2026, 12, 7, 3, 0)})


@tagged("post_install", "-at_install", "crm_alert")
class TestWorkflowTestRunAndSecurity(WorkflowCase):
    def test_test_run_sends_nothing_and_shows_the_path(self):
        template = self.env.ref("crm_alert_automation.mail_template_workflow_welcome")
        workflow, _steps = self.make_workflow(
            [
                {
                    "kind": "action",
                    "action_kind": "message",
                    "msg_mail_template_id": template.id,
                    "next": 1,
                },
                {"kind": "wait", "wait_amount": 3, "wait_unit": "days", "next": 2},
                {
                    "kind": "action",
                    "action_kind": "update",
                    "update_field_id": self.env["ir.model.fields"]
                    ._get("res.partner", "comment")
                    .id,
                    "update_value": "changed",
                },
            ],
            model=self.partner_model,
            trigger="manual",
        )
        wizard = (
            self.env["crm.workflow.test.run"]
            .with_user(self.manager)
            .create({"workflow_id": workflow.id, "res_id": self.customer.id})
        )
        with real_smtp():
            wizard.action_run()
            self.env["crm.alert.message"]._cron_dispatch()
        self.assertIn("Wait skipped", wizard.path)
        self.assertIn("End of the workflow", wizard.path)
        self.assertIn(
            "budi@customer.example.com",
            wizard.path.replace("Budi Santoso", "budi@customer.example.com"),
        )
        self.assertIn("Welcome to", wizard.path)
        self.assertFalse(self.customer.comment, "nothing changed")
        self.assertFalse(self.runs(workflow), "no run kept")
        self.assertFalse(
            self.env["crm.alert.message"].search(
                [("res_id", "=", self.customer.id), ("res_model", "=", "res.partner")]
            )
        )
        self.assertFalse(self.sink.messages, "nothing sent")

    def test_salesman_sees_the_runs_of_his_records_only(self):
        workflow, _steps = self.make_workflow(
            [{"kind": "wait", "wait_amount": 1, "wait_unit": "days"}]
        )
        mine = self.lead(name="Mine")
        self.lead(name="Theirs", user_id=self.seller2.id)
        visible = self.env["crm.workflow.run"].with_user(self.seller).search([])
        self.assertEqual(visible.mapped("res_id"), mine.ids)
        self.assertEqual(
            len(
                self.env["crm.workflow.run"]
                .with_user(self.manager)
                .search([("workflow_id", "=", workflow.id)])
            ),
            2,
        )
        with self.assertRaises(AccessError):
            self.env["crm.workflow"].with_user(self.seller).create(
                {"name": "x", "model_id": self.lead_model.id}
            )

    def test_sales_manager_builds_workflows_but_no_code(self):
        Workflow = self.env["crm.workflow"].with_user(self.manager)
        workflow = Workflow.create(
            {
                "name": "Manager's flow",
                "model_id": self.lead_model.id,
                "trigger": "created",
            }
        )
        self.env["crm.workflow.step"].with_user(self.manager).create(
            {"workflow_id": workflow.id, "name": "Touch", **self.update_step()}
        )
        lead = self.lead()
        self.assertEqual(lead.description, "<p>touched</p>")
        code = self.env["ir.actions.server"].create(
            {
                "name": "Code",
                "model_id": self.lead_model.id,
                "state": "code",
                "code": "1",
            }
        )
        with self.assertRaises(AccessError):
            self.env["crm.workflow.step"].with_user(self.manager).create(
                {
                    "workflow_id": workflow.id,
                    "name": "Code",
                    "kind": "action",
                    "action_kind": "server",
                    "action_id": code.id,
                }
            )

    def test_sales_manager_picks_models_and_fields(self):
        """The pickers of the workflow and step forms, as a sales manager
        (no Settings rights): models, a date field, the field to update, a
        status value, the recipient field."""
        manager_env = self.env(user=self.manager)
        models_found = manager_env["ir.model"].name_search(
            "Lead", [("transient", "=", False)]
        )
        self.assertIn(self.lead_model.id, [id_ for id_, _name in models_found])
        workflow = manager_env["crm.workflow"].create(
            {"name": "Pickers", "model_id": self.lead_model.id, "trigger": "manual"}
        )
        fields_read = workflow.web_read(
            {
                "model_id": {"fields": {"display_name": {}}},
                "trigger_date_field_id": {"fields": {"display_name": {}}},
                "trigger_field_ids": {"fields": {"display_name": {}}},
            }
        )
        self.assertEqual(fields_read[0]["model_id"]["id"], self.lead_model.id)
        Fields = manager_env["ir.model.fields"]
        lead = ("model_id", "=", self.lead_model.id)
        for domain, name in (
            ([lead, ("ttype", "in", ("date", "datetime"))], "date_deadline"),
            (
                [
                    lead,
                    ("store", "=", True),
                    ("readonly", "=", False),
                    ("ttype", "=", "selection"),
                ],
                "priority",
            ),
            (
                [lead, ("ttype", "=", "many2one"), ("relation", "=", "res.partner")],
                "partner_id",
            ),
        ):
            found = Fields.web_search_read(domain, {"name": {}, "display_name": {}})
            self.assertIn(name, [row["name"] for row in found["records"]])
        priority = Fields._get("crm.lead", "priority")
        values = manager_env["ir.model.fields.selection"].web_search_read(
            [("field_id", "=", priority.id)], {"value": {}, "display_name": {}}
        )
        self.assertIn("3", [row["value"] for row in values["records"]])
        step = manager_env["crm.workflow.step"].create(
            {
                "workflow_id": workflow.id,
                "name": "Urgent",
                "kind": "action",
                "action_kind": "update",
                "update_field_id": priority.id,
                "update_value": "3",
            }
        )
        self.assertEqual(
            step.web_read({"update_field_id": {"fields": {"display_name": {}}}})[0][
                "update_field_id"
            ]["id"],
            priority.id,
        )
        for model in ("crm.workflow", "crm.workflow.step"):
            self.assertTrue(manager_env[model].get_views([(False, "form")]))

    def test_workflows_respect_companies(self):
        other = self.env["res.company"].create({"name": "Other Flow Co"})
        self.make_workflow([self.update_step()], name="Flow Co flow")
        outsider = new_test_user(
            self.env,
            login="wf_outsider",
            groups="sales_team.group_sale_manager",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        names = self.env["crm.workflow"].with_user(outsider).search([]).mapped("name")
        self.assertNotIn("Flow Co flow", names)

    def test_export_import_json_round_trip(self):
        workflow, _steps = self.human_flow()
        data = workflow._export_json()
        copy = (
            self.env["crm.workflow"]
            .with_user(self.manager)
            ._import_json(data, company=self.company, name="Copied")
        )
        self.assertEqual(copy._export_json() | {"name": data["name"]}, data)
        with self.assertRaisesRegex(
            ValidationError, "Activity Type: nope.nope not found"
        ):
            data["steps"][0]["activity_type"] = "nope.nope"
            self.env["crm.workflow"]._import_json(data)
