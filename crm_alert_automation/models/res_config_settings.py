# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ipaddress
import re

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import EVENT_NAMES
from .res_company import MESSAGE_CHANNELS, SPAM_WARNING_HOURS

ORDER_OPTIONS = (
    "crm_alert_welcome_on_import",
    "crm_alert_order_created_on_quotation",
    "crm_alert_order_followup_hour",
    "crm_alert_order_received_days",
    "crm_alert_quiet_hours",
    "crm_alert_quiet_start",
    "crm_alert_quiet_end",
)
EVENT_OPTIONS = (
    "enabled",
    "channel",
    "mail_template_id",
    "sms_template_id",
    "wa_template_id",
    "fallback",
)


def _order_event_fields(label, model):
    return (
        fields.Boolean(string=f"{label} Message"),
        fields.Selection(MESSAGE_CHANNELS, string=f"{label} Channel"),
        fields.Many2one(
            "mail.template",
            string=f"{label} E-mail Template",
            domain=[("model", "=", model)],
        ),
        fields.Many2one(
            "sms.template",
            string=f"{label} Text Template",
            domain=[("model", "=", model)],
        ),
        fields.Many2one(
            "crm.alert.whatsapp.template",
            string=f"{label} WhatsApp Template",
            domain=[("model", "=", model)],
        ),
        fields.Boolean(string=f"{label} Fallback"),
    )


