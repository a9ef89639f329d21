# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

AUDIENCES = ("customer", "operator")


class CrmActivityReminderHolder(models.AbstractModel):
    """What holds automatic reminder lines: an activity, or the Schedule
    Activity dialog before the activity exists. Each holder has, per
    audience, a switch ``crm_alert_<audience>_reminder`` and lines
    ``crm_alert_<audience>_line_ids``."""

    _name = "crm.activity.reminder.holder"
    _description = "Holder of Activity Reminders"

    crm_alert_customer_reminder = fields.Boolean(
        string="Remind the Customer",
        help="Generate automatic reminders for the customer.",
    )
    crm_alert_operator_reminder = fields.Boolean(
        string="Remind the Operators",
        help="Generate automatic reminders for the responsible user and the "
        "meeting's participants.",
    )

    # What a holder knows; each one answers from its own fields.
    def _reminder_document(self):
        return None

    def _reminder_responsible(self):
        return self.env["res.users"]

    def _reminder_participants(self):
        return self.env["res.users"]

    def _reminder_company(self):
        return self.env.company

    @api.model
    def _reminder_customer_of(self, document):
        """The customer of a document: a contact itself, else its partner."""
        if not document:
            return self.env["res.partner"]
        if document._name == "res.partner":
            return document
        field = document._fields.get("partner_id")
        if field and field.comodel_name == "res.partner":
            return document.partner_id
        return self.env["res.partner"]

    def _reminder_operators(self):
        return self._reminder_responsible() | self._reminder_participants()

    def _reminder_defaults(self, audience):
        return (
            self.env["crm.activity.reminder.default"]
            .sudo()
            .search(
                [
                    ("company_id", "=", self._reminder_company().id),
                    ("audience", "=", audience),
                ]
            )
        )

    def _reminder_default_on(self, audience):
        return self._reminder_company()[f"crm_alert_{audience}_reminder_default"]

    def _reminder_line_values(self, audience, defaults=None, users=None):
        """The lines an audience gets from the company defaults (or the
        rules ``defaults``): one per default for the customer, one per
        default and operator (or each of ``users``)."""
        self.ensure_one()
        defaults = self._reminder_defaults(audience) if defaults is None else defaults
        if audience == "customer":
            customer = self._reminder_customer_of(self._reminder_document())
            recipients = [{"partner_id": customer.id}]
        else:
            recipients = [
                {"user_id": user.id, "partner_id": user.partner_id.id}
                for user in (self._reminder_operators() if users is None else users)
            ]
        Line = self.env[self._fields["crm_alert_customer_line_ids"].comodel_name]
        Line = Line.with_context(crm_alert_reminder_holder=self)
        return [
            Line._fill_recipient(dict(default._line_values(), **recipient))
            for default in defaults
            for recipient in recipients
        ]

    @api.onchange("crm_alert_customer_reminder")
    def _onchange_crm_alert_customer_reminder(self):
        self._fill_lines_when_switched_on("customer")

    @api.onchange("crm_alert_operator_reminder")
    def _onchange_crm_alert_operator_reminder(self):
        self._fill_lines_when_switched_on("operator")

    def _fill_lines_when_switched_on(self, audience):
        for holder in self:
            lines = holder[f"crm_alert_{audience}_line_ids"]
            if holder[f"crm_alert_{audience}_reminder"] and not lines:
                holder._set_reminder_lines(
                    audience, holder._reminder_line_values(audience)
                )

    def _set_reminder_lines(self, audience, vals_list):
        """Replace an audience's lines by new ones from ``vals_list``.

        Both audiences' lines hang on the same inverse field: on a record
        being edited, assigning one list drops the other from the ORM's
        cache, so the other list is put back as it was.
        """
        (other,) = set(AUDIENCES) - {audience}
        others = self[f"crm_alert_{other}_line_ids"]
        self[f"crm_alert_{audience}_line_ids"] = [fields.Command.clear()] + [
            fields.Command.create(vals) for vals in vals_list
        ]
        self[f"crm_alert_{other}_line_ids"] = others

    def _reminder_defaults_values(self):
        """Switches and lines of a new holder, from the company defaults."""
        values = {}
        for audience in AUDIENCES:
            on = self._reminder_default_on(audience)
            values[f"crm_alert_{audience}_reminder"] = on
            if on:
                values[f"crm_alert_{audience}_line_ids"] = [
                    fields.Command.create(vals)
                    for vals in self._reminder_line_values(audience)
                ]
        return values
