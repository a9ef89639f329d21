# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from ..tools import log_customer_failures, log_customer_messages

PAID_STATES = ("paid", "in_payment")
LIVE_STATES = ("queued", "retry")


class SaleOrder(models.Model):
    """The order's customer messages: what base.automation watches (paid,
    follow-up reached) and what the outbox asks of an order."""

    _inherit = "sale.order"

    crm_alert_paid_at = fields.Datetime(
        string="Fully Paid On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the order's invoices were first all paid: the Order Paid "
        "message's trigger.",
    )
    crm_alert_followup_reached_at = fields.Datetime(
        string="Delivery Follow-up Reached On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When the delivery follow-up reached the customer: the Order "
        "Received message's trigger.",
    )
    crm_alert_message_count = fields.Integer(
        string="Customer Messages",
        compute="_compute_crm_alert_message_count",
        groups="sales_team.group_sale_manager,base.group_system",
    )

    def _compute_crm_alert_message_count(self):
        counts = dict(
            self.env["crm.alert.message"]._read_group(
                [("res_model", "=", "sale.order"), ("res_id", "in", self.ids)],
                ["res_id"],
                ["__count"],
            )
        )
        for order in self:
            order.crm_alert_message_count = counts.get(order.id, 0)

    def action_view_crm_alert_messages(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_alert_automation.crm_alert_message_action"
        )
        action["domain"] = [("res_model", "=", "sale.order"), ("res_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Triggers
    # ------------------------------------------------------------------
    def _crm_alert_check_paid(self):
        """Mark the orders whose invoices are now all paid (once: Odoo's
        paid hook may fire again, and a reversal is no payment)."""
        paid = self.browse()
        for order in self.filtered(
            lambda o: o.state == "sale" and not o.crm_alert_paid_at
        ):
            invoices = order.invoice_ids.filtered(lambda move: move.state == "posted")
            sold = invoices.filtered(lambda move: move.move_type == "out_invoice")
            if not sold or any(m.payment_state not in PAID_STATES for m in sold):
                continue
            refunded = invoices - sold
            net = sum(sold.mapped("amount_total")) - sum(
                refunded.mapped("amount_total")
            )
            if order.currency_id.compare_amounts(net, order.amount_total) >= 0:
                paid |= order
        paid.write({"crm_alert_paid_at": fields.Datetime.now()})

    def _action_cancel(self):
        res = super()._action_cancel()
        self._crm_alert_cancel_pending()
        return res

    def _crm_alert_cancel_pending(self):
        """A cancelled order's messages still waiting are cancelled."""
        messages = (
            self.env["crm.alert.message"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("state", "in", LIVE_STATES),
                ]
            )
        )
        if messages:
            messages._settle(
                {"state": "cancelled", "error": self.env._("The order was cancelled.")}
            )

    # ------------------------------------------------------------------
    # Event answers (see base)
    # ------------------------------------------------------------------
    def _crm_alert_event_records(self, event):
        if event == "order_created":
            return self.filtered(
                lambda order: (
                    order.state == "sale"
                    or (
                        order.state == "draft"
                        and order.company_id._crm_alert_setting(
                            "crm_alert_order_created_on_quotation"
                        )
                    )
                )
            )
        if event == "order_followup":
            return self.filtered(lambda order: order._crm_alert_followup_moment())
        if event == "order_received":
            return self.filtered("crm_alert_followup_reached_at")
        return self

    def _crm_alert_event_moment(self, event):
        if event == "order_followup":
            return self._crm_alert_followup_moment()
        if event == "order_received" and self.crm_alert_followup_reached_at:
            days = self.company_id._crm_alert_setting("crm_alert_order_received_days")
            return self.crm_alert_followup_reached_at + timedelta(days=days)
        return None

    def _crm_alert_tz(self):
        """The customer's timezone (else the company's, the salesperson's)."""
        self.ensure_one()
        name = (
            self.partner_id.tz
            or self.company_id.partner_id.tz
            or self.user_id.tz
            or "UTC"
        )
        return pytz.timezone(name)

    def _crm_alert_followup_day(self):
        """The estimated delivery date, in the customer's timezone."""
        self.ensure_one()
        if self.state != "sale" or not self.commitment_date:
            return None
        return pytz.utc.localize(self.commitment_date).astimezone(self._crm_alert_tz())

    def _crm_alert_followup_moment(self):
        """The delivery date at the configured local hour, in UTC."""
        local = self._crm_alert_followup_day()
        if local is None:
            return None
        hours = self.company_id._crm_alert_setting("crm_alert_order_followup_hour")
        hour, minute = divmod(round(hours * 60), 60)
        moment = self._crm_alert_tz().localize(
            datetime.combine(local.date(), time(hour, minute))
        )
        return moment.astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------
    # Outbox hooks (see base)
    # ------------------------------------------------------------------
    @api.model
    def _crm_alert_obsolete_reason(self, message):
        reason = super()._crm_alert_obsolete_reason(message)
        if reason:
            return reason
        order = self.browse(message.source_id)
        if order.state == "cancel":
            return self.env._("The order was cancelled.")
        if message.dedupe_key.startswith("order_followup:"):
            local = order._crm_alert_followup_day()
            due = message.due_at and pytz.utc.localize(message.due_at).astimezone(
                order._crm_alert_tz()
            )
            if local is None or not due or due.date() != local.date():
                return self.env._(
                    "The order's delivery date moved: the follow-up goes out on "
                    "the new date."
                )
        return False

    @api.model
    def _crm_alert_sent(self, messages):
        log_customer_messages(messages)

    @api.model
    def _crm_alert_state_changed(self, messages):
        """The delivery follow-up reached the customer: a delivered or read
        receipt, or sent where the channel has no receipts."""
        res = super()._crm_alert_state_changed(messages)
        log_customer_failures(messages)
        reached = messages.filtered(
            lambda m: (
                m.dedupe_key.startswith("order_followup:")
                and (
                    m.state in ("delivered", "read")
                    or (
                        m.state == "sent"
                        and (m.channel == "email" or not m.gateway_id._has_receipts())
                    )
                )
            )
        )
        orders = self.browse(reached.mapped("source_id")).exists()
        orders.filtered(lambda o: not o.crm_alert_followup_reached_at).write(
            {"crm_alert_followup_reached_at": fields.Datetime.now()}
        )
        return res
