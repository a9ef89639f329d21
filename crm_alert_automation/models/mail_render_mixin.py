# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class MailRenderMixin(models.AbstractModel):
    _inherit = "mail.render.mixin"

    @api.model
    def _has_unsafe_expression_template_qweb(self, template_src, model):
        """Within a dispatcher batch (see ``ir.qweb._compile``), inspect a
        template's source once instead of once per rendered record."""
        cache = self.env.context.get("crm_alert_qweb_cache")
        if cache is None:
            return super()._has_unsafe_expression_template_qweb(template_src, model)
        key = ("unsafe", template_src, model)
        if key not in cache:
            cache[key] = super()._has_unsafe_expression_template_qweb(
                template_src, model
            )
        return cache[key]
