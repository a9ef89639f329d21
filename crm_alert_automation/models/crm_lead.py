# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmLead(models.Model):
    _name = "crm.lead"
    _inherit = ["crm.lead", "crm.workflow.record"]

    crm_workflow_leader_partner_id = fields.Many2one(
        related="team_id.user_id.partner_id",
        string="Team Leader Contact",
        help="The sales team leader's contact (workflow messages to the supervisor).",
    )
