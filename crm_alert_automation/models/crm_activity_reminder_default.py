# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmActivityReminderDefault(models.Model):
    """A company's default reminder, copied onto each new activity while
    the default for its audience is on."""

    _name = "crm.activity.reminder.default"
    _inherit = "crm.activity.reminder.rule"
    _description = "Default Activity Reminder"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        ondelete="cascade",
    )

    def _reminder_company(self):
        return self.company_id or self.env.company
