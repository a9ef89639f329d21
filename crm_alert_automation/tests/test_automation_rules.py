# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Odoo's automation rules still run exactly when they should now that the
rules of a model are remembered between records: a rule created, switched
off, switched on, moved to another trigger or deleted counts at once; and
now that a write touching none of their trigger fields skips them."""

from odoo.exceptions import AccessError
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

    def test_action_changes_count_at_once(self):
        """What a rule's action is (its groups, its kind…) is remembered
        too: a change of the action counts at once."""
        rule = self.rule("Reference new contacts", "ref", "NEW")
        self.assertEqual(self.partner().ref, "NEW")
        rule.action_server_ids.groups_id = self.env.ref("base.group_portal")
        with self.assertRaisesRegex(AccessError, "access rights to run this action"):
            self.partner()

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

    def update_rule(self, name, fields, value):
        """A rule writing ``value`` in the partner's job position when one of
        ``fields`` changes (any field when none is given)."""
        rule = self.rule(name, "function", value, trigger="on_create_or_write")
        rule.trigger_field_ids = self.env["ir.model.fields"].search(
            [("model", "=", "res.partner"), ("name", "in", fields)]
        )
        if not fields:
            rule.trigger = "on_write"
        return rule

    def test_update_rules_watch_their_fields(self):
        """A write or a recomputation that touches none of a rule's trigger
        fields goes past Odoo's rule evaluation; one that does, written
        directly or recomputed, still runs the rule."""
        partner = self.partner()
        self.update_rule("Mobile changed", ["mobile"], "Called")
        partner.comment = "a note"
        self.assertFalse(partner.function, "a field the rule does not watch")
        partner.mobile = "+62 821 1234 5678"
        self.assertEqual(partner.function, "Called", "its field, written")
        self.update_rule("Renamed", ["complete_name"], "Renamed")
        partner.name = "Dewi Lestari"  # complete_name is recomputed from it
        self.env.flush_all()  # where Odoo recomputes it
        self.assertEqual(partner.function, "Renamed", "its field, recomputed")
        partner.function = False
        partner.comment = "another note"
        self.assertFalse(partner.function)
        self.update_rule("Any change", [], "Changed")
        partner.comment = "a third note"
        self.assertEqual(partner.function, "Changed", "a rule watching every field")
