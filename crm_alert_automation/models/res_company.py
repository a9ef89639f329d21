# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import math
import re
from datetime import datetime, time, timedelta

import pytz

from odoo import Command, api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL, email_normalize, formataddr

from ..tools import EVENT_NAMES, EVENTS

MIN_INTERVAL_HOURS = 1
MAX_INTERVAL_HOURS = 720
SPAM_WARNING_HOURS = 2
MESSAGE_CHANNELS = [("whatsapp", "WhatsApp"), ("sms", "SMS"), ("email", "E-mail")]
# The model each event's templates are written for.
EVENT_MODELS = {
    "welcome": "res.partner",
    "order_created": "sale.order",
    "order_paid": "sale.order",
    "order_shipped": "stock.picking",
    "order_followup": "sale.order",
    "order_received": "sale.order",
}
MAX_RECEIVED_DAYS = 365
# The company's alert settings are read together, and only when one is
# needed: Odoo reads companies at almost every click (51 columns less).
# The few an activity's creation reads stay with the company's own.
SETTINGS = "crm_alert_settings"
# The channels tried after each one when an event falls back.
FALLBACK_CHAIN = {"whatsapp": ("sms", "email"), "sms": ("email",), "email": ()}


def _event_fields(event, label, model):
    """(enabled, channel, e-mail template, text template, WhatsApp template,
    fallback) of one event."""
    return (
        fields.Boolean(string=f"{label} Message", prefetch=SETTINGS),
        fields.Selection(
            MESSAGE_CHANNELS,
            string=f"{label} Channel",
            default="whatsapp",
            prefetch=SETTINGS,
        ),
        fields.Many2one(
            "mail.template",
            string=f"{label} E-mail Template",
            domain=[("model", "=", model)],
            ondelete="set null",
            prefetch=SETTINGS,
        ),
        fields.Many2one(
            "sms.template",
            string=f"{label} Text Template",
            domain=[("model", "=", model)],
            ondelete="set null",
            help="The SMS or WhatsApp text.",
            prefetch=SETTINGS,
        ),
        fields.Many2one(
            "crm.alert.whatsapp.template",
            string=f"{label} WhatsApp Template",
            domain=[("model", "=", model)],
            ondelete="set null",
            help="Sent as this Meta-approved template (needed to write first "
            "to a customer who has not written in the last 24 hours); empty: "
            "the text template as a plain WhatsApp message.",
            prefetch=SETTINGS,
        ),
        fields.Boolean(
            string=f"{label} Fallback",
            help="When the message cannot reach the customer on its channel "
            "(no WhatsApp consent, no usable number, refused by the provider), "
            "send it on the next one: WhatsApp → SMS → e-mail.",
            prefetch=SETTINGS,
        ),
    )


