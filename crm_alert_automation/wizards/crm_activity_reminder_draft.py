# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

# Copied onto the activity the dialog creates.
LINE_FIELDS = (
    "audience",
    "channel",
    "mail_template_id",
    "sms_template_id",
    "offset_value",
    "offset_unit",
    "partner_id",
    "user_id",
    "phone",
    "email",
)


class CrmActivityReminderDraft(models.TransientModel):
    """A reminder line of the Schedule Activity dialog, before the activity
    exists."""

    _name = "crm.activity.reminder.draft"
    _inherit = "crm.activity.reminder.line"
    _description = "Activity Reminder (Schedule Activity dialog)"

    schedule_id = fields.Many2one(
        "mail.activity.schedule", required=True, ondelete="cascade"
    )

    def _reminder_holder(self):
        return self.schedule_id or super()._reminder_holder()

    def _activity_line_values(self):
        return [
            {
                name: line[name].id if name.endswith("_id") else line[name]
                for name in LINE_FIELDS
            }
            for line in self
        ]
