# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

OFFSET_UNITS = [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")]
MAX_OFFSET = {"minutes": 366 * 24 * 60, "hours": 366 * 24, "days": 366}


class CrmActivityReminderRule(models.AbstractModel):
    """What a reminder is: who it is for, how it goes out and how long
    before the activity starts. Company defaults and each activity's own
    reminder lines share it."""

    _name = "crm.activity.reminder.rule"
    _description = "Activity Reminder Rule"
    _order = "audience, offset_minutes desc, id"

    audience = fields.Selection(
        [("customer", "Customer"), ("operator", "Operator")],
        required=True,
        default="customer",
    )
    channel = fields.Selection(
        [("sms", "SMS"), ("email", "E-mail")], required=True, default="sms"
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'crm.activity.reminder')]",
        ondelete="restrict",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS Template",
        domain="[('model', '=', 'crm.activity.reminder')]",
        ondelete="restrict",
    )
    offset_value = fields.Integer(string="Time Before", required=True, default=1)
    offset_unit = fields.Selection(
        OFFSET_UNITS, string="Unit", required=True, default="hours"
    )
    offset_minutes = fields.Integer(
        compute="_compute_offset_minutes",
        store=True,
        help="The time before, in minutes (for sorting and the scan).",
    )
    email_bcc = fields.Char(
        string="Blind Copy To",
        related="mail_template_id.email_bcc",
        help="The e-mail template's BCC addresses: they get a blind copy.",
    )
    email_account_warning = fields.Char(compute="_compute_email_account_warning")

    @api.depends("offset_value", "offset_unit")
    def _compute_offset_minutes(self):
        factor = {"minutes": 1, "hours": 60, "days": 24 * 60}
        for rule in self:
            rule.offset_minutes = rule.offset_value * factor.get(rule.offset_unit, 0)

    @api.depends("channel")
    def _compute_email_account_warning(self):
        for rule in self:
            rule.email_account_warning = (
                rule.channel == "email"
                and not rule._reminder_company()._crm_alert_has_system_account()
                and self.env._(
                    "E-mail reminders are sent from the alerts e-mail account: "
                    "configure it first in Settings → CRM → CRM Alerts."
                )
            ) or False

    def _line_values(self):
        """This rule as the values of an activity's reminder line."""
        self.ensure_one()
        return {
            "audience": self.audience,
            "channel": self.channel,
            "mail_template_id": self.mail_template_id.id,
            "sms_template_id": self.sms_template_id.id,
            "offset_value": self.offset_value,
            "offset_unit": self.offset_unit,
        }

    def _reminder_company(self):
        """The company whose alerts account sends this reminder."""
        return self.env.company

    def _offset(self):
        self.ensure_one()
        return relativedelta(**{self.offset_unit: self.offset_value})

    @api.onchange("channel")
    def _onchange_channel_default_template(self):
        for rule in self:
            if rule.channel == "sms" and not rule.sms_template_id:
                rule.sms_template_id = rule._default_template("sms")
            if rule.channel == "email" and not rule.mail_template_id:
                rule.mail_template_id = rule._default_template("email")

    def _default_template(self, channel):
        xmlid = f"crm_alert_automation.{channel}_template_reminder_{self.audience}"
        return self.env.ref(xmlid, raise_if_not_found=False)

    def _description_line(self):
        """'SMS 1 Hours before' (for messages naming the line)."""
        self.ensure_one()
        channel = dict(self._fields["channel"]._description_selection(self.env))
        unit = dict(self._fields["offset_unit"]._description_selection(self.env))
        return self.env._(
            "%(channel)s %(value)s %(unit)s before",
            channel=channel.get(self.channel, ""),
            value=self.offset_value,
            unit=unit.get(self.offset_unit, "").lower(),
        )

    @api.constrains("offset_value", "offset_unit")
    def _check_offset(self):
        for rule in self:
            if rule.offset_value <= 0:
                raise ValidationError(
                    self.env._(
                        "Time Before (%(line)s): a reminder goes out before the "
                        "activity starts, so the time before must be more than 0.",
                        line=rule._description_line(),
                    )
                )
            if rule.offset_value > MAX_OFFSET[rule.offset_unit]:
                raise ValidationError(
                    self.env._(
                        "Time Before (%(line)s): at most a year before the start.",
                        line=rule._description_line(),
                    )
                )

    @api.constrains("channel", "mail_template_id", "sms_template_id")
    def _check_template(self):
        for rule in self:
            if rule.channel == "sms" and not rule.sms_template_id:
                raise ValidationError(
                    self.env._(
                        "SMS Template (%(line)s): pick the SMS template to send.",
                        line=rule._description_line(),
                    )
                )
            if rule.channel == "email" and not rule.mail_template_id:
                raise ValidationError(
                    self.env._(
                        "E-mail Template (%(line)s): pick the e-mail template to send.",
                        line=rule._description_line(),
                    )
                )
            if rule.channel == "email" and rule.email_account_warning:
                raise ValidationError(
                    self.env._(
                        "Channel (%(line)s): %(warning)s",
                        line=rule._description_line(),
                        warning=rule.email_account_warning,
                    )
                )
