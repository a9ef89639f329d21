# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_alert_whatsapp_template import EMPTY_VALUE, format_value


class CrmAlertWhatsappTemplateVariable(models.Model):
    """One {{n}} of a WhatsApp template and the field that fills it."""

    _name = "crm.alert.whatsapp.template.variable"
    _description = "WhatsApp Template Variable"
    _order = "template_id, position"

    template_id = fields.Many2one(
        "crm.alert.whatsapp.template", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="template_id.company_id", store=True, index=True
    )
    model = fields.Selection(related="template_id.model")
    position = fields.Integer(
        string="Variable", required=True, default=1, help="n of {{n}} in the body."
    )
    name = fields.Char(compute="_compute_name")
    field_path = fields.Char(
        string="Field",
        help="The field of the record that fills this variable, e.g. name, "
        "partner_id.name, amount_total, carrier_tracking_ref.",
    )
    default_value = fields.Char(
        string="When Empty", help="Sent when the field is empty (default: -)."
    )

    @api.depends("position")
    def _compute_name(self):
        for variable in self:
            variable.name = f"{{{{{variable.position}}}}}"

    @api.constrains("field_path", "position", "template_id")
    def _check_field_path(self):
        for variable in self:
            if variable.position < 1:
                raise ValidationError(
                    self.env._("A template variable is numbered from {{1}}.")
                )
            if variable.field_path:
                variable._fields_of_path()

    def _fields_of_path(self):
        """The fields along ``field_path`` on the template's model;
        ValidationError naming the part that is no field."""
        self.ensure_one()
        model = self.env[self.template_id.model]
        found = []
        for part in self.field_path.strip().split("."):
            field = model._fields.get(part)
            if field is None or (
                field.groups and not self.env.user.has_groups("base.group_system")
            ):
                raise ValidationError(
                    self.env._(
                        "%(template)s {{%(n)s}}: %(path)s is not a field of "
                        "%(model)s (%(part)s).",
                        template=self.template_id.name,
                        n=self.position,
                        path=self.field_path,
                        model=model._description,
                        part=part,
                    )
                )
            found.append(field)
            if field.relational:
                model = self.env[field.comodel_name]
        return found

    def _value(self, record):
        """This variable's text for ``record``, in the customer's language."""
        self.ensure_one()
        value = holder = record.sudo()
        field = None
        for field in self._fields_of_path():
            holder = value[:1]
            value = holder[field.name]
        currency = None
        if field is not None and field.type == "monetary":
            currency_field = field.get_currency_field(holder)
            currency = holder[currency_field] if currency_field else None
        partner = record["partner_id"] if "partner_id" in record._fields else record
        lang = partner.lang if partner._name == "res.partner" else None
        text = format_value(
            record.env, field, value, lang or record.env.lang, currency=currency
        )
        return text.strip() or self.default_value or EMPTY_VALUE
