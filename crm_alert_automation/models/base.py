# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class Base(models.AbstractModel):
    """What a producer of outbox messages may answer, on its own model.

    The outbox (``crm.alert.message``) calls these on the model that queued
    a message (its ``source_model``), passing the message; a producer
    overrides only what it needs.
    """

    _inherit = "base"

    @api.model
    def _crm_alert_obsolete_reason(self, message):
        """Why ``message`` must not go out any more, or False."""
        if message.source_id and not self.browse(message.source_id).exists():
            return self.env._("The record that queued this message was deleted.")
        return False

    @api.model
    def _crm_alert_render_target(self, message):
        """(record to render the template on, extra render values); a
        ``None`` record when it is gone."""
        return message._document(), {}

    @api.model
    def _crm_alert_owner_email(self, message):
        """The address of the record's owner, for the 'owner' sender."""
        document = message._document()
        user = document["user_id"] if document and "user_id" in document else None
        return user.email_formatted if user and user.email else False

    @api.model
    def _crm_alert_sent(self, messages):
        """After ``messages`` (a batch of this producer's) went out: one note
        in each document's chatter."""
        for model, batch in messages.filtered("res_id").grouped("res_model").items():
            messages._log_notes(model, [(m.res_id, m._chatter_note()) for m in batch])

    @api.model
    def _crm_alert_state_changed(self, messages):
        """``messages`` changed state (sent, failed, delivered, ...)."""
        return None

    # What a record answers to a *Send Alert Message* action that names a
    # customer-message event (see ``tools/events.py``).
    def _crm_alert_event_records(self, event):
        """Those of these records that get ``event``'s message."""
        return self

    def _crm_alert_event_document(self):
        """The record the message is about (its chatter, its company)."""
        return self

    def _crm_alert_event_company(self):
        """Whose settings of the event apply."""
        self.ensure_one()
        company = self["company_id"] if "company_id" in self._fields else None
        return company or self.env.company

    def _crm_alert_event_moment(self, event):
        """When the message is due (UTC), or None: at once."""
        return None
