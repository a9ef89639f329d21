# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmWorkflowRecord(models.AbstractModel):
    """Smart button *Workflows* on a record: its workflow runs."""

    _name = "crm.workflow.record"
    _description = "Record with Workflow Runs"

    crm_workflow_run_count = fields.Integer(
        string="Workflow Runs", compute="_compute_crm_workflow_run_count"
    )

    def _compute_crm_workflow_run_count(self):
        counts = dict(
            self.env["crm.workflow.run"]._read_group(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        for record in self:
            record.crm_workflow_run_count = counts.get(record.id, 0)

    def action_view_crm_workflow_runs(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "crm_alert_automation.crm_workflow_run_action"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "=", self.id)]
        action["context"] = {}
        return action
