# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import models


class IrQweb(models.AbstractModel):
    _inherit = "ir.qweb"

    def _compile(self, template):
        """Compile a mail template's body once per dispatcher batch.

        Odoo compiles an inline (etree) template anew for every record it
        renders, which is most of the cost of rendering an e-mail. The
        dispatcher passes a ``crm_alert_qweb_cache`` dict in the context;
        within it, the same source in the same rendering context is compiled
        once.
        """
        cache = self.env.context.get("crm_alert_qweb_cache")
        if cache is None or not isinstance(template, etree._Element):
            return super()._compile(template)
        # Rendering options reach the compiler through the context.
        options = sorted(
            (name, repr(value))
            for name, value in self.env.context.items()
            if name != "crm_alert_qweb_cache"
        )
        key = (etree.tostring(template), tuple(options))
        if key not in cache:
            cache[key] = super()._compile(template)
        return cache[key]
