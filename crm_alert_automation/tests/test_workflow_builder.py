# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The builder's server side: the diagram read and written as the workflow's
``builder_graph``, problems, activation refused with the list, live counts."""

from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_workflow import START, WorkflowCase


@tagged("post_install", "-at_install", "crm_alert")
class TestWorkflowBuilder(WorkflowCase):
    def draft(self, **vals):
        return (
            self.env["crm.workflow"]
            .with_user(self.manager)
            .create(
                {
                    "name": "Drawn flow",
                    "company_id": self.company.id,
                    "model_id": self.lead_model.id,
                    "trigger": "created",
                    "active": False,
                    **vals,
                }
            )
        )

    def test_a_whole_diagram_edit_is_saved_with_the_workflow(self):
        workflow = self.draft()
        workflow.builder_graph = {
            "trigger": {"x": 0, "y": 0},
            "first": "new_1",
            "steps": [
                {"id": "new_1", "kind": "wait", "name": "Wait", "x": 0, "y": 150,
                 "next": "new_2"},
                {"id": "new_2", "kind": "condition", "name": "Big?", "x": 0,
                 "y": 300, "next": "new_3", "no": False},
                {"id": "new_3", "kind": "action", "action_kind": "activity",
                 "name": "Call", "x": 120, "y": 450},
            ],
        }  # fmt: skip
        steps = workflow.step_ids.sorted("sequence")
        self.assertEqual(steps.mapped("name"), ["Wait", "Big?", "Call"])
        self.assertEqual(steps.mapped("builder_y"), [150, 300, 450])
        wait, cond, call = steps
        self.assertEqual(wait.next_step_id, cond)
        self.assertEqual(cond.next_step_id, call)
        self.assertEqual(workflow._first_step(), wait)
        graph = workflow.builder_graph
        self.assertEqual(graph["first"], wait.id)
        self.assertEqual(
            [s["summary"] for s in graph["steps"]],
            ["Wait 1 days", "If every record", "Activity for the record's salesperson"],
        )
        # an edit: the call is deleted, a new first step is put before the wait
        graph["first"] = "new_9"
        graph["steps"] = [s for s in graph["steps"] if s["id"] != call.id]
        graph["steps"].append(
            {"id": "new_9", "kind": "end", "name": "Stop", "x": 5, "y": 6}
        )
        graph["steps"][0]["x"] = 77
        workflow.builder_graph = graph
        self.assertFalse(call.exists())
        self.assertFalse(cond.next_step_id)
        self.assertEqual(workflow._first_step().name, "Stop")
        self.assertEqual(wait.builder_x, 77)

    def test_a_diagram_cannot_name_another_workflows_step(self):
        other, steps = self.make_workflow([self.update_step()])
        workflow = self.draft()
        with self.assertRaisesRegex(ValidationError, "not a step of this workflow"):
            workflow.builder_graph = {
                "first": steps[0].id,
                "steps": [{"id": steps[0].id, "kind": "end", "name": "x"}],
            }
        self.assertTrue(other.step_ids)

    def test_problems_marked_and_activation_refused_with_the_list(self):
        workflow = self.draft()
        workflow.builder_graph = {
            "first": "a",
            "steps": [
                {"id": "a", "kind": "condition", "name": "Meeting?",
                 "next": "b", "condition_domain": "[]"},
                {"id": "b", "kind": "action", "action_kind": "message",
                 "name": "Remind"},
                {"id": "c", "kind": "wait", "name": "Lost wait"},
            ],
        }  # fmt: skip
        problems = workflow._workflow_problems()
        by_code = {(p["code"], p["step"]) for p in problems}
        cond, remind, lost = workflow.step_ids.sorted("sequence")
        self.assertIn(("unconnected_no", cond.id), by_code)
        self.assertIn(("settings", remind.id), by_code)
        self.assertIn(("unreachable", lost.id), by_code)
        self.assertFalse(remind.sudo().action_id, "no server action while incomplete")
        with self.assertRaises(ValidationError) as refused:
            workflow.action_activate()
        message = str(refused.exception)
        self.assertIn("cannot be activated", message)
        self.assertIn("E-mail/Text Template is required", message)
        self.assertIn("Lost wait: no run can reach it", message)
        self.assertNotIn("not connected", message, "warnings do not refuse")
        self.assertFalse(workflow.active)
        # fixed: the activity is complete, the lost wait deleted
        remind.write({"action_kind": "update", **self.update_step()})
        lost.unlink()
        workflow.action_activate()
        self.assertTrue(workflow.active)
        workflow.invalidate_recordset(["builder_graph"])
        self.assertTrue(remind.sudo().action_id, "the step's own action, once complete")
        self.assertEqual(
            [p["code"] for p in workflow._workflow_problems()],
            ["unconnected_no", "unconnected_next"],
        )

    def test_an_active_workflow_keeps_its_steps_complete(self):
        workflow, _steps = self.make_workflow([self.update_step()])
        graph = workflow.builder_graph
        graph["steps"].append({"id": "n", "kind": "human", "name": "Call"})
        with self.assertRaisesRegex(ValidationError, "Activity Type is required"):
            workflow.builder_graph = graph
        with self.assertRaisesRegex(ValidationError, "The workflow has no step"):
            self.draft().action_activate()

    def test_summaries(self):
        meeting = self.env.ref("mail.mail_activity_data_meeting")
        _workflow, steps = self.make_workflow(
            [
                {"kind": "wait", "wait_amount": 10, "wait_unit": "minutes"},
                {
                    "kind": "condition",
                    "condition_domain": f"[('activity_type_id', '=', {meeting.id})]",
                },
                {
                    "kind": "condition",
                    "condition_domain": "[('activity_type_id.category', '=', "
                    "'meeting')]",
                },
                {"kind": "end"},
            ],
            model=self.env["ir.model"]._get("mail.activity"),
            active=False,
        )
        self.assertEqual(
            [s._builder_summary() for s in steps],
            [
                "Wait 10 minutes",
                "If Activity Type = Meeting",
                "If Activity Type / Action = Meeting",
                "End of the run",
            ],
        )

    def test_live_counts_per_step(self):
        workflow, steps = self.make_workflow(
            [
                self.update_step(),
                {"kind": "wait", "wait_amount": 1, "wait_unit": "hours"},
            ],
        )
        steps[0].next_step_id = steps[1]
        self.lead()
        self.lead(name="Second")
        workflow.invalidate_recordset(["builder_graph"])
        graph = workflow.builder_graph
        self.assertTrue(graph["live"])
        counts = {s["id"]: s["counts"] for s in graph["steps"]}
        self.assertEqual(counts[steps[1].id], {"waiting": 2, "done": 0, "failed": 0})
        self.tick(START + timedelta(hours=1))
        workflow.invalidate_recordset(["builder_graph"])
        counts = {s["id"]: s["counts"] for s in workflow.builder_graph["steps"]}
        self.assertEqual(counts[steps[1].id], {"waiting": 0, "done": 2, "failed": 0})

    def test_templates_export_positions(self):
        workflow, steps = self.make_workflow([self.update_step()])
        steps[0].write({"builder_x": 30, "builder_y": 140})
        copy = self.env["crm.workflow"]._import_json(workflow._export_json())
        self.assertEqual((copy.step_ids.builder_x, copy.step_ids.builder_y), (30, 140))
