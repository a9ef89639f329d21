# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmAlertMessageAttempt(models.Model):
    """One try at sending an outbox message, and what came of it."""

    _name = "crm.alert.message.attempt"
    _description = "CRM Alert Message Attempt"
    _order = "attempted_at, id"

    message_id = fields.Many2one(
        "crm.alert.message", required=True, index=True, ondelete="cascade"
    )
    # The message's company, set when the attempt is recorded (a stored
    # related field would cost an UPDATE per attempt).
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    gateway_id = fields.Many2one("crm.alert.gateway", index=True, ondelete="set null")
    attempted_at = fields.Datetime(
        required=True, default=fields.Datetime.now, index=True, readonly=True
    )
    outcome = fields.Selection(
        [
            ("sent", "Sent"),
            ("retry", "Failed, will retry"),
            ("failed", "Failed"),
            ("skipped", "Skipped"),
        ],
        required=True,
    )
    http_status = fields.Integer(string="HTTP Status")
    detail = fields.Text()
