# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models, tools

# What decides which rules a record's create/write/unlink looks at.
LOOKUP_FIELDS = {"model_id", "model_name", "active", "trigger", "sequence"}


class BaseAutomation(models.Model):
    """Odoo looks up the automation rules of a model with one query on every
    create, write and unlink of that model's records (an order's
    confirmation writes orders, deliveries and contacts a dozen times): the
    active rules of a model and trigger are remembered until a rule changes,
    as Odoo remembers its record rules."""

    _inherit = "base.automation"

    def _get_actions(self, records, triggers):
        if "__action_done" not in self._context:
            self = self.with_context(__action_done={})
        ids = self._crm_alert_rule_ids(records._name, tuple(sorted(triggers)))
        return self.browse(ids)

    @api.model
    @tools.ormcache("model_name", "triggers")
    def _crm_alert_rule_ids(self, model_name, triggers):
        domain = [("model_name", "=", model_name), ("trigger", "in", triggers)]
        return tuple(self.with_context(active_test=True).sudo().search(domain).ids)

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        if LOOKUP_FIELDS & set(vals):
            self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
