# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..models.crm_activity_reminder_holder import AUDIENCES


class MailActivitySchedule(models.TransientModel):
    """The Schedule Activity dialog gets an "Automatic reminders" tab."""

    _name = "mail.activity.schedule"
    _inherit = ["mail.activity.schedule", "crm.activity.reminder.holder"]

    crm_alert_customer_line_ids = fields.One2many(
        "crm.activity.reminder.draft",
        "schedule_id",
        string="Customer Reminders",
        domain=[("audience", "=", "customer")],
        context={"default_audience": "customer"},
    )
    crm_alert_operator_line_ids = fields.One2many(
        "crm.activity.reminder.draft",
        "schedule_id",
        string="Operator Reminders",
        domain=[("audience", "=", "operator")],
        context={"default_audience": "operator"},
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "crm_alert_customer_reminder" in fields_list:
            dialog = self.new({k: res[k] for k in ("res_model", "res_ids") if k in res})
            if not dialog.is_batch_mode:
                res.update(dialog._reminder_defaults_values())
        return res

    def _reminder_document(self):
        records = self._get_applied_on_records() if self.res_model else None
        return records if records and len(records) == 1 else None

    def _reminder_responsible(self):
        return self.activity_user_id

    def _reminder_company(self):
        return self.company_id or self.env.company

    @api.onchange("activity_user_id")
    def _onchange_activity_user_reminders(self):
        """Operator reminders follow the responsible user."""
        for dialog in self.filtered("crm_alert_operator_reminder"):
            dialog._set_reminder_lines(
                "operator", dialog._reminder_line_values("operator")
            )

    def _action_schedule_activities(self):
        if self.is_batch_mode:
            return super()._action_schedule_activities()
        activities = super(
            MailActivitySchedule,
            self.with_context(crm_alert_reminders_given=True),
        )._action_schedule_activities()
        activities.write(self._reminder_activity_values())
        return activities

    def _reminder_activity_values(self):
        values = {}
        for audience in AUDIENCES:
            lines = self[f"crm_alert_{audience}_line_ids"]
            values[f"crm_alert_{audience}_reminder"] = self[
                f"crm_alert_{audience}_reminder"
            ]
            values[f"crm_alert_{audience}_line_ids"] = [
                fields.Command.create(vals) for vals in lines._activity_line_values()
            ]
        return values
