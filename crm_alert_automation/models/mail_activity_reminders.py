# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..tools import record_of
from .crm_activity_reminder_holder import AUDIENCES

MOVING_FIELDS = {
    "date_deadline",
    "calendar_event_id",
    "active",
    "crm_alert_customer_reminder",
    "crm_alert_operator_reminder",
}


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "crm.activity.reminder.holder"]

    crm_alert_customer_line_ids = fields.One2many(
        "crm.activity.reminder",
        "activity_id",
        string="Customer Reminders",
        domain=[("audience", "=", "customer")],
        context={"default_audience": "customer"},
    )
    crm_alert_operator_line_ids = fields.One2many(
        "crm.activity.reminder",
        "activity_id",
        string="Operator Reminders",
        domain=[("audience", "=", "operator")],
        context={"default_audience": "operator"},
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if (
            "crm_alert_customer_reminder" in fields_list
            and self._reminder_defaults_used()
        ):
            res.update(self.new(res)._reminder_defaults_values())
        return res

    @api.model_create_multi
    def create(self, vals_list):
        if self._reminder_defaults_used():
            for vals in vals_list:
                self._add_default_reminders(vals)
        # The lines created with the activities book their own wake-ups.
        return super().create(vals_list)

    def write(self, vals):
        previous = {a.id: a.user_id for a in self} if "user_id" in vals else {}
        res = super().write(vals)
        if previous:
            self._reminders_follow_responsible(previous)
        if MOVING_FIELDS & set(vals):
            self._reminder_lines()._wake_scanner()
        return res

    def _reminders_follow_responsible(self, previous):
        """Operator reminders of the former responsible user go to the new one."""
        for activity in self:
            former = previous[activity.id]
            if former != activity.user_id:
                activity.crm_alert_operator_line_ids.filtered(
                    lambda line, former=former: line.user_id == former
                )._reassign(activity.user_id)

    def _reminder_lines(self):
        return self.crm_alert_customer_line_ids | self.crm_alert_operator_line_ids

    @api.model
    def _reminder_defaults_used(self):
        """Whether any company copies default reminders onto activities
        (cached: Odoo's activity creation stays as it was otherwise)."""
        return not self.env.context.get("crm_alert_reminders_given") and bool(
            self.env["res.company"]._crm_alert_reminder_default_company_ids()
        )

    def _add_default_reminders(self, vals):
        """Switches and lines a new activity gets from its company's
        defaults, unless the creator chose them."""
        if any(f"crm_alert_{audience}_reminder" in vals for audience in AUDIENCES):
            return
        for key, value in self.new(vals)._reminder_defaults_values().items():
            vals.setdefault(key, value)

    def _reminder_document(self):
        return record_of(self.env, self.res_model, self.res_id)

    def _reminder_responsible(self):
        return self.user_id

    def _reminder_participants(self):
        users = self.calendar_event_id.partner_ids.user_ids
        return users.filtered(lambda user: not user.share) - self.user_id

    def _reminder_company(self):
        return self._crm_alert_company()
