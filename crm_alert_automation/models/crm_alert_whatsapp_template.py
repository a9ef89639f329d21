# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import Command, api, fields, models, tools
from odoo.exceptions import ValidationError

# {{1}}, {{2}}…: the body's variables, numbered from 1 as Meta numbers them.
PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")
# Meta's template statuses, as we show them.
META_STATUS = {
    "APPROVED": "approved",
    "PENDING": "pending",
    "IN_APPEAL": "pending",
    "REJECTED": "rejected",
    "PAUSED": "paused",
    "DISABLED": "disabled",
    "PENDING_DELETION": "disabled",
    "DELETED": "disabled",
}
META_CATEGORY = {
    "UTILITY": "utility",
    "MARKETING": "marketing",
    "AUTHENTICATION": "authentication",
}
TEMPLATE_MODELS = [
    ("sale.order", "Sales Order"),
    ("stock.picking", "Delivery"),
    ("res.partner", "Contact"),
]
# Meta refuses an empty parameter.
EMPTY_VALUE = "-"


class CrmAlertWhatsappTemplate(models.Model):
    """A WhatsApp message template as Meta approved it: business-initiated
    WhatsApp messages (outside the 24 hours after the customer last wrote)
    must be one. Its {{n}} variables are filled from the record's fields
    when the message is sent."""

    _name = "crm.alert.whatsapp.template"
    _description = "WhatsApp Template"
    _order = "name, lang_code"

    name = fields.Char(
        string="Template Name",
        required=True,
        help="The name the template has at Meta, e.g. order_shipped.",
    )
    lang_code = fields.Char(
        string="Language",
        required=True,
        default="id",
        help="Meta's language code of the template, e.g. id, en_US.",
    )
    category = fields.Selection(
        [
            ("utility", "Utility"),
            ("marketing", "Marketing"),
            ("authentication", "Authentication"),
        ],
        required=True,
        default="utility",
    )
    model = fields.Selection(
        TEMPLATE_MODELS,
        string="Written For",
        required=True,
        default="sale.order",
        help="The kind of record whose fields fill the variables.",
    )
    body = fields.Text(
        required=True,
        help="The template's text; {{1}}, {{2}}… are filled from the fields "
        "mapped below.",
    )
    status = fields.Selection(
        [
            ("draft", "Draft"),
            ("pending", "Pending"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("paused", "Paused"),
            ("disabled", "Disabled"),
        ],
        required=True,
        default="draft",
        help="Only approved templates are sent. Sync from Meta updates it.",
    )
    rejected_reason = fields.Char(readonly=True)
    variable_ids = fields.One2many(
        "crm.alert.whatsapp.template.variable",
        "template_id",
        string="Variables",
        copy=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    gateway_id = fields.Many2one(
        "crm.alert.gateway",
        string="Meta Gateway",
        domain="[('provider', '=', 'meta'), ('company_id', '=', company_id)]",
        help="The Meta WhatsApp Cloud API account the template belongs to.",
    )
    meta_template_id = fields.Char(string="Meta Template ID", readonly=True)
    synced_at = fields.Datetime(string="Last Sync", readonly=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "name_lang_company_unique",
            "unique(company_id, name, lang_code)",
            "A WhatsApp template of this name and language exists already.",
        )
    ]

    @api.depends("name", "lang_code", "status")
    def _compute_display_name(self):
        statuses = dict(self._fields["status"]._description_selection(self.env))
        for template in self:
            template.display_name = (
                f"{template.name} ({template.lang_code}, "
                f"{statuses.get(template.status, '')})"
            )

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # res.company._crm_alert_event_config_row
        return res

    def _positions(self):
        """The variable numbers the body uses, in order."""
        self.ensure_one()
        return sorted({int(n) for n in PLACEHOLDER.findall(self.body or "")})

    @api.constrains("body", "variable_ids")
    def _check_variables(self):
        for template in self:
            positions = template._positions()
            if positions and positions != list(range(1, len(positions) + 1)):
                found = ", ".join(f"{{{{{n}}}}}" for n in positions)
                raise ValidationError(
                    self.env._(
                        "%(template)s: the body's variables must be numbered "
                        "{{1}}, {{2}}… without gaps (got %(found)s).",
                        template=template.name,
                        found=found,
                    )
                )
            numbers = template.variable_ids.mapped("position")
            if len(numbers) != len(set(numbers)):
                raise ValidationError(
                    self.env._(
                        "%(template)s: each variable is mapped once.",
                        template=template.name,
                    )
                )

    @api.onchange("body")
    def _onchange_body(self):
        """A line for each new {{n}} of the body."""
        self._add_missing_variables()

    # ------------------------------------------------------------------
    def _render_params(self, record):
        """The values of {{1}}, {{2}}… for ``record``; ValueError saying
        which variable has no field."""
        self.ensure_one()
        lines = {line.position: line for line in self.variable_ids}
        params = []
        for position in self._positions():
            line = lines.get(position)
            if not line or not line.field_path:
                raise ValueError(
                    self.env._(
                        "WhatsApp template %(template)s: {{%(n)s}} is mapped to "
                        "no field; map it in CRM → Configuration → WhatsApp "
                        "Templates.",
                        template=self.name,
                        n=position,
                    )
                )
            params.append(line._value(record))
        return params

    def _render_body(self, params):
        """The body with its variables filled: what the customer reads."""
        self.ensure_one()

        def fill(match):
            index = int(match.group(1)) - 1
            return params[index] if 0 <= index < len(params) else match.group(0)

        return PLACEHOLDER.sub(fill, self.body or "")

    # ------------------------------------------------------------------
    @api.model
    def _sync_from_meta(self, gateway, found):
        """Create or update the templates of ``gateway``'s company from the
        dicts the Meta provider read (name, language, status, body…)."""
        now = fields.Datetime.now()
        company = gateway.company_id
        existing = {
            (template.name, template.lang_code): template
            for template in self.with_context(active_test=False).search(
                [("company_id", "=", company.id)]
            )
        }
        synced = self.browse()
        for item in found:
            values = {
                "status": META_STATUS.get(item["status"], "pending"),
                "body": item["body"] or item["name"],
                "meta_template_id": item["id"] or False,
                "rejected_reason": (
                    item["rejected_reason"]
                    if item["rejected_reason"] not in ("", "NONE")
                    else False
                ),
                "gateway_id": gateway.id,
                "synced_at": now,
            }
            if item["category"] in META_CATEGORY:
                values["category"] = META_CATEGORY[item["category"]]
            template = existing.get((item["name"], item["language"]))
            if template:
                template.write(values)
            else:
                template = self.create(
                    dict(
                        values,
                        name=item["name"],
                        lang_code=item["language"] or "en",
                        company_id=company.id,
                    )
                )
            template._add_missing_variables()
            synced |= template
        # Meta no longer lists them (deleted there): not sendable any more.
        self.with_context(active_test=False).search(
            [
                ("gateway_id", "=", gateway.id),
                ("status", "not in", ("draft", "disabled")),
                ("id", "not in", synced.ids),
            ]
        ).write({"status": "disabled", "synced_at": now})
        return synced

    def _add_missing_variables(self):
        for template in self:
            known = set(template.variable_ids.mapped("position"))
            missing = [n for n in template._positions() if n not in known]
            if missing:
                template.variable_ids = [
                    Command.create({"position": n}) for n in missing
                ]

    def action_sync_from_meta(self):
        """Sync from Meta: the templates' own gateways, else every Meta
        gateway of the companies the user works in."""
        gateways = self.gateway_id or self.env["crm.alert.gateway"].search(
            [
                ("provider", "=", "meta"),
                ("company_id", "in", self.env.companies.ids),
                ("meta_waba_id", "!=", False),
            ]
        )
        if not gateways:
            raise ValidationError(
                self.env._(
                    "Sync from Meta needs a Meta WhatsApp Cloud API gateway "
                    "with its WhatsApp Business Account ID: add one in CRM → "
                    "Configuration → SMS/WhatsApp Gateways."
                )
            )
        action = None
        for gateway in gateways:
            action = gateway.action_sync_whatsapp_templates()
        action["domain"] = [("gateway_id", "in", gateways.ids)]
        return action


def format_value(env, field, value, lang, currency=None):
    """A field value as the customer reads it (an amount with its
    currency)."""
    if not value and value is not False and value != 0:
        return ""
    if isinstance(value, models.BaseModel):
        return ", ".join(value.mapped("display_name"))
    if field is not None and field.type == "datetime":
        return tools.format_datetime(env, value, dt_format="short", lang_code=lang)
    if field is not None and field.type == "date":
        return tools.format_date(env, value, lang_code=lang)
    if field is not None and field.type in ("float", "monetary"):
        return tools.formatLang(
            env(context=dict(env.context, lang=lang)),
            value,
            currency_obj=currency or None,
        )
    if field is not None and field.type == "selection":
        return dict(field._description_selection(env)).get(value, value)
    if value is False:
        return ""
    return str(value)