# hours of the day (a float: 9.5 is 09:30)
TIME_OF_DAY_FIELDS = (
    "crm_alert_order_followup_hour",
    "crm_alert_quiet_start",
    "crm_alert_quiet_end",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_alert_mail_server_id = fields.Many2one(
        "ir.mail_server",
        string="Alerts Mail Server",
        groups="base.group_system",
        help="Outgoing server of the dedicated account that sends CRM alerts.",
        prefetch=SETTINGS,
    )
    crm_alert_email_from = fields.Char(
        string="Alerts Sender Address",
        help="From address of the system account, e.g. crm-alerts@yourcompany.com.",
        prefetch=SETTINGS,
    )
    crm_alert_activity_enabled = fields.Boolean(string="Activity Alerts")
    crm_alert_activity_interval = fields.Integer(
        string="Activity Alert Interval (hours)",
        default=24,
        help="How many hours before an activity is due its responsible user "
        "is reminded.",
    )
    crm_alert_activity_sender = fields.Selection(
        [("system", "System account"), ("owner", "Activity owner's account")],
        string="Activity Alert Sender",
        default="system",
        required=True,
        prefetch=SETTINGS,
    )
    crm_alert_late_enabled = fields.Boolean(string="Late Response Notifications")
    crm_alert_late_interval = fields.Integer(
        string="Late Response Interval (hours)",
        default=24,
        help="How many hours after the deadline an activity that is still not "
        "done is escalated to the default persons.",
    )
    crm_alert_late_sender = fields.Selection(
        [("system", "System account"), ("email", "Specific e-mail")],
        string="Late Response Sender",
        default="system",
        required=True,
        prefetch=SETTINGS,
    )
    crm_alert_late_email = fields.Char(
        string="Late Response Sender E-mail", prefetch=SETTINGS
    )
    crm_alert_late_user_ids = fields.Many2many(
        "res.users",
        "res_company_crm_alert_late_user_rel",
        "company_id",
        "user_id",
        string="Escalation Recipients",
        help="Users and managers who receive late-response escalations.",
        prefetch=SETTINGS,
    )
    crm_alert_retention_days = fields.Integer(
        string="Keep Sent Messages (days)",
        default=90,
        help="Sent, delivered, skipped and cancelled messages are removed "
        "after this many days; failed ones stay until someone acts on them.",
        prefetch=SETTINGS,
    )
    crm_alert_due_hour = fields.Float(
        string="Activity Due Time",
        default=18.0,
        help="Time of day, in the responsible user's timezone, at which an "
        "activity without a calendar event is due on its deadline day.",
    )

    crm_alert_customer_reminder_default = fields.Boolean(
        string="Remind Customers by Default",
        help="New activities start with customer reminders on, with the "
        "default lines below.",
        prefetch=SETTINGS,
    )
    crm_alert_operator_reminder_default = fields.Boolean(
        string="Remind Operators by Default",
        help="New activities start with operator reminders on, with the "
        "default lines below.",
        prefetch=SETTINGS,
    )
    crm_alert_reminder_default_ids = fields.One2many(
        "crm.activity.reminder.default",
        "company_id",
        string="Default Reminders",
        prefetch=SETTINGS,
    )

    @api.model
    @tools.ormcache()
    def _crm_alert_reminder_default_company_ids(self):
        """Companies whose new activities get default reminders."""
        return tuple(
            self.sudo()
            .search(
                [
                    "|",
                    ("crm_alert_customer_reminder_default", "=", True),
                    ("crm_alert_operator_reminder_default", "=", True),
                ]
            )
            .ids
        )

    def _crm_alert_has_system_account(self):
        company = self.sudo()
        return bool(company.crm_alert_mail_server_id and company.crm_alert_email_from)

    @api.model
    def _crm_alert_default_values(self):
        """The module defaults that Settings' Reset restores."""
        return {
            "crm_alert_activity_enabled": False,
            "crm_alert_activity_interval": 24,
            "crm_alert_activity_sender": "system",
            "crm_alert_late_enabled": False,
            "crm_alert_late_interval": 24,
            "crm_alert_late_sender": "system",
            "crm_alert_late_email": False,
            "crm_alert_late_user_ids": [Command.clear()],
            "crm_alert_due_hour": 18.0,
        }

    def action_crm_alert_reset(self):
        self.write(self._crm_alert_default_values())

    def write(self, vals):
        newly_escalating = self.filtered(lambda c: not c.crm_alert_late_enabled)
        res = super().write(vals)
        if any(f"crm_alert_{event}_enabled" in vals for event in EVENT_NAMES):
            self._crm_alert_sync_event_rules()
        if vals.get("crm_alert_late_enabled"):
            newly_escalating._crm_alert_mark_known_late()
        if any(name.startswith("crm_alert_") for name in vals):
            # the reminder defaults and _crm_alert_event_config_row
            self.env.registry.clear_cache()
            cron = self.env.ref(
                "crm_alert_automation.ir_cron_crm_alert_scan", raise_if_not_found=False
            )
            if cron:
                cron._trigger()
        return res

    def _crm_alert_mark_known_late(self):
        """Activities already late when escalations are switched on are not news.

        Without this, switching escalations on would send a digest of every
        activity ever left undone.
        """
        self.env.flush_all()
        now = fields.Datetime.now()
        for company in self:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE mail_activity a
                       SET crm_alert_escalated_for = a.crm_alert_due_at
                     WHERE a.crm_alert_company_id = %s AND a.active
                       AND a.crm_alert_due_at <= %s
                       AND a.crm_alert_escalated_for IS DISTINCT FROM a.crm_alert_due_at
                    """,
                    company.id,
                    now - timedelta(hours=company.crm_alert_late_interval),
                )
            )
        self.env["mail.activity"].invalidate_model(["crm_alert_escalated_for"])

    # ------------------------------------------------------------------
    # Senders: (From address, ir.mail_server)
    # ------------------------------------------------------------------
    def _crm_alert_system_sender(self):
        self.ensure_one()
        company = self.sudo()
        return (
            formataddr((company.name, company.crm_alert_email_from)),
            company.crm_alert_mail_server_id,
        )

    def _crm_alert_sender_for(self, email_from):
        """Send as ``email_from`` through a server whose FROM filter names it
        (or its domain) when there is one, else through the alerts server."""
        self.ensure_one()
        servers = (
            self.env["ir.mail_server"].sudo().search([("from_filter", "!=", False)])
        )
        matching = servers.filtered(
            lambda server: server._match_from_filter(email_from, server.from_filter)
        )
        return email_from, matching[:1] or self.sudo().crm_alert_mail_server_id

    @api.constrains("crm_alert_activity_interval", "crm_alert_late_interval")
    def _check_crm_alert_intervals(self):
        for company in self:
            for field_name in (
                "crm_alert_activity_interval",
                "crm_alert_late_interval",
            ):
                value = company[field_name]
                if not MIN_INTERVAL_HOURS <= value <= MAX_INTERVAL_HOURS:
                    raise ValidationError(
                        self.env._(
                            "%(field)s must be a whole number of hours from "
                            "%(min)s to %(max)s (got %(value)s).",
                            field=self._fields[field_name]._description_string(
                                self.env
                            ),
                            min=MIN_INTERVAL_HOURS,
                            max=MAX_INTERVAL_HOURS,
                            value=value,
                        )
                    )

    @api.constrains("crm_alert_due_hour")
    def _check_crm_alert_due_hour(self):
        for company in self:
            hour = company.crm_alert_due_hour
            # Used as divmod(round(hour * 60), 60): 23.999 would be 24:00.
            if not math.isfinite(hour) or not 0 <= round(hour * 60) <= 24 * 60 - 1:
                raise ValidationError(
                    self.env._(
                        "Activity Due Time must be a time of day between 00:00 "
                        "and 23:59 (got %(value)s).",
                        value=hour,
                    )
                )

    @api.model
    def _crm_alert_is_plain_address(self, value):
        """One plain address, name@example.com: no display name, no list,
        no line break, at most 254 characters (RFC 5321)."""
        if not isinstance(value, str) or len(value) > 254:
            return False
        atom = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
        label = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
        match = re.fullmatch(rf"({atom}(?:\.{atom})*)@({label}(?:\.{label})*)", value)
        return bool(match) and len(match[1]) <= 64 and bool(email_normalize(value))

    @api.model
    def _crm_alert_check_address(self, value, field_name, required=False):
        """ValidationError naming the field unless ``value`` is one plain
        address (or empty, when it is not required)."""
        if not value and not required:
            return
        if self._crm_alert_is_plain_address(value):
            return
        label = self._fields[field_name]._description_string(self.env)
        shown = value or ""
        if len(shown) > 80:
            shown = shown[:80] + "…"
        if field_name == "crm_alert_late_email":
            raise ValidationError(
                self.env._(
                    "%(field)s is required when the sender is 'Specific e-mail' "
                    "and must be one valid address like name@example.com, without "
                    "a display name (got '%(value)s').",
                    field=label,
                    value=shown,
                )
            )
        raise ValidationError(
            self.env._(
                "%(field)s '%(value)s' is not a valid e-mail address; use the "
                "form name@example.com (one address, without a display name, "
                "at most 254 characters).",
                field=label,
                value=shown,
            )
        )

    @api.constrains(
        "crm_alert_email_from", "crm_alert_late_sender", "crm_alert_late_email"
    )
    def _check_crm_alert_addresses(self):
        for company in self:
            company._crm_alert_check_address(
                company.crm_alert_email_from, "crm_alert_email_from"
            )
            company._crm_alert_check_address(
                company.crm_alert_late_email,
                "crm_alert_late_email",
                required=company.crm_alert_late_sender == "email",
            )

    @api.constrains("crm_alert_late_enabled", "crm_alert_late_user_ids")
    def _check_crm_alert_escalation_recipients(self):
        for company in self.filtered("crm_alert_late_enabled"):
            if not company.crm_alert_late_user_ids:
                raise ValidationError(
                    self.env._(
                        "Escalation Recipients: choose at least one default person "
                        "to receive late-response notifications, or switch them off."
                    )
                )
            without_email = company.crm_alert_late_user_ids.filtered(
                lambda user: not email_normalize(user.email or "")
            )
            if without_email:
                raise ValidationError(
                    self.env._(
                        "Escalation Recipients: %(users)s has no valid e-mail "
                        "address. Add one on the user, or remove them from the list.",
                        users=", ".join(without_email.mapped("name")),
                    )
                )

    @api.constrains(
        "crm_alert_activity_enabled",
        "crm_alert_activity_sender",
        "crm_alert_late_enabled",
        "crm_alert_late_sender",
        "crm_alert_mail_server_id",
        "crm_alert_email_from",
    )
    def _check_crm_alert_system_account(self):
        for company in self.sudo():
            if not company._crm_alert_uses_system_account():
                continue
            if not company.crm_alert_mail_server_id:
                raise ValidationError(
                    self.env._(
                        "SMTP Server: alerts sent from the system account need "
                        "the e-mail configuration (SMTP server) filled in first."
                    )
                )
            if not company.crm_alert_email_from:
                raise ValidationError(
                    self.env._(
                        "Alerts Sender Address: alerts sent from the system "
                        "account need the account's e-mail address."
                    )
                )

    def _crm_alert_uses_system_account(self):
        self.ensure_one()
        return (
            self.crm_alert_activity_enabled
            and self.crm_alert_activity_sender == "system"
        ) or (self.crm_alert_late_enabled and self.crm_alert_late_sender == "system")

    @api.constrains("crm_alert_retention_days")
    def _check_crm_alert_retention_days(self):
        for company in self:
            if not 1 <= company.crm_alert_retention_days <= 3650:
                raise ValidationError(
                    self.env._(
                        "Keep Sent Messages (days) must be from 1 to 3650 (got "
                        "%(value)s).",
                        value=company.crm_alert_retention_days,
                    )
                )

    # ------------------------------------------------------------------
    # Customer messages along the sales order
    # ------------------------------------------------------------------
    (
        crm_alert_welcome_enabled,
        crm_alert_welcome_channel,
        crm_alert_welcome_mail_template_id,
        crm_alert_welcome_sms_template_id,
        crm_alert_welcome_wa_template_id,
        crm_alert_welcome_fallback,
    ) = _event_fields("welcome", "Welcome", "res.partner")
    (
        crm_alert_order_created_enabled,
        crm_alert_order_created_channel,
        crm_alert_order_created_mail_template_id,
        crm_alert_order_created_sms_template_id,
        crm_alert_order_created_wa_template_id,
        crm_alert_order_created_fallback,
    ) = _event_fields("order_created", "Order Created", "sale.order")
    (
        crm_alert_order_paid_enabled,
        crm_alert_order_paid_channel,
        crm_alert_order_paid_mail_template_id,
        crm_alert_order_paid_sms_template_id,
        crm_alert_order_paid_wa_template_id,
        crm_alert_order_paid_fallback,
    ) = _event_fields("order_paid", "Order Paid", "sale.order")
    (
        crm_alert_order_shipped_enabled,
        crm_alert_order_shipped_channel,
        crm_alert_order_shipped_mail_template_id,
        crm_alert_order_shipped_sms_template_id,
        crm_alert_order_shipped_wa_template_id,
        crm_alert_order_shipped_fallback,
    ) = _event_fields("order_shipped", "Order Shipped", "stock.picking")
    (
        crm_alert_order_followup_enabled,
        crm_alert_order_followup_channel,
        crm_alert_order_followup_mail_template_id,
        crm_alert_order_followup_sms_template_id,
        crm_alert_order_followup_wa_template_id,
        crm_alert_order_followup_fallback,
    ) = _event_fields("order_followup", "Delivery Follow-up", "sale.order")
    (
        crm_alert_order_received_enabled,
        crm_alert_order_received_channel,
        crm_alert_order_received_mail_template_id,
        crm_alert_order_received_sms_template_id,
        crm_alert_order_received_wa_template_id,
        crm_alert_order_received_fallback,
    ) = _event_fields("order_received", "Order Received", "sale.order")
    crm_alert_welcome_on_import = fields.Boolean(
        string="Welcome Imported Contacts",
        help="Also welcome the contacts of a CSV/Excel import (off: only "
        "contacts saved one by one).",
        prefetch=SETTINGS,
    )
    crm_alert_order_created_on_quotation = fields.Boolean(
        string="Order Created: on Quotation Saved",
        help="Send the message when the quotation is saved, not when the "
        "order is confirmed.",
        prefetch=SETTINGS,
    )
    crm_alert_order_followup_hour = fields.Float(
        string="Delivery Follow-up Time",
        default=10.0,
        help="Local time, in the customer's timezone, at which the follow-up "
        "goes out on the order's delivery date.",
        prefetch=SETTINGS,
    )
    crm_alert_order_received_days = fields.Integer(
        string="Order Received Delay (days)",
        default=3,
        help="Days after the delivery follow-up reached the customer.",
        prefetch=SETTINGS,
    )
    crm_alert_quiet_hours = fields.Boolean(
        string="Quiet Hours",
        help="No customer message between these hours in the customer's "
        "timezone: messages due then wait for the end of the quiet hours.",
        prefetch=SETTINGS,
    )
    crm_alert_quiet_start = fields.Float(
        string="Quiet From", default=21.0, prefetch=SETTINGS
    )
    crm_alert_quiet_end = fields.Float(
        string="Quiet Until", default=8.0, prefetch=SETTINGS
    )

    @api.model_create_multi
    def create(self, vals_list):
        """A company's own contact is not a customer: no welcome message."""
        companies = super(
            ResCompany, self.with_context(crm_alert_no_welcome=True)
        ).create(vals_list)
        return companies.with_env(self.env)

    # ------------------------------------------------------------------
    def _crm_alert_event_config(self, event):
        """{channel, template, wa_template, fallback} of ``event`` for this
        company, or None when the company has it off. An empty template is
        the shipped one."""
        self.ensure_one()
        row = self._crm_alert_event_config_row(self.id, event)
        if not row:
            return None
        channel, template_model, template_id, wa_template_id, fallback = row
        wa_template = self.env["crm.alert.whatsapp.template"].browse(wa_template_id)
        return {
            "channel": channel,
            "template": self.env[template_model].browse(template_id),
            "wa_template": wa_template or None,
            "fallback": fallback,
        }

    def _crm_alert_setting(self, fname):
        """This company's setting ``fname`` (a plain value: a number, a
        flag, a choice), as each worker knows it until the settings change:
        the sales flow reads it without reading the company again."""
        self.ensure_one()
        return self._crm_alert_setting_value(self.id, fname)

    @api.model
    @tools.ormcache("company_id", "fname")
    def _crm_alert_setting_value(self, company_id, fname):
        return self.sudo().browse(company_id)[fname]

    @api.model
    @tools.ormcache("company_id", "event")
    def _crm_alert_event_config_row(self, company_id, event):
        """(channel, template model, template id, WhatsApp template id,
        fallback channels) of :meth:`_crm_alert_event_config`: known to each
        worker until the settings or a template change (an order confirmed
        does not read the company's settings again)."""
        company = self.sudo().browse(company_id)
        if not company[f"crm_alert_{event}_enabled"]:
            return None
        channel = company[f"crm_alert_{event}_channel"] or "whatsapp"
        template = company._crm_alert_event_template(event, channel)
        if not template:
            return None
        wa_template = (
            company[f"crm_alert_{event}_wa_template_id"]
            if channel == "whatsapp"
            else None
        )
        fallback = (
            FALLBACK_CHAIN[channel] if company[f"crm_alert_{event}_fallback"] else ()
        )
        return (
            channel,
            template._name,
            template.id,
            wa_template.id if wa_template else None,
            fallback,
        )

    def _crm_alert_quiet_until(self, now, tz_name):
        """The end of the quiet hours (UTC, naive) when ``now`` (UTC, naive)
        falls in them for someone in ``tz_name``, else None."""
        self.ensure_one()
        company = self.sudo()
        if not company.crm_alert_quiet_hours:
            return None
        try:
            tz = pytz.timezone(tz_name or "UTC")
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        local = pytz.utc.localize(now).astimezone(tz)
        start = round(company.crm_alert_quiet_start * 60)
        end = round(company.crm_alert_quiet_end * 60)
        minute = local.hour * 60 + local.minute
        if start == end:
            return None
        if start < end:
            quiet = start <= minute < end
            end_day = local.date()
        else:  # over midnight: 21:00 → 08:00
            quiet = minute >= start or minute < end
            end_day = local.date() + timedelta(days=1 if minute >= start else 0)
        if not quiet:
            return None
        hour, minute = divmod(end, 60)
        until = tz.localize(datetime.combine(end_day, time(hour, minute)))
        return until.astimezone(pytz.utc).replace(tzinfo=None)

    def _crm_alert_event_template(self, event, channel):
        self.ensure_one()
        kind = "mail" if channel == "email" else "sms"
        template = self.sudo()[f"crm_alert_{event}_{kind}_template_id"]
        if template:
            return template
        # The shipped one, by Odoo's cached XML id (env.ref() would ask the
        # database whether it exists for every order confirmed).
        shipped = self.env["ir.model.data"]._xmlid_to_res_id(
            f"crm_alert_automation.{kind}_template_{event}", raise_if_not_found=False
        )
        return template.browse(shipped or ())

    @api.model
    def _crm_alert_event_enabled_anywhere(self, event):
        return bool(
            self.sudo()
            .with_context(active_test=False)
            .search_count([(f"crm_alert_{event}_enabled", "=", True)], limit=1)
        )

    @api.model
    def _crm_alert_sync_event_rules(self):
        """An event's shipped automation rules run while any company has the
        event on: off everywhere, they cost nothing."""
        for event in EVENT_NAMES:
            wanted = self._crm_alert_event_enabled_anywhere(event)
            rules = (
                self.env["base.automation"]
                .sudo()
                .with_context(active_test=False)
                .search([("action_server_ids.crm_alert_event", "=", event)])
            )
            rules.filtered(lambda rule, w=wanted: rule.active != w).active = wanted

    def _crm_alert_shipping_gate(self):
        """Customer deliveries need a tracking number, one at a time."""
        self.ensure_one()
        return self._crm_alert_setting("crm_alert_order_shipped_enabled")

    # ------------------------------------------------------------------
    @api.constrains(
        "crm_alert_order_followup_hour",
        "crm_alert_order_received_days",
        "crm_alert_quiet_start",
        "crm_alert_quiet_end",
    )
    def _check_crm_alert_order_timing(self):
        for company in self:
            for name in TIME_OF_DAY_FIELDS:
                hour = company[name]
                if not math.isfinite(hour) or not 0 <= round(hour * 60) <= 24 * 60 - 1:
                    raise ValidationError(
                        self.env._(
                            "%(field)s must be a time of day between 00:00 and "
                            "23:59 (got %(value)s).",
                            field=self._fields[name]._description_string(self.env),
                            value=hour,
                        )
                    )
            days = company.crm_alert_order_received_days
            if not 0 <= days <= MAX_RECEIVED_DAYS:
                raise ValidationError(
                    self.env._(
                        "Order Received Delay (days) must be from 0 to %(max)s "
                        "(got %(value)s).",
                        max=MAX_RECEIVED_DAYS,
                        value=days,
                    )
                )

    @api.constrains(
        *[
            f"crm_alert_{event}_{name}"
            for event in EVENT_NAMES
            for name in (
                "enabled",
                "channel",
                "mail_template_id",
                "sms_template_id",
                "wa_template_id",
            )
        ]
    )
    def _check_crm_alert_order_messages(self):
        labels = dict(EVENTS)
        for company in self.sudo():
            for event in EVENT_NAMES:
                if not company[f"crm_alert_{event}_enabled"]:
                    continue
                channel = company[f"crm_alert_{event}_channel"]
                company._crm_alert_check_event(event, labels[event], channel)

    def _crm_alert_check_event(self, event, label, channel):
        """ValidationError naming the field when ``event`` cannot go out."""
        field_label = self._fields[f"crm_alert_{event}_channel"]._description_string(
            self.env
        )
        template = self._crm_alert_event_template(event, channel)
        if not template:
            kind = "mail" if channel == "email" else "sms"
            template_field = self._fields[f"crm_alert_{event}_{kind}_template_id"]
            raise ValidationError(
                self.env._(
                    "%(field)s: choose the template of the %(event)s message.",
                    field=template_field._description_string(self.env),
                    event=label,
                )
            )
        if template.model != EVENT_MODELS[event]:
            raise ValidationError(
                self.env._(
                    "%(event)s: the template %(template)s is for another kind of "
                    "record (%(model)s expected).",
                    event=label,
                    template=template.display_name,
                    model=EVENT_MODELS[event],
                )
            )
        wa_template = self[f"crm_alert_{event}_wa_template_id"]
        if channel == "whatsapp" and wa_template:
            if wa_template.model != EVENT_MODELS[event]:
                raise ValidationError(
                    self.env._(
                        "%(event)s: the WhatsApp template %(template)s is for "
                        "another kind of record (%(model)s expected).",
                        event=label,
                        template=wa_template.display_name,
                        model=EVENT_MODELS[event],
                    )
                )
            if wa_template.company_id != self:
                raise ValidationError(
                    self.env._(
                        "%(event)s: the WhatsApp template %(template)s belongs "
                        "to another company.",
                        event=label,
                        template=wa_template.display_name,
                    )
                )
        if channel == "email":
            if not (self.crm_alert_mail_server_id and self.crm_alert_email_from):
                raise ValidationError(
                    self.env._(
                        "%(field)s E-mail: customer e-mails are sent from the "
                        "alerts account: fill in the Email Configuration (SMTP "
                        "server and sender address) first.",
                        field=field_label,
                    )
                )
            return
        if not self.env["crm.alert.gateway"].sudo()._for_channel(channel, self):
            raise ValidationError(
                self.env._(
                    "%(field)s: no active %(channel)s gateway for %(company)s; add "
                    "one in CRM → Configuration → SMS/WhatsApp Gateways, or "
                    "choose another channel.",
                    field=field_label,
                    channel=dict(MESSAGE_CHANNELS)[channel],
                    company=self.name,
                )
            )
