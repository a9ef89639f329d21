# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's automation rules still run exactly when they should now that the
rules of a model are remembered between records: a rule created, switched
off, switched on, moved to another trigger or deleted counts at once."""

from odoo.tests import tagged

from .isolation import DemoIsolatedCase


@tagged("post_install", "-at_install", "crm_alert")
class TestAutomationRuleLookup(DemoIsolatedCase):
    def partner(self, name="Dewi"):
        return self.env["res.partner"].create({"name": name})

    def rule(self, name, field, value, trigger="on_create", filter_domain=False):
        rule = self.env["base.automation"].create(
            {
                "name": name,
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "trigger": trigger,
                "filter_domain": filter_domain,
            }
        )
        self.env["ir.actions.server"].create(
            {
                "name": name,
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "base_automation_id": rule.id,
                "usage": "base_automation",
                "state": "object_write",
                "update_path": field,
                "evaluation_type": "value",
                "value": value,
            }
        )
        return rule

    def test_rule_changes_count_at_once(self):
        """A second rule on the same model and trigger keeps Odoo's hooks in
        place: what decides is which rules the lookup finds."""
        self.assertFalse(self.partner().function, "no rule yet")
        self.rule("Reference new contacts", "ref", "NEW")
        self.assertEqual(self.partner().ref, "NEW")
        rule = self.rule("Tag new contacts", "function", "Customer")
        first = self.partner()
        self.assertEqual((first.function, first.ref), ("Customer", "NEW"))
        self.assertEqual(self.partner("Eko").function, "Customer", "every time")
        rule.active = False
        off = self.partner()
        self.assertEqual((off.function, off.ref), (False, "NEW"), "switched off")
        rule.active = True
        self.assertEqual(self.partner().function, "Customer", "switched on")
        rule.trigger = "on_unlink"
        self.assertFalse(self.partner().function, "another trigger")
        rule.trigger = "on_create"
        self.assertEqual(self.partner().function, "Customer")
        rule.unlink()
        gone = self.partner()
        self.assertEqual((gone.function, gone.ref), (False, "NEW"), "deleted")

    def test_filters_literal_and_evaluated(self):
        """A plain filter is read once per worker, one naming the user is
        evaluated each time: both still decide which records a rule acts on."""
        self.rule("VIP", "ref", "VIP", filter_domain="[('name', 'ilike', 'vip')]")
        self.rule(
            "Mine", "function", "Mine", filter_domain="[('name', '=', user.name)]"
        )
        self.assertEqual(self.partner("Ana VIP").ref, "VIP")
        self.assertFalse(self.partner("Ana").ref)
        self.assertFalse(self.partner("Ana").function)
        self.assertEqual(self.partner(self.env.user.name).function, "Mine")
        self.rule("Bo", "comment", "Bo", filter_domain="[('name', 'ilike', 'vip')]")
        vip = self.partner("Bo vip")
        self.assertEqual((vip.ref, str(vip.comment)), ("VIP", "<p>Bo</p>"))
