# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class CrmWorkflowRunLog(models.Model):
    """One line of a run's timeline: a step, when, its outcome or error."""

    _name = "crm.workflow.run.log"
    _description = "CRM Workflow Run Timeline"
    _order = "id"
    # written once by the engine, many at a time, never edited: its moment
    # is ``at``, and no user columns to check row by row
    _log_access = False

    run_id = fields.Many2one(
        "crm.workflow.run", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True)
    at = fields.Datetime(default=fields.Datetime.now, required=True)
    step_id = fields.Many2one("crm.workflow.step", ondelete="set null")
    step_kind = fields.Selection(related="step_id.kind")
    outcome = fields.Char()
    error = fields.Text()
