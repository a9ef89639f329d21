# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class CalendarEvent(models.Model):
    _inherit = "calendar.event"

    def write(self, vals):
        res = super().write(vals)
        if {"start", "allday"} & set(vals):
            # A moved meeting moves its activity's due moment.
            self.sudo().activity_ids._crm_alert_schedule_scan()
            self.sudo().activity_ids._reminder_lines()._wake_scanner()
        if "partner_ids" in vals:
            self.sudo().activity_ids._reminders_follow_participants()
        return res
