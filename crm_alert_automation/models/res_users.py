# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        """A user's own contact is not a customer: no welcome message."""
        users = super(ResUsers, self.with_context(crm_alert_no_welcome=True)).create(
            vals_list
        )
        return users.with_env(self.env)
