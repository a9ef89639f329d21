# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        """Order Paid: the orders of these invoices may now be fully paid."""
        res = super()._invoice_paid_hook()
        # The person registering the payment may have no sales rights: only
        # the orders' paid moment is written, as the system.
        orders = self.sudo().invoice_line_ids.sale_line_ids.order_id
        orders._crm_alert_check_paid()
        return res
