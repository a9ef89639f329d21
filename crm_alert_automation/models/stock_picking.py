# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import log_customer_failures, log_customer_messages

# Carriers whose delivery type is one of these never produce a tracking
# number themselves: someone types it in.
MANUAL_CARRIER_TYPES = ("fixed", "base_on_rule")


class StockPicking(models.Model):
    """Order Shipped: a customer delivery, validated one at a time with its
    tracking number, tells the customer how to follow the parcel."""

    _inherit = "stock.picking"

    crm_alert_shipped_at = fields.Datetime(
        string="Shipped On",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="When this customer delivery was done with its tracking number "
        "(while Order Shipped messages are on): the message's trigger.",
    )
    crm_alert_customer_id = fields.Many2one(
        "res.partner",
        string="Order Customer",
        compute="_compute_crm_alert_customer_id",
        help="Who gets the shipping message: the order's customer, else the "
        "delivery's contact.",
    )

    @api.depends("sale_id.partner_id", "partner_id")
    def _compute_crm_alert_customer_id(self):
        for picking in self:
            picking.crm_alert_customer_id = (
                picking.sale_id.partner_id or picking.partner_id
            )

    def _crm_alert_is_customer_delivery(self):
        self.ensure_one()
        return (
            self.picking_type_code == "outgoing"
            and self.location_dest_id.usage == "customer"
        )

    def _crm_alert_gated(self):
        """The customer deliveries of companies with Order Shipped on."""
        return self.filtered(
            lambda picking: (
                picking.company_id._crm_alert_shipping_gate()
                and picking._crm_alert_is_customer_delivery()
            )
        )

    def _crm_alert_carrier_sets_tracking(self):
        """The carrier's integration creates the tracking number on
        validation (DHL, FedEx...): nobody can type it in before."""
        self.ensure_one()
        carrier = self.carrier_id
        return (
            carrier
            and carrier.integration_level == "rate_and_ship"
            and carrier.delivery_type not in MANUAL_CARRIER_TYPES
            and self.picking_type_id.print_label
        )

    def button_validate(self):
        self._crm_alert_check_shipping()
        return super().button_validate()

    def _action_done(self):
        res = super()._action_done()
        self._crm_alert_mark_shipped()
        return res

    def write(self, vals):
        res = super().write(vals)
        if vals.get("carrier_tracking_ref"):
            # A carrier integration sets the number once the delivery is done.
            self._crm_alert_mark_shipped()
        return res

    def _crm_alert_mark_shipped(self):
        """Shipped: done, with its tracking number, once per delivery."""
        shipped = self._crm_alert_gated().filtered(
            lambda p: (
                p.state == "done"
                and p.carrier_tracking_ref
                and not p.crm_alert_shipped_at
            )
        )
        if shipped:
            shipped.write({"crm_alert_shipped_at": fields.Datetime.now()})

    def _crm_alert_check_shipping(self):
        gated = self._crm_alert_gated()
        if not gated:
            return
        if len(self) > 1:
            raise UserError(
                self.env._(
                    "Validate customer deliveries one at a time: each customer "
                    "gets a shipping message with the tracking number of their "
                    "own parcel. Selected: %(pickings)s.",
                    pickings=", ".join(self.mapped("name")),
                )
            )
        missing = gated.filtered(
            lambda p: (
                not p.carrier_tracking_ref and not p._crm_alert_carrier_sets_tracking()
            )
        )
        if missing:
            raise UserError(
                self.env._(
                    "%(field)s is required before validating the customer "
                    "delivery %(picking)s: fill in the carrier's tracking number "
                    "(Additional Info tab), so the customer can follow the parcel.",
                    field=self._fields["carrier_tracking_ref"]._description_string(
                        self.env
                    ),
                    picking=missing.name,
                )
            )

    # ------------------------------------------------------------------
    # Event answers and outbox hooks (see base)
    # ------------------------------------------------------------------
    def _crm_alert_event_records(self, event):
        if event == "order_shipped":
            return self.filtered("crm_alert_shipped_at")
        return self

    @api.model
    def _crm_alert_sent(self, messages):
        log_customer_messages(messages)

    @api.model
    def _crm_alert_state_changed(self, messages):
        res = super()._crm_alert_state_changed(messages)
        log_customer_failures(messages)
        return res

    def _crm_alert_event_document(self):
        """Shipping messages show on the order (its chatter, its smart
        button); a delivery without an order keeps its own."""
        self.ensure_one()
        return self.sale_id or self

    @api.model
    def _crm_alert_render_target(self, message):
        """The shipping templates are written for the delivery."""
        picking = self.browse(message.source_id).exists()
        return (picking or None), {}

    @api.model
    def _crm_alert_obsolete_reason(self, message):
        reason = super()._crm_alert_obsolete_reason(message)
        if reason:
            return reason
        picking = self.browse(message.source_id)
        if picking.state != "done":
            return self.env._("The delivery is no longer shipped.")
        return False