# Settings fields that mirror a res.company field of the same name. They are
# plain (not related) fields so that Save writes them to the company in one
# write and the company's constraints judge the whole new configuration.
COMPANY_FIELDS = (
    "crm_alert_email_from",
    "crm_alert_activity_enabled",
    "crm_alert_activity_interval",
    "crm_alert_activity_sender",
    "crm_alert_late_enabled",
    "crm_alert_late_interval",
    "crm_alert_late_sender",
    "crm_alert_late_email",
    "crm_alert_late_user_ids",
    "crm_alert_due_hour",
    "crm_alert_retention_days",
)
# A host name: dot-separated labels of letters, digits and inner hyphens.
HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
MAX_HOST_LENGTH = 253
SMTP_ENCRYPTION = [
    ("none", "None"),
    ("starttls", "TLS (STARTTLS)"),
    ("ssl", "SSL/TLS"),
]


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_alert_customer_reminder_default = fields.Boolean(
        related="company_id.crm_alert_customer_reminder_default", readonly=False
    )
    crm_alert_operator_reminder_default = fields.Boolean(
        related="company_id.crm_alert_operator_reminder_default", readonly=False
    )
    crm_alert_reminder_default_count = fields.Integer(
        compute="_compute_crm_alert_reminder_default_count"
    )
    crm_alert_smtp_host = fields.Char(
        string="SMTP Server",
        groups="base.group_system",
        help="e.g. smtp.yourcompany.com",
    )
    crm_alert_smtp_port = fields.Integer(
        string="SMTP Port", default=587, groups="base.group_system"
    )
    crm_alert_smtp_encryption = fields.Selection(
        SMTP_ENCRYPTION,
        string="SMTP Encryption",
        default="starttls",
        groups="base.group_system",
    )
    crm_alert_smtp_user = fields.Char(
        string="SMTP User Name", groups="base.group_system"
    )
    # Write-only: never loaded, so the saved password never reaches a browser.
    crm_alert_smtp_password = fields.Char(
        string="SMTP Password", groups="base.group_system"
    )
    crm_alert_smtp_password_set = fields.Boolean(
        string="SMTP Password Saved", readonly=True, groups="base.group_system"
    )
    crm_alert_email_from = fields.Char(string="Alerts Sender Address")
    crm_alert_activity_enabled = fields.Boolean(string="Activity Alerts")
    crm_alert_activity_interval = fields.Integer(
        string="Activity Alert Interval (hours)"
    )
    crm_alert_activity_sender = fields.Selection(
        [("system", "System account"), ("owner", "Activity owner's account")],
        string="Activity Alert Sender",
    )
    crm_alert_late_enabled = fields.Boolean(string="Late Response Notifications")
    crm_alert_late_interval = fields.Integer(string="Late Response Interval (hours)")
    crm_alert_late_sender = fields.Selection(
        [("system", "System account"), ("email", "Specific e-mail")],
        string="Late Response Sender",
    )
    crm_alert_late_email = fields.Char(string="Late Response Sender E-mail")
    crm_alert_late_user_ids = fields.Many2many(
        "res.users", string="Escalation Recipients", domain=[("share", "=", False)]
    )
    crm_alert_due_hour = fields.Float(string="Activity Due Time")
    crm_alert_retention_days = fields.Integer(string="Keep Sent Messages (days)")
    # Customer messages along the sales order (see tools/events.py)
    (
        crm_alert_welcome_enabled,
        crm_alert_welcome_channel,
        crm_alert_welcome_mail_template_id,
        crm_alert_welcome_sms_template_id,
        crm_alert_welcome_wa_template_id,
        crm_alert_welcome_fallback,
    ) = _order_event_fields("Welcome", "res.partner")
    (
        crm_alert_order_created_enabled,
        crm_alert_order_created_channel,
        crm_alert_order_created_mail_template_id,
        crm_alert_order_created_sms_template_id,
        crm_alert_order_created_wa_template_id,
        crm_alert_order_created_fallback,
    ) = _order_event_fields("Order Created", "sale.order")
    (
        crm_alert_order_paid_enabled,
        crm_alert_order_paid_channel,
        crm_alert_order_paid_mail_template_id,
        crm_alert_order_paid_sms_template_id,
        crm_alert_order_paid_wa_template_id,
        crm_alert_order_paid_fallback,
    ) = _order_event_fields("Order Paid", "sale.order")
    (
        crm_alert_order_shipped_enabled,
        crm_alert_order_shipped_channel,
        crm_alert_order_shipped_mail_template_id,
        crm_alert_order_shipped_sms_template_id,
        crm_alert_order_shipped_wa_template_id,
        crm_alert_order_shipped_fallback,
    ) = _order_event_fields("Order Shipped", "stock.picking")
    (
        crm_alert_order_followup_enabled,
        crm_alert_order_followup_channel,
        crm_alert_order_followup_mail_template_id,
        crm_alert_order_followup_sms_template_id,
        crm_alert_order_followup_wa_template_id,
        crm_alert_order_followup_fallback,
    ) = _order_event_fields("Delivery Follow-up", "sale.order")
    (
        crm_alert_order_received_enabled,
        crm_alert_order_received_channel,
        crm_alert_order_received_mail_template_id,
        crm_alert_order_received_sms_template_id,
        crm_alert_order_received_wa_template_id,
        crm_alert_order_received_fallback,
    ) = _order_event_fields("Order Received", "sale.order")
    crm_alert_welcome_on_import = fields.Boolean(string="Welcome Imported Contacts")
    crm_alert_order_created_on_quotation = fields.Boolean(
        string="Order Created: on Quotation Saved"
    )
    crm_alert_order_followup_hour = fields.Float(string="Delivery Follow-up Time")
    crm_alert_order_received_days = fields.Integer(string="Order Received Delay (days)")
    crm_alert_quiet_hours = fields.Boolean(string="Quiet Hours")
    crm_alert_quiet_start = fields.Float(string="Quiet From")
    crm_alert_quiet_end = fields.Float(string="Quiet Until")

    @api.model
    def get_values(self):
        res = super().get_values()
        # get_values() and default_get() are callable over RPC by any user:
        # the alerts configuration (SMTP account included) is for Settings
        # administrators only.
        if not self.env.is_system():
            return res
        company = self.env.company
        for name in COMPANY_FIELDS:
            value = company[name]
            is_relation = isinstance(value, models.BaseModel)
            res[name] = [Command.set(value.ids)] if is_relation else value
        server = company.sudo().crm_alert_mail_server_id
        res.update(
            crm_alert_smtp_host=server.smtp_host or False,
            crm_alert_smtp_port=server.smtp_port or 587,
            crm_alert_smtp_encryption=server.smtp_encryption or "starttls",
            crm_alert_smtp_user=server.smtp_user or False,
            crm_alert_smtp_password_set=bool(server.smtp_pass),
        )
        res.update(self._crm_alert_order_message_settings(company))
        return res

    def set_values(self):
        res = super().set_values()
        self._crm_alert_save_mail_server()
        self.company_id.write(self._crm_alert_company_values())
        # Second write: the e-mail account above is saved when the customer
        # messages' constraints check it.
        self.company_id.write(self._crm_alert_order_message_values())
        return res

    @api.model
    def _crm_alert_order_message_settings(self, company):
        company = company.sudo()
        res = {name: company[name] for name in ORDER_OPTIONS}
        for event in EVENT_NAMES:
            res.update(
                {
                    f"crm_alert_{event}_enabled": company[f"crm_alert_{event}_enabled"],
                    f"crm_alert_{event}_channel": (
                        company[f"crm_alert_{event}_channel"] or "whatsapp"
                    ),
                    # The template in use: the company's, else the shipped one.
                    f"crm_alert_{event}_mail_template_id": (
                        company._crm_alert_event_template(event, "email").id
                    ),
                    f"crm_alert_{event}_sms_template_id": (
                        company._crm_alert_event_template(event, "sms").id
                    ),
                    f"crm_alert_{event}_wa_template_id": (
                        company[f"crm_alert_{event}_wa_template_id"].id
                    ),
                    f"crm_alert_{event}_fallback": company[
                        f"crm_alert_{event}_fallback"
                    ],
                }
            )
        return res

    def _crm_alert_order_message_values(self):
        values = {name: self[name] for name in ORDER_OPTIONS}
        for event in EVENT_NAMES:
            for name in EVENT_OPTIONS:
                field = f"crm_alert_{event}_{name}"
                value = self[field]
                if isinstance(value, models.BaseModel):
                    value = value.id
                values[field] = value or ("whatsapp" if name == "channel" else value)
        return values

    def _crm_alert_company_values(self):
        values = {name: self[name] for name in COMPANY_FIELDS}
        for name in ("crm_alert_email_from", "crm_alert_late_email"):
            if isinstance(values[name], str):
                values[name] = values[name].strip() or False
        values["crm_alert_late_user_ids"] = [
            Command.set(self.crm_alert_late_user_ids.ids)
        ]
        if values["crm_alert_late_sender"] != "email":
            values["crm_alert_late_email"] = False
        return values

    def _crm_alert_save_mail_server(self):
        """Create, update or detach the company's dedicated alerts server."""
        self.ensure_one()
        company = self.company_id.sudo()
        server = company.crm_alert_mail_server_id
        host = (self.crm_alert_smtp_host or "").strip(" ")
        email_from = (self.crm_alert_email_from or "").strip()
        # Checked before anything is written: Test Connection saves the
        # server without the company's constraints ever seeing the values.
        self.env["res.company"]._crm_alert_check_address(
            email_from, "crm_alert_email_from"
        )
        if not host:
            if server:
                server.active = False
                company.crm_alert_mail_server_id = False
            return server.browse()
        if not self._crm_alert_is_host(host):
            shown = host if len(host) <= 80 else host[:80] + "…"
            raise ValidationError(
                self.env._(
                    "SMTP Server must be a host name such as smtp.example.com or "
                    "an IP address, without spaces or line breaks, at most "
                    "%(max)s characters (got %(value)r).",
                    max=MAX_HOST_LENGTH,
                    value=shown,
                )
            )
        if not 0 < self.crm_alert_smtp_port < 65536:
            raise ValidationError(
                self.env._(
                    "SMTP Port must be a number from 1 to 65535 (got %(port)s).",
                    port=self.crm_alert_smtp_port,
                )
            )
        values = {
            "name": self.env._("CRM Alerts (%(company)s)", company=company.name),
            "smtp_host": host,
            "smtp_port": self.crm_alert_smtp_port,
            "smtp_encryption": self.crm_alert_smtp_encryption or "none",
            "smtp_authentication": "login",
            "smtp_user": self.crm_alert_smtp_user or False,
            "from_filter": email_from or False,
            # Never the default server for Odoo's other outgoing mail.
            "sequence": 100,
            "active": True,
        }
        if self.crm_alert_smtp_password:
            values["smtp_pass"] = self.crm_alert_smtp_password
        elif not self.crm_alert_smtp_user:
            values["smtp_pass"] = False
        if server:
            server.write(values)
        else:
            server = server.create(values)
            company.crm_alert_mail_server_id = server
        return server

    @api.model
    def _crm_alert_is_host(self, host):
        """A host name (smtp.example.com) or an IP address, at most 253
        characters."""
        if not host or len(host) > MAX_HOST_LENGTH:
            return False
        try:
            return bool(ipaddress.ip_address(host))
        except ValueError:  # not an IP address: a host name, then?
            labels = host.removesuffix(".").split(".")
            return all(HOST_LABEL.fullmatch(label) for label in labels)

    def action_crm_alert_test_smtp(self):
        """Save the typed e-mail configuration and test it with Odoo's SMTP test."""
        self.ensure_one()
        server = self._crm_alert_save_mail_server()
        if not server:
            raise ValidationError(
                self.env._("SMTP Server: enter the server name before testing it.")
            )
        return server.test_smtp_connection()

    def action_crm_alert_reset(self):
        self.company_id.action_crm_alert_reset()
        return {"type": "ir.actions.client", "tag": "reload"}

    @api.onchange("crm_alert_activity_interval", "crm_alert_late_interval")
    def _onchange_crm_alert_interval_spam_warning(self):
        short = [
            self._fields[name]._description_string(self.env)
            for name in ("crm_alert_activity_interval", "crm_alert_late_interval")
            if 0 < self[name] < SPAM_WARNING_HOURS
        ]
        if short:
            return {
                "warning": {
                    "title": self.env._("Very short interval"),
                    "message": self.env._(
                        "%(fields)s is under %(hours)s hours: alerts this close "
                        "together may feel like spam to your team.",
                        fields=", ".join(short),
                        hours=SPAM_WARNING_HOURS,
                    ),
                    "type": "notification",
                }
            }

    @api.depends("company_id")
    def _compute_crm_alert_reminder_default_count(self):
        for settings in self:
            settings.crm_alert_reminder_default_count = len(
                settings.company_id.crm_alert_reminder_default_ids
            )

    def action_crm_alert_reminder_defaults(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alert_automation.crm_activity_reminder_default_action"
        )
        action["context"] = {"default_company_id": self.company_id.id}
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action
