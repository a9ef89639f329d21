# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import re
import urllib.parse

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError

from ..gateways import PROVIDERS, GatewayError

DEFAULT_BASE_URLS = {
    "twilio": "https://api.twilio.com",
    "meta": "https://graph.facebook.com",
}
SECRET = "base.group_system"
# An HTTP header name (RFC 9110 token) and a value HTTP can carry: one line
# of Latin-1 text.
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")
GRAPH_API_VERSION = re.compile(r"v[0-9]{1,3}\.[0-9]{1,3}")


class CrmAlertGateway(models.Model):
    """An SMS/WhatsApp provider account of a company."""

    _name = "crm.alert.gateway"
    _description = "SMS/WhatsApp Gateway"
    _order = "sequence, id"

    name = fields.Char(required=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    provider = fields.Selection(
        [
            ("generic", "Generic HTTP API"),
            ("twilio", "Twilio"),
            ("meta", "Meta WhatsApp Cloud API"),
        ],
        required=True,
        default="generic",
    )
    use_for_sms = fields.Boolean(string="Sends SMS", default=True)
    use_for_whatsapp = fields.Boolean(string="Sends WhatsApp")
    base_url = fields.Char(
        string="Base URL",
        help="The provider's API address; leave empty for the provider's default.",
    )
    timeout_seconds = fields.Integer(string="Timeout (seconds)", default=10)
    rate_limit_per_minute = fields.Integer(
        string="Rate Limit (messages per minute)",
        default=60,
        help="At most this many attempts a minute through this account.",
    )
    # Generic HTTP
    http_method = fields.Selection(
        [("POST", "POST"), ("GET", "GET")], string="HTTP Method", default="POST"
    )
    url = fields.Char(
        string="URL",
        help="May contain {number}, {text} and {reference}.",
        groups=SECRET,
    )
    headers_json = fields.Text(
        string="Headers (JSON)",
        help='e.g. {"Authorization": "Bearer <token>"}',
        groups=SECRET,
    )
    body_format = fields.Selection(
        [("json", "JSON body"), ("form", "Form fields"), ("query", "Query string")],
        default="json",
    )
    body_template = fields.Text(
        help='JSON: {"to": "{number}", "message": "{text}", "ref": "{reference}"}. '
        "Form/query: one JSON object of field names to values with the same "
        "placeholders.",
    )
    success_json_path = fields.Char(
        string="Success Field", help="Dotted path in the JSON answer, e.g. status."
    )
    success_value = fields.Char(help="The value that means success, e.g. ok.")
    message_id_json_path = fields.Char(
        string="Message ID Field", help="Dotted path, e.g. data.message_id."
    )
    number_format = fields.Selection(
        [("e164", "+6282112345678 (E.164)"), ("digits", "6282112345678 (no +)")],
        default="e164",
        required=True,
    )
    # Twilio
    twilio_account_sid = fields.Char(string="Account SID", groups=SECRET)
    twilio_auth_token = fields.Char(string="Auth Token", groups=SECRET)
    sms_from = fields.Char(
        string="SMS Sender", help="Number or alphanumeric sender ID."
    )
    whatsapp_from = fields.Char(string="WhatsApp Sender", help="+E164 number.")
    # Meta WhatsApp Cloud API
    meta_phone_number_id = fields.Char(string="Phone Number ID")
    meta_waba_id = fields.Char(
        string="WhatsApp Business Account ID",
        help="Needed to sync the message templates from Meta.",
    )
    meta_access_token = fields.Char(string="Access Token", groups=SECRET)
    meta_api_version = fields.Char(string="Graph API Version", default="v19.0")
    meta_app_secret = fields.Char(string="App Secret", groups=SECRET)
    meta_verify_token = fields.Char(string="Webhook Verify Token", groups=SECRET)
    test_number = fields.Char(help="A number to send the test message to.")
    webhook_url = fields.Char(
        string="Delivery Receipts URL", compute="_compute_webhook_url"
    )

    # ------------------------------------------------------------------
    @api.constrains("provider", "url", "headers_json", "body_template", "body_format")
    def _check_generic_configuration(self):
        for gateway in self.sudo().filtered(lambda g: g.provider == "generic"):
            if not _is_http_url(gateway.url):
                raise ValidationError(
                    self.env._(
                        "URL: a generic gateway needs its http(s):// address, "
                        "with a host name and without spaces or line breaks."
                    )
                )
            if gateway.headers_json:
                headers = gateway._parse_json_object(
                    gateway.headers_json, "Headers (JSON)"
                )
                gateway._check_headers(headers)
            if gateway.body_format in ("form", "query") and gateway.body_template:
                gateway._parse_json_object(gateway.body_template, "Body Template")

    @api.constrains(
        "provider",
        "twilio_account_sid",
        "twilio_auth_token",
        "use_for_sms",
        "sms_from",
        "use_for_whatsapp",
        "whatsapp_from",
    )
    def _check_twilio_configuration(self):
        for gateway in self.sudo().filtered(lambda g: g.provider == "twilio"):
            if not (gateway.twilio_account_sid and gateway.twilio_auth_token):
                raise ValidationError(
                    self.env._("Twilio needs the Account SID and the Auth Token.")
                )
            if gateway.use_for_sms and not gateway.sms_from:
                raise ValidationError(
                    self.env._("SMS Sender is required when the gateway sends SMS.")
                )
            if gateway.use_for_whatsapp and not gateway.whatsapp_from:
                raise ValidationError(
                    self.env._(
                        "WhatsApp Sender is required when the gateway sends WhatsApp."
                    )
                )

    @api.constrains("provider", "meta_phone_number_id", "meta_access_token")
    def _check_meta_configuration(self):
        for gateway in self.sudo().filtered(lambda g: g.provider == "meta"):
            if not (gateway.meta_phone_number_id and gateway.meta_access_token):
                raise ValidationError(
                    self.env._(
                        "Meta WhatsApp Cloud API needs the Phone Number ID and the "
                        "Access Token."
                    )
                )

    @api.constrains("base_url", "provider", "meta_api_version")
    def _check_addresses(self):
        for gateway in self:
            if gateway.base_url and not _is_http_url(gateway.base_url):
                raise ValidationError(
                    self.env._(
                        "Base URL must be an http(s):// address with a host name, "
                        "without spaces or line breaks."
                    )
                )
            if gateway.provider == "meta" and not GRAPH_API_VERSION.fullmatch(
                gateway.meta_api_version or ""
            ):
                raise ValidationError(
                    self.env._("Graph API Version must look like v19.0.")
                )

    def _check_headers(self, headers):
        for name, value in headers.items():
            if not HEADER_NAME.fullmatch(name):
                raise ValidationError(
                    self.env._(
                        "Headers (JSON): %(name)r is not a valid header name.",
                        name=name[:60],
                    )
                )
            if not isinstance(value, str) or not HEADER_VALUE.fullmatch(value):
                # Never the value itself in the message: it is a secret.
                raise ValidationError(
                    self.env._(
                        "Headers (JSON): the value of %(name)s must be one line "
                        "of text (Latin-1 characters, no line breaks).",
                        name=name,
                    )
                )

    @api.constrains("timeout_seconds", "rate_limit_per_minute")
    def _check_limits(self):
        for gateway in self:
            if not 1 <= gateway.timeout_seconds <= 120:
                raise ValidationError(
                    self.env._("Timeout (seconds) must be from 1 to 120.")
                )
            if gateway.rate_limit_per_minute < 1:
                raise ValidationError(
                    self.env._("Rate Limit (messages per minute) must be at least 1.")
                )

    def _parse_json_object(self, text, label):
        try:
            value = json.loads(text)
        except ValueError as error:
            raise ValidationError(
                self.env._(
                    "%(field)s is not valid JSON: %(error)s", field=label, error=error
                )
            ) from error
        if not isinstance(value, dict):
            raise ValidationError(
                self.env._(
                    '%(field)s must be a JSON object like {"key": "value"}.',
                    field=label,
                )
            )
        return value

    def _generic_headers(self):
        return (
            dict(self._parse_json_object(self.headers_json, "Headers (JSON)"))
            if (self.headers_json)
            else {}
        )

    def _generic_form_fields(self):
        return self._parse_json_object(self.body_template or "{}", "Body Template")

    def _base_url(self):
        return (self.base_url or DEFAULT_BASE_URLS.get(self.provider, "")).rstrip("/")

    @api.depends("provider")
    def _compute_webhook_url(self):
        for gateway in self:
            gateway.webhook_url = gateway._webhook_url(gateway.provider)

    def _webhook_url(self, provider):
        if provider not in ("twilio", "meta") or not self.id:
            return False
        base = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        return f"{base}/crm_alert/webhook/{provider}/{self.id}"

    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()  # _sms_company_ids
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()

    @api.model
    @tools.ormcache()
    def _sms_company_ids(self):
        """Companies with an active SMS gateway: Odoo's SMS sending checks
        this for every batch, so it costs no query once known."""
        gateways = self.sudo().search([("use_for_sms", "=", True)])
        return frozenset(gateways.company_id.ids)

    @api.model
    def _for_channel(self, channel, company):
        return self.sudo().search(
            [("company_id", "=", company.id), (f"use_for_{channel}", "=", True)],
            limit=1,
        )

    def _has_receipts(self):
        """Whether this provider reports delivered/read (Twilio and Meta
        call our webhooks; a generic API does not)."""
        return self.provider in ("twilio", "meta")

    def _provider(self):
        self.ensure_one()
        return PROVIDERS[self.provider](self.sudo())

    def _send(self, number_e164, text, reference, channel, template=None):
        """Send one message; returns a SendResult or raises GatewayError."""
        return self._provider().send(number_e164, text, reference, channel, template)

    def action_sync_whatsapp_templates(self):
        """Sync from Meta: the business account's message templates (status
        and body) into WhatsApp Templates."""
        self.ensure_one()
        self.check_access("write")
        if self.provider != "meta":
            raise UserError(
                self.env._("Only a Meta WhatsApp Cloud API gateway has templates.")
            )
        if not self.meta_waba_id:
            raise UserError(
                self.env._(
                    "WhatsApp Business Account ID: enter it before syncing the "
                    "templates."
                )
            )
        try:
            found = self._provider().list_templates()
        except GatewayError as error:
            raise UserError(
                self.env._(
                    "The templates could not be synced: %(reason)s",
                    reason=error.reason,
                )
            ) from error
        self.env["crm.alert.whatsapp.template"]._sync_from_meta(self, found)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alert_automation.crm_alert_whatsapp_template_action"
        )
        action["domain"] = [("gateway_id", "=", self.id)]
        return action

    def action_send_test(self):
        self.ensure_one()
        if not self.test_number:
            raise UserError(
                self.env._("Test Number: enter a number to send the test to.")
            )
        if not (self.use_for_sms or self.use_for_whatsapp):
            raise UserError(
                self.env._(
                    "Tick Sends SMS or Sends WhatsApp before sending a test message."
                )
            )
        number = self.env["crm.alert.message"]._normalize_number(
            self.test_number, self.company_id.country_id
        )
        channel = "sms" if self.use_for_sms else "whatsapp"
        try:
            result = self._send(
                number, self.env._("Test message from Odoo CRM Alerts"), "test", channel
            )
        except GatewayError as error:
            raise UserError(
                self.env._("The test message failed: %(reason)s", reason=error.reason)
            ) from error
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Test message sent"),
                "message": self.env._(
                    "%(number)s, provider reference %(ref)s",
                    number=number,
                    ref=result.provider_message_id or "-",
                ),
            },
        }


def _is_http_url(url):
    """An http(s) address with a host, on one line without spaces."""
    if not url or not url.startswith(("http://", "https://")):
        return False
    if any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        return False
    try:
        parts = urllib.parse.urlsplit(url)
        return bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # a bad port or IPv6 address
        return False
