# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmWorkflowFromTemplate(models.TransientModel):
    """New workflow from a ready-made template."""

    _name = "crm.workflow.from.template"
    _description = "New Workflow from Template"

    template_id = fields.Many2one(
        "crm.workflow",
        required=True,
        domain="[('is_template', '=', True)]",
        context={"active_test": False},
    )
    description = fields.Text(related="template_id.description")
    name = fields.Char(help="Empty: the template's name.")
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    def action_create(self):
        self.ensure_one()
        workflow = self.env["crm.workflow"]._import_json(
            self.template_id._export_json(),
            company=self.company_id,
            name=self.name or self.template_id.name,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "crm.workflow",
            "res_id": workflow.id,
            "view_mode": "form",
            "target": "current",
        }
