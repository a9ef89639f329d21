# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


# Kept apart from mail_activity.py while another change is under way there;
# to be merged into it.
class MailActivity(models.Model):
    """A workflow's human step resumes the moment its activity is marked
    done (or takes its cancelled branch when the activity is deleted)."""

    _inherit = "mail.activity"  # pylint: disable=consider-merging-classes-inherited

    crm_workflow_user_partner_id = fields.Many2one(
        related="user_id.partner_id",
        string="Assigned Contact",
        help="The contact of the user the activity is assigned to (workflow "
        "messages to the team).",
    )

    def _crm_workflow_waiting_runs(self):
        if not self.ids:
            return self.env["crm.workflow.run"]
        return (
            self.env["crm.workflow.run"]
            .sudo()
            .search([("activity_id", "in", self.ids), ("state", "=", "waiting")])
        )

    def _action_done(self, feedback=False, attachment_ids=None):
        runs = self._crm_workflow_waiting_runs()
        activities = self.browse(self.ids)
        res = super(
            MailActivity, self.with_context(crm_workflow_activity_done=True)
        )._action_done(feedback=feedback, attachment_ids=attachment_ids)
        runs._resume_human("done", activities)
        return res

    def unlink(self):
        runs = (
            self.env["crm.workflow.run"]
            if self.env.context.get("crm_workflow_activity_done")
            else self._crm_workflow_waiting_runs()
        )
        activities = self.browse(self.ids)
        res = super().unlink()
        runs._resume_human("cancelled", activities)
        return res

    # A *Send Alert Message* action run on an activity (a workflow on
    # activities): the message is about the activity itself, not a reminder
    # of it; it stands while the activity is open.
    @api.model
    def _crm_alert_obsolete_reason(self, message):
        if message.kind == "action" and not message.activity_ids:
            activity = (
                self.with_context(active_test=False).browse(message.source_id).exists()
            )
            if not activity.active:
                return self.env._("The activity was done, cancelled or deleted.")
            return False
        return super()._crm_alert_obsolete_reason(message)

    @api.model
    def _crm_alert_render_target(self, message):
        if message.kind == "action" and not message.activity_ids:
            return self.browse(message.source_id).exists() or None, {}
        return super()._crm_alert_render_target(message)
