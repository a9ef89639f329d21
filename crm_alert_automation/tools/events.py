# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer messages along the sales order that Settings switch on.

Each is shipped as an automation rule (``data/order_message_data.xml``)
whose *Send Alert Message* action names the event: the channel and the
templates then come from the company's settings of that event.
"""

from markupsafe import Markup

EVENTS = [
    ("welcome", "Welcome"),
    ("order_created", "Order Created"),
    ("order_paid", "Order Paid"),
    ("order_shipped", "Order Shipped"),
    ("order_followup", "Delivery Follow-up"),
    ("order_received", "Order Received"),
]
EVENT_NAMES = [event for event, _label in EVENTS]


def event_key(event, record, moment=None):
    """The dedupe key: once per event and record (and moment, for the
    events that are due at a date that may move)."""
    key = f"{event}:{record._name}:{record.id}"
    if moment:
        key += f":{moment.isoformat(timespec='minutes')}"
    return key


def log_customer_messages(messages):
    """One note per customer message sent, in its document's chatter, with
    the text the customer got (the e-mail's subject)."""
    env = messages.env
    channels = dict(messages._fields["channel"]._description_selection(env))
    for model, batch in messages.filtered("res_id").grouped("res_model").items():
        notes = []
        for message in batch:
            to = message.email_to or message.phone
            to = to or message.recipient_partner_id.display_name
            text = message.subject if message.channel == "email" else message.body_text
            notes.append(
                (
                    message.res_id,
                    Markup("%s<br/>%s")
                    % (
                        env._(
                            "%(channel)s message sent to %(to)s",
                            channel=channels[message.channel],
                            to=to,
                        ),
                        text or "",
                    ),
                )
            )
        messages._log_notes(model, notes)


def log_customer_failures(messages):
    """One note per customer message that could not reach the customer
    (failed for good, or skipped), with the reason and the channel tried
    next, if any, in its document's chatter."""
    messages = messages.filtered(lambda m: m.state in ("failed", "skipped"))
    if not messages:
        return
    env = messages.env
    channels = dict(messages._fields["channel"]._description_selection(env))
    fallbacks = {
        fallback.fallback_of_id.id: fallback
        for fallback in messages.search([("fallback_of_id", "in", messages.ids)])
    }
    for model, batch in messages.filtered("res_id").grouped("res_model").items():
        notes = []
        for message in batch:
            to = message.phone or message.email_to
            to = to or message.recipient_partner_id.display_name
            args = {"channel": channels[message.channel], "to": to}
            text = (
                env._("%(channel)s message to %(to)s failed", **args)
                if message.state == "failed"
                else env._("%(channel)s message to %(to)s not sent", **args)
            )
            body = Markup("%s: %s") % (text, message.error or "")
            fallback = fallbacks.get(message.id)
            if fallback:
                body += Markup("<br/>%s") % env._(
                    "Sending it by %(channel)s instead.",
                    channel=channels[fallback.channel],
                )
            notes.append((message.res_id, body))
        messages._log_notes(model, notes)
