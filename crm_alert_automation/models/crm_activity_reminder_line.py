# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class CrmActivityReminderLine(models.AbstractModel):
    """A reminder for one recipient: the customer's contact person or one
    operator, with the number or address it goes to. An activity's lines
    and the Schedule Activity dialog's lines share it."""

    _name = "crm.activity.reminder.line"
    _inherit = "crm.activity.reminder.rule"
    _description = "Activity Reminder Line"

    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        help="The customer's contact person, or the operator's contact.",
    )
    user_id = fields.Many2one("res.users", string="Operator")
    phone = fields.Char(
        help="Where the SMS goes, in international form (E.164). Pick one of "
        "the contact's numbers or type another.",
    )
    email = fields.Char(string="E-mail")
    phone_options = fields.Json(compute="_compute_phone_options")
    missing_contact = fields.Boolean(compute="_compute_missing_contact")

    @api.depends("partner_id", "user_id")
    def _compute_phone_options(self):
        for line in self:
            line.phone_options = [
                {"number": number, "label": label}
                for number, label in line._phone_choices()
            ]

    @api.depends("channel", "phone", "email")
    def _compute_missing_contact(self):
        for line in self:
            line.missing_contact = not line._contact_for_channel()

    def _contact_for_channel(self):
        return self.phone if self.channel == "sms" else self.email

    def _phone_choices(self):
        """[(E.164 number, label)] this line's recipient can be reached at."""
        self.ensure_one()
        if self.audience == "operator":
            return self._operator_phone_choices()
        return self._customer_phone_choices()

    def _reminder_holder(self):
        """The activity (or Schedule Activity dialog) of this line."""
        return self.env.context.get("crm_alert_reminder_holder")

    def _reminder_company(self):
        holder = self._reminder_holder()
        return holder._reminder_company() if holder else self.env.company

    def _reminder_document(self):
        holder = self._reminder_holder()
        return holder._reminder_document() if holder else None

    def _customer_phone_choices(self):
        partner = self.partner_id
        people = partner if partner and not partner.is_company else partner.browse()
        # With no contact person, the company's own numbers.
        sources = people or partner.commercial_partner_id
        document = self._reminder_document()
        if document and document._name != "res.partner":
            sources = [*sources, document]
        choices = [
            (source[field_name], self._number_label(source, field_name))
            for source in sources
            for field_name in ("mobile", "phone")
            if field_name in source._fields
        ]
        return self._normalized_choices(choices, partner)

    def _number_label(self, source, field_name):
        label = source._fields[field_name].get_description(self.env)["string"]
        return f"{label} - {source.display_name}"

    def _operator_phone_choices(self):
        user = self.user_id
        if not user:
            return []
        choices = [
            (user.partner_id.mobile, self.env._("Mobile - %s", user.name)),
            (user.partner_id.phone, self.env._("Phone - %s", user.name)),
        ]
        # Employee cards when hr is installed (the addon does not depend on it).
        if "hr.employee" in self.env:
            employees = (
                self.env["hr.employee"].sudo().search([("user_id", "=", user.id)])
            )
            for employee in employees:
                choices += [
                    (employee.mobile_phone, self.env._("Work mobile - %s", user.name)),
                    (employee.work_phone, self.env._("Work phone - %s", user.name)),
                ]
        return self._normalized_choices(choices, user.partner_id)

    def _normalized_choices(self, choices, partner):
        seen, result = set(), []
        for raw, label in choices:
            number = raw and self._try_normalize(raw, partner)
            if number and number not in seen:
                seen.add(number)
                result.append((number, label))
        return result

    def _country_for(self, partner):
        return partner.country_id or self._reminder_company().country_id

    def _try_normalize(self, number, partner):
        try:
            return self._normalize(number, partner)
        except UserError:
            return False

    def _normalize(self, number, partner):
        return self.env["crm.alert.message"]._normalize_number(
            number, self._country_for(partner)
        )

    def _default_phone(self):
        choices = self._phone_choices()
        return choices[0][0] if choices else False

    def _default_email(self):
        if self.audience == "operator":
            return self.user_id.email or False
        partner = self.partner_id
        document = self._reminder_document()
        return (
            partner.email
            or partner.commercial_partner_id.email
            or (document and "email_from" in document and document.email_from)
            or False
        )

    @api.onchange("partner_id", "user_id", "channel")
    def _onchange_recipient(self):
        for line in self:
            if line.audience == "operator" and line.user_id:
                line.partner_id = line.user_id.partner_id
            if line.channel == "sms" and not line.phone:
                line.phone = line._default_phone()
            if line.channel == "email" and not line.email:
                line.email = line._default_email()

    def _reassign(self, user):
        """Send these operator reminders to ``user``, at their number or
        address. Reassigning an activity is never blocked: a new responsible
        without one gets the line anyway, and its reminder fails visibly."""
        for line in self:
            vals = line._fill_recipient(
                {"audience": line.audience, "channel": line.channel, "user_id": user.id}
            )
            line.with_context(crm_alert_unchecked_contacts=True).write(
                {
                    "user_id": user.id,
                    "partner_id": vals.get("partner_id", False),
                    "phone": vals.get("phone", False),
                    "email": vals.get("email", False),
                }
            )

    @api.onchange("phone")
    def _onchange_phone_e164(self):
        for line in self.filtered("phone"):
            line.phone = line._try_normalize(line.phone, line.partner_id) or line.phone

    @api.model
    def _fill_recipient(self, vals):
        """Complete ``vals`` of a new line with the recipient's number or
        address for its channel, as the form's onchange does."""
        line = self.new(vals)
        line._onchange_recipient()
        for field_name in ("partner_id", "phone", "email"):
            if not vals.get(field_name) and line[field_name]:
                vals[field_name] = (
                    line[field_name].id
                    if field_name == "partner_id"
                    else line[field_name]
                )
        return vals

    def _normalize_phone_vals(self, vals):
        """E.164 of a typed number, or a clear error naming the line."""
        if not vals.get("phone"):
            return vals
        partner = self.env["res.partner"].browse(vals.get("partner_id") or [])
        partner = partner or self.partner_id[:1]
        try:
            vals["phone"] = self._normalize(vals["phone"], partner)
        except UserError as error:
            raise ValidationError(
                self.env._(
                    "Phone (%(line)s for %(who)s): %(number)s is not a valid "
                    "number: %(reason)s",
                    line=self._audience_label(vals.get("audience")),
                    who=partner.display_name or "-",
                    number=vals["phone"],
                    reason=error,
                )
            ) from error
        return vals

    def _audience_label(self, audience=None):
        labels = dict(self._fields["audience"]._description_selection(self.env))
        return labels.get(audience or self[:1].audience, "")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._normalize_phone_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("phone"):
            for line in self:
                super(CrmActivityReminderLine, line).write(
                    line._normalize_phone_vals(dict(vals))
                )
            return True
        return super().write(vals)

    def _check_contacts(self):
        """Each line has the number or address its channel needs."""
        for line in self.filtered("missing_contact"):
            field = (
                self.env._("Phone") if line.channel == "sms" else self.env._("E-mail")
            )
            raise ValidationError(
                self.env._(
                    "%(field)s (%(audience)s reminder, %(line)s, for %(who)s): "
                    "fill in where the reminder goes.",
                    field=field,
                    audience=line._audience_label(),
                    line=line._description_line(),
                    who=line.partner_id.display_name
                    or line.user_id.name
                    or self.env._("no recipient"),
                )
            )
