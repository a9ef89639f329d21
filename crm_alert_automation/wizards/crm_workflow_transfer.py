# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmWorkflowTransfer(models.TransientModel):
    """Export a workflow as JSON, or import one."""

    _name = "crm.workflow.transfer"
    _description = "Workflow Export / Import"

    workflow_id = fields.Many2one("crm.workflow", ondelete="cascade")
    file = fields.Binary(
        string="JSON File", compute="_compute_file", store=True, readonly=False
    )
    filename = fields.Char(compute="_compute_file", store=True, readonly=False)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    @api.depends("workflow_id")
    def _compute_file(self):
        for transfer in self:
            if not transfer.workflow_id:
                continue
            data = transfer.workflow_id._export_json()
            transfer.file = base64.b64encode(
                json.dumps(data, indent=2, ensure_ascii=False).encode()
            )
            transfer.filename = f"{transfer.workflow_id.name}.json"

    def action_import(self):
        self.ensure_one()
        if not self.file:
            raise ValidationError(self.env._("JSON File: choose a file to import."))
        try:
            data = json.loads(base64.b64decode(self.file))
        except ValueError as error:
            raise ValidationError(
                self.env._("JSON File: not a JSON file (%(error)s).", error=error)
            ) from error
        workflow = self.env["crm.workflow"]._import_json(data, company=self.company_id)
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.workflow",
            "res_id": workflow.id,
            "view_mode": "form",
            "target": "current",
        }
