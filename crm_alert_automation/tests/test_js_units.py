# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import HttpCase, tagged


def hoot_hash(name):
    """The id Odoo's HOOT runner gives a suite or test (see web's test_js)."""
    value = 0
    for char in name:
        value = ((value << 5) - value + ord(char)) & 0xFFFFFFFF
    return f"{value:08x}"


@tagged("post_install", "-at_install", "crm_alert")
class TestJsUnits(HttpCase):
    def test_hoot_unit_tests(self):
        self.run_suite("@crm_alert_automation/reminders")

    def test_hoot_workflow_builder(self):
        """The builder's graph model and its dagre layout."""
        self.run_suite("@crm_alert_automation/workflow_builder")

    def run_suite(self, name):
        suite = hoot_hash(name)
        self.browser_js(
            f"/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&suite={suite}",
            "",
            "",
            login="admin",
            timeout=600,
            success_signal="[HOOT] test suite succeeded",
            error_checker=lambda message: "[HOOT]" not in message,
        )
