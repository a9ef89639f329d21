# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import EVENTS, event_key

CHANNELS = [("email", "E-mail"), ("sms", "SMS"), ("whatsapp", "WhatsApp")]


class IrActionsServer(models.Model):
    """*Send alert message*: any automation rule or server action queues an
    e-mail, SMS or WhatsApp message in the CRM Alerts outbox."""

    _inherit = "ir.actions.server"

    state = fields.Selection(
        selection_add=[
            ("crm_alert_message", "Send Alert Message"),
            ("crm_workflow_start", "Start Workflow"),
        ],
        ondelete={"crm_alert_message": "cascade", "crm_workflow_start": "cascade"},
    )
    crm_workflow_id = fields.Many2one(
        "crm.workflow",
        string="Workflow",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('is_template', '=', False)]",
        help="Start workflow: the records enter this workflow (its entry filter "
        "and re-enrolment rule apply).",
    )
    crm_alert_channel = fields.Selection(CHANNELS, string="Channel", default="email")
    crm_alert_mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        ondelete="restrict",
        domain="[('model_id', '=', model_id)]",
    )
    crm_alert_sms_template_id = fields.Many2one(
        "sms.template",
        string="Text Template",
        ondelete="restrict",
        domain="[('model_id', '=', model_id)]",
        help="The SMS or WhatsApp text.",
    )
    crm_alert_recipient_field_id = fields.Many2one(
        "ir.model.fields",
        string="Recipient Field",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), "
        "('relation', '=', 'res.partner')]",
        help="The contact of the record who receives the message; empty on "
        "contacts: the contact itself.",
    )
    crm_alert_sender = fields.Selection(
        [("system", "System account"), ("owner", "Record owner's account")],
        string="Sender",
        default="system",
    )
    crm_alert_event = fields.Selection(
        EVENTS,
        string="Customer Message",
        help="A customer message of Settings → CRM Alerts: its channel and "
        "templates come from the company's settings (nothing is sent while the "
        "company has it off), and each record gets it once.",
    )

    @api.constrains(
        "state",
        "model_id",
        "crm_alert_channel",
        "crm_alert_mail_template_id",
        "crm_alert_sms_template_id",
        "crm_alert_recipient_field_id",
        "crm_alert_event",
    )
    def _check_crm_alert_message(self):
        for action in self.filtered(
            lambda a: a.state == "crm_alert_message" and not a.crm_alert_event
        ):
            template = action._crm_alert_template()
            if not template:
                raise ValidationError(
                    self.env._(
                        "%(action)s: choose the template of the message.",
                        action=action.name,
                    )
                )
            if template.model_id != action.model_id:
                raise ValidationError(
                    self.env._(
                        "%(action)s: the template is for another model.",
                        action=action.name,
                    )
                )
            if (
                not action.crm_alert_recipient_field_id
                and action.model_id.model != "res.partner"
            ):
                raise ValidationError(
                    self.env._(
                        "%(action)s: Recipient Field is required (which contact "
                        "of the record receives the message).",
                        action=action.name,
                    )
                )

    @api.constrains("state", "crm_workflow_id", "model_id")
    def _check_crm_workflow_start(self):
        for action in self.filtered(lambda a: a.state == "crm_workflow_start"):
            if not action.crm_workflow_id:
                raise ValidationError(
                    self.env._("%(action)s: Workflow is required.", action=action.name)
                )
            if action.crm_workflow_id.model_id != action.model_id:
                raise ValidationError(
                    self.env._(
                        "%(action)s: the workflow is for another model.",
                        action=action.name,
                    )
                )

    def _run_action_crm_workflow_start_multi(self, eval_context=None):
        records = eval_context.get("records") or eval_context.get("record")
        if records:
            self.crm_workflow_id._enrol(records)
        return False

    def _crm_alert_template(self):
        if self.crm_alert_channel == "email":
            return self.crm_alert_mail_template_id
        return self.crm_alert_sms_template_id

    def _run_action_crm_alert_message_multi(self, eval_context=None):
        records = eval_context.get("records") or eval_context.get("record")
        if not records:
            return False
        field = self.crm_alert_recipient_field_id.name
        if self.crm_alert_event:
            self._crm_alert_enqueue_event(records, field)
            return False
        self.env["crm.alert.message"].sudo()._enqueue(
            [
                {
                    "record": record,
                    "kind": "action",
                    "channel": self.crm_alert_channel,
                    "template": self._crm_alert_template(),
                    "partner": record[field] if field else record,
                    "sender": self.crm_alert_sender,
                    "subject": self.name,
                    "dedupe_key": f"action:{self.id}:{record._name}:{record.id}:"
                    f"{uuid.uuid4().hex}",
                }
                for record in records
            ]
        )
        return False

    def _crm_alert_enqueue_event(self, records, field):
        """Queue this action's customer-message event for ``records``, with
        the channel and template of each record's company: once per event
        and record (and due moment)."""
        event = self.crm_alert_event
        vals_list = []
        for record in records._crm_alert_event_records(event):
            company = record._crm_alert_event_company()
            config = company._crm_alert_event_config(event)
            if not config:
                continue
            moment = record._crm_alert_event_moment(event)
            vals_list.append(
                {
                    "record": record,
                    "document": record._crm_alert_event_document(),
                    "company_id": company.id,
                    "kind": "message",
                    "channel": config["channel"],
                    "template": config["template"],
                    "partner": record[field] if field else record,
                    "sender": "system",
                    "send_after": moment,
                    "due_at": moment,
                    "dedupe_key": event_key(event, record, moment),
                    "event": event,
                    "wa_template_id": config["wa_template"].id
                    if config["wa_template"]
                    else None,
                    "fallback_channels": ",".join(config["fallback"]) or None,
                }
            )
        self.env["crm.alert.message"].sudo()._enqueue(vals_list)
