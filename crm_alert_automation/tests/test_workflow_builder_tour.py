# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The visual workflow builder in headless Chromium, as a sales manager."""

import logging
import os
import re

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install", "crm_alert")
class TestWorkflowBuilderTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        server = cls.env["ir.mail_server"].create(
            {"name": "builder tour", "smtp_host": "127.0.0.1", "smtp_port": 2525}
        )
        cls.company.write(
            {
                "crm_alert_mail_server_id": server.id,
                "crm_alert_email_from": "crm-alerts@builder.example.com",
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="wf_builder_manager",
            name="Builder Manager",
            email="builder.manager@example.com",
            groups="sales_team.group_sale_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def new_workflow(self, name, model="crm.lead", trigger="manual", **vals):
        """An inactive workflow of the company (the builder's starting point)."""
        return self.env["crm.workflow"].create(
            {
                "name": name,
                "company_id": self.company.id,
                "model_id": self.env["ir.model"]._get(model).id,
                "trigger": trigger,
                "active": False,
                **vals,
            }
        )

    def url(self, workflow, debug=True):
        action = self.env.ref("crm_alert_automation.crm_workflow_action")
        return f"/odoo/action-{action.id}/{workflow.id}{'?debug=1' if debug else ''}"

    def test_build_the_second_template_by_dragging(self):
        self.env["crm.lead"].create(
            {"name": "Builder Tour Deal", "user_id": self.manager.id}
        )
        workflow = self.new_workflow(
            "Task reminder, drawn", model="mail.activity", trigger="created"
        )
        self.start_tour(
            self.url(workflow), "crm_workflow_builder_tour", login=self.manager.login
        )
        steps = workflow.step_ids.sorted("sequence")
        self.assertEqual(
            steps.mapped("kind"), ["action", "wait", "condition", "action"]
        )
        remind, wait, condition, review = steps
        self.assertEqual(remind.next_step_id, wait)
        self.assertEqual(wait.next_step_id, condition)
        self.assertEqual(condition.next_step_id, review)
        self.assertEqual((wait.wait_amount, wait.wait_unit), (10, "minutes"))
        self.assertEqual(
            condition.condition_domain,
            "[('activity_type_id.category', '=', 'meeting')]",
        )
        self.assertTrue(workflow.active)
        positions = {(s.builder_x, s.builder_y) for s in steps}
        self.assertEqual(len(positions), 4, "auto-arranged, saved positions")
        run = self.env["crm.workflow.run"].search([("workflow_id", "=", workflow.id)])
        self.assertEqual((run.state, run.step_id), ("waiting", wait))

    def test_new_from_template_shows_small_diagrams(self):
        action = self.env.ref("crm_alert_automation.crm_workflow_from_template_action")
        self.start_tour(
            f"/odoo/action-{action.id}",
            "crm_workflow_from_template_tour",
            login=self.manager.login,
        )
        workflow = self.env["crm.workflow"].search(
            [
                ("name", "=", "New task → remind the team → meeting review"),
                ("is_template", "=", False),
            ]
        )
        self.assertEqual(len(workflow.step_ids), 4)

    def test_keyboard_and_drop_on_an_edge(self):
        """Arrow keys move a node, Delete deletes it, a step dropped on a
        connection goes between its two steps; all saved."""
        workflow = self.new_workflow(
            "Keyboard", builder_trigger_x=300, builder_trigger_y=0
        )
        Step = self.env["crm.workflow.step"]
        first, second, spare = Step.create(
            [
                {
                    "workflow_id": workflow.id,
                    "sequence": i,
                    "name": name,
                    "kind": "end" if name == "Second" else "wait",
                    "builder_x": x,
                    "builder_y": y,
                }
                for i, (name, x, y) in enumerate(
                    [("First", 300, 170), ("Second", 300, 500), ("Spare", 650, 170)]
                )
            ]
        )
        first.next_step_id = second
        self.start_tour(
            self.url(workflow),
            "crm_workflow_builder_keyboard_tour",
            login=self.manager.login,
        )
        self.assertFalse(spare.exists(), "deleted with the Delete key")
        wait = workflow.step_ids - first - second
        self.assertEqual(wait.kind, "wait")
        self.assertEqual(first.next_step_id, wait, "the drop went on the connection")
        self.assertEqual(wait.next_step_id, second)
        self.assertEqual((second.builder_x, second.builder_y), (320, 510))

    def test_bench_200_steps(self):
        """Auto-arrange and render of a 200-step workflow, under 300 ms."""
        workflow = self.new_workflow("Two hundred steps")
        steps = self.env["crm.workflow.step"].create(
            [
                {
                    "workflow_id": workflow.id,
                    "sequence": i,
                    "name": f"Step {i}",
                    "kind": "condition" if i % 5 == 0 else "wait",
                    # a grid: placed, but not the way dagre lays it out
                    "builder_x": (i % 10) * 250,
                    "builder_y": (i // 10) * 120,
                }
                for i in range(1, 201)
            ]
        )
        for i, step in enumerate(steps):
            links = {"next_step_id": steps[i + 1].id} if i + 1 < len(steps) else {}
            if step.kind == "condition" and i + 3 < len(steps):
                links["no_step_id"] = steps[i + 3].id
            step.write(links)
        figures = []

        class Figures(logging.Handler):
            def emit(self, record):
                match = re.search(
                    r"crm_workflow_builder_bench: (\d+) steps .* in ([\d.]+) ms "
                    r"\(layout ([\d.]+) ms\)",
                    record.getMessage(),
                )
                if match:
                    figures.append(tuple(float(g) for g in match.groups()))

        # the browser's console lines come as INFO records of this test's logger
        handler = Figures(level=logging.INFO)
        browser_logger = self._logger
        level = browser_logger.level
        browser_logger.addHandler(handler)
        browser_logger.setLevel(logging.INFO)
        try:
            self.start_tour(
                # not in debug mode: OWL's dev checks are not what users run
                self.url(workflow, debug=False),
                "crm_workflow_builder_bench_tour",
                login=self.manager.login,
            )
        finally:
            browser_logger.removeHandler(handler)
            browser_logger.setLevel(level)
        self.assertEqual(len(figures), 1, "the tour reports its figure")
        nodes, total_ms, layout_ms = figures[0]
        load = os.getloadavg()[0]
        # the figure belongs in the test output (pytest -s shows it)
        print(  # pylint: disable=print-used
            f"\n200-step auto-arrange: {total_ms:.1f} ms click to screen "
            f"(layout {layout_ms:.1f} ms), load average {load:.2f} "
            f"on {os.cpu_count()} CPUs"
        )
        self.assertEqual(nodes, 200)
        # the target is 300 ms (README); a machine shared with other work
        # (load above its CPU count) gets a guard against regressions only
        bound = 300 if load < os.cpu_count() else 1000
        self.assertLess(total_ms, bound, f"load average {load:.2f}")
