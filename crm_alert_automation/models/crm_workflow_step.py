# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools.safe_eval import safe_eval

from .crm_workflow import OUTCOMES

UNITS = [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days")]
PRIORITIES = [("0", "Normal"), ("1", "High"), ("2", "Urgent")]
# action kinds carried out by an ir.actions.server the step owns
OWN_ACTIONS = {"message": "crm_alert_message", "update": "object_write"}
# the fields that link a step to the next ones, one per outcome
LINK_FIELDS = tuple(OUTCOMES.values())
OPERATORS = {
    "=": "=",
    "==": "=",
    "!=": "≠",
    "<>": "≠",
    ">": ">",
    ">=": "≥",
    "<": "<",
    "<=": "≤",
}


class CrmWorkflowStep(models.Model):
    """One node of a workflow's graph; each step names its next step per
    outcome (empty: the run ends there)."""

    _name = "crm.workflow.step"
    _description = "CRM Workflow Step"
    _order = "workflow_id, sequence, id"

    workflow_id = fields.Many2one(
        "crm.workflow", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="workflow_id.company_id", store=True, index=True
    )
    model_id = fields.Many2one(related="workflow_id.model_id")
    model = fields.Char(related="workflow_id.model")
    sequence = fields.Integer(
        default=10, help="The first step of the workflow is the one on top."
    )
    name = fields.Char(required=True, translate=True)
    kind = fields.Selection(
        [
            ("condition", "Condition"),
            ("action", "Action"),
            ("wait", "Wait"),
            ("human", "Human Step"),
            ("end", "End"),
        ],
        required=True,
        default="action",
    )
    # -- branches -------------------------------------------------------
    next_step_id = fields.Many2one(
        "crm.workflow.step",
        ondelete="set null",
        domain="[('workflow_id', '=', workflow_id), ('id', '!=', id)]",
        help="Condition: the step when the record matches (Yes). Human step: "
        "the step once the activity is done. Empty: the run ends.",
    )
    no_step_id = fields.Many2one(
        "crm.workflow.step",
        string="Otherwise (No)",
        ondelete="set null",
        domain="[('workflow_id', '=', workflow_id), ('id', '!=', id)]",
    )
    timeout_step_id = fields.Many2one(
        "crm.workflow.step",
        string="If Not Done in Time",
        ondelete="set null",
        domain="[('workflow_id', '=', workflow_id), ('id', '!=', id)]",
    )
    cancel_step_id = fields.Many2one(
        "crm.workflow.step",
        string="If Cancelled",
        ondelete="set null",
        domain="[('workflow_id', '=', workflow_id), ('id', '!=', id)]",
        help="The activity was deleted instead of being marked done. Empty: "
        "the run is cancelled.",
    )
    # -- condition ------------------------------------------------------
    condition_domain = fields.Char(string="Condition", default="[]")
    # -- action ---------------------------------------------------------
    action_kind = fields.Selection(
        [
            ("message", "Send e-mail / SMS / WhatsApp"),
            ("activity", "Create an activity"),
            ("update", "Update a field"),
            ("server", "Run a server action"),
        ],
        default="message",
    )
    action_id = fields.Many2one(
        "ir.actions.server",
        string="Server Action",
        ondelete="restrict",
        domain="[('model_id', '=', model_id), "
        "('state', 'not in', ('crm_workflow_start',))]",
        groups="base.group_system",
        help="Any server action of the model (Settings administrators).",
    )
    action_owned = fields.Boolean(
        copy=False,
        groups="base.group_system",
        help="The server action was made by this step (message / update).",
    )
    msg_channel = fields.Selection(
        [("email", "E-mail"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
        string="Channel",
        default="email",
    )
    msg_mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model_id', '=', model_id)]",
    )
    msg_sms_template_id = fields.Many2one(
        "sms.template",
        string="Text Template",
        domain="[('model_id', '=', model_id)]",
    )
    msg_recipient_field_id = fields.Many2one(
        "ir.model.fields",
        string="Recipient",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', '=', 'many2one'), "
        "('relation', '=', 'res.partner')]",
        help="The contact field of the record who receives the message; empty "
        "on contacts: the contact itself.",
    )
    update_field_id = fields.Many2one(
        "ir.model.fields",
        string="Field to Update",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('store', '=', True), "
        "('readonly', '=', False), ('ttype', 'in', ('char', 'text', 'integer', "
        "'float', 'boolean', 'selection', 'many2one', 'date', 'datetime'))]",
    )
    update_value = fields.Char(
        string="New Value",
        help="Text or number; Yes/No for a checkbox; the technical value of a "
        "selection; the id of the linked record.",
    )
    # -- wait -----------------------------------------------------------
    wait_mode = fields.Selection(
        [("delay", "For some time"), ("date", "Until a date of the record")],
        default="delay",
    )
    wait_amount = fields.Integer(string="Wait", default=1)
    wait_unit = fields.Selection(UNITS, default="days")
    wait_date_field_id = fields.Many2one(
        "ir.model.fields",
        string="Until",
        ondelete="cascade",
        domain="[('model_id', '=', model_id), ('ttype', 'in', ('date', 'datetime'))]",
    )
    wait_offset = fields.Integer(
        string="Offset", help="Negative: before the date; positive: after it."
    )
    wait_offset_unit = fields.Selection(UNITS, default="days")
    wait_working_hours = fields.Boolean(
        string="Working Hours Only",
        help="Count hours and days on the company's working schedule.",
    )
    # -- human step / activity ---------------------------------------------
    activity_type_id = fields.Many2one("mail.activity.type")
    activity_summary = fields.Char(string="Summary", translate=True)
    activity_note = fields.Html(string="Note", translate=True)
    assign_to = fields.Selection(
        [
            ("user", "A specific user"),
            ("salesperson", "The record's salesperson"),
            ("team_leader", "The sales team's leader"),
        ],
        default="salesperson",
    )
    assign_user_id = fields.Many2one("res.users", string="User")
    priority = fields.Selection(PRIORITIES, default="0")
    deadline_days = fields.Integer(string="Deadline (days)", default=1)
    timeout_amount = fields.Integer(
        string="Time Limit",
        help="Human step: after this long without the activity being done, "
        "the run takes the branch 'If Not Done in Time' (0: it waits forever).",
    )
    timeout_unit = fields.Selection(UNITS, default="days")

    # ------------------------------------------------------------------
    builder_x = fields.Integer(string="Diagram X", copy=False)
    builder_y = fields.Integer(string="Diagram Y", copy=False)

    @api.constrains(
        "kind",
        "condition_domain",
        "action_kind",
        "msg_channel",
        "msg_mail_template_id",
        "msg_sms_template_id",
        "update_field_id",
        "update_value",
        "wait_mode",
        "wait_amount",
        "wait_date_field_id",
        "activity_type_id",
        "assign_to",
        "assign_user_id",
        "timeout_amount",
        *LINK_FIELDS,
    )
    def _check_step(self):
        """A step of an active workflow (or a template) is complete; a step of
        an inactive workflow may be drafted, its problems shown on the
        builder's canvas until the workflow is activated."""
        if self.env.context.get("crm_workflow_builder"):
            return  # the builder checks the whole diagram once, at its end
        for step in self:
            problems = step._step_problems()
            if problems and (step.workflow_id.active or problems[0][1] == "link"):
                raise ValidationError(problems[0][0])

    def _step_problems(self):
        """The step's settings problems: [(message, code)], the first one
        the most basic; code ``link`` is always refused."""
        self.ensure_one()
        problems = []

        def add(message, code="settings", **kw):
            problems.append(
                (self.env._("Step %(step)s: ", step=self.name) + message % kw, code)
            )

        self._link_problems(add)
        if self.kind == "condition":
            try:
                self.env[self.model].search_count(
                    safe_eval(self.condition_domain or "[]"), limit=1
                )
            except Exception as error:  # pylint: disable=broad-except
                add(self.env._("Condition is not a valid filter: %(e)s"), e=error)
        elif self.kind == "action":
            self._action_problems(add)
        elif self.kind == "wait":
            if self.wait_mode == "delay" and self.wait_amount <= 0:
                add(self.env._("Wait must be a positive amount."))
            if self.wait_mode == "date" and not self.wait_date_field_id:
                add(self.env._("Until: choose the date field to wait for."))
        elif self.kind == "human":
            if not self.activity_type_id:
                add(self.env._("Activity Type is required."))
            self._assignee_problems(add)
            if self.timeout_amount < 0:
                add(self.env._("Time Limit cannot be negative."))
        return problems

    def _link_problems(self, add):
        for field in LINK_FIELDS:
            if self[field] and self[field].workflow_id != self.workflow_id:
                add(
                    self.env._("%(field)s must be a step of the same workflow."),
                    "link",
                    field=self._fields[field].get_description(self.env)["string"],
                )

    def _assignee_problems(self, add):
        if self.assign_to == "user" and not self.assign_user_id:
            add(self.env._("User is required (who gets the activity)."))
        fields_ = self.env[self.model]._fields
        if self.assign_to == "salesperson" and "user_id" not in fields_:
            add(self.env._("Assign To: this model has no salesperson."))
        if self.assign_to == "team_leader" and "team_id" not in fields_:
            add(self.env._("Assign To: this model has no sales team."))

    def _action_problems(self, add):
        kind = self.action_kind
        if kind == "message":
            self._message_problems(add)
        elif kind == "activity":
            if not self.activity_type_id:
                add(self.env._("Activity Type is required."))
            self._assignee_problems(add)
        elif kind == "update":
            self._update_problems(add)
        elif kind == "server" and not self.sudo().action_id:
            add(self.env._("Server Action is required."))

    def _message_problems(self, add):
        template = (
            self.msg_mail_template_id
            if self.msg_channel == "email"
            else self.msg_sms_template_id
        )
        if not template:
            add(self.env._("E-mail/Text Template is required."))
        if not self.msg_recipient_field_id and self.model != "res.partner":
            add(self.env._("Recipient is required (which contact receives it)."))

    def _update_problems(self, add):
        if not self.update_field_id:
            add(self.env._("Field to Update is required."))
            return
        ttype = self.update_field_id.ttype
        value = (self.update_value or "").strip()
        if ttype in ("integer", "many2one") and value and not value.isdigit():
            add(self.env._("New Value must be a whole number for this field."))
        if ttype == "float":
            try:
                float(value or 0)
            except ValueError:
                add(self.env._("New Value must be a number for this field."))
        if ttype == "boolean" and value.lower() not in ("yes", "no", ""):
            add(self.env._("New Value must be Yes or No for this field."))
        if ttype == "selection" and value:
            values = self.update_field_id.selection_ids.mapped("value")
            if value not in values:
                add(
                    self.env._("New Value must be one of %(values)s."),
                    values=", ".join(values),
                )

    # ------------------------------------------------------------------
    # The step's own server action (message / update): sales managers
    # configure it here, never a code action.
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_server_action_rights(vals)
        steps = super().create(vals_list)
        steps._sync_action()
        return steps

    def write(self, vals):
        self._check_server_action_rights(vals)
        if "action_id" in vals and "action_owned" not in vals:
            vals = dict(vals, action_owned=False)
        res = super().write(vals)
        if vals.keys() - {
            "sequence",
            "action_id",
            "action_owned",
            *LINK_FIELDS,
            "builder_x",
            "builder_y",
        }:
            self._sync_action()
        return res

    def unlink(self):
        actions = self.sudo().filtered("action_owned").action_id
        res = super().unlink()
        actions.unlink()
        return res

    def _check_server_action_rights(self, vals):
        if (vals.get("action_kind") == "server" or vals.get("action_id")) and not (
            self.env.su or self.env.user.has_group("base.group_system")
        ):
            raise AccessError(
                self.env._(
                    "Only Settings administrators choose server actions for "
                    "workflow steps."
                )
            )

    def _own_action_values(self):
        self.ensure_one()
        vals = {
            "name": self.name,
            "model_id": self.model_id.id,
            "state": OWN_ACTIONS[self.action_kind],
            "usage": "ir_actions_server",
        }
        if self.action_kind == "message":
            vals.update(
                {
                    "crm_alert_channel": self.msg_channel,
                    "crm_alert_mail_template_id": self.msg_mail_template_id.id,
                    "crm_alert_sms_template_id": self.msg_sms_template_id.id,
                    "crm_alert_recipient_field_id": self.msg_recipient_field_id.id,
                }
            )
        else:
            value = (self.update_value or "").strip()
            vals.update(
                {
                    "update_path": self.update_field_id.name,
                    "evaluation_type": "value",
                    "value": value,
                    "update_boolean_value": "true"
                    if value.lower() == "yes"
                    else "false",
                }
            )
        return vals

    def _sync_action(self):
        for step in self.sudo():
            own = step.action_id if step.action_owned else False
            # an incomplete step of a drafted workflow has no action yet
            wanted = (
                step.kind == "action"
                and step.action_kind in OWN_ACTIONS
                and not step._step_problems()
            )
            if not wanted:
                if own:
                    step.write({"action_id": False, "action_owned": False})
                    own.unlink()
                continue
            vals = step._own_action_values()
            if own:
                own.write(vals)
            else:
                step.write(
                    {
                        "action_id": step.env["ir.actions.server"].create(vals).id,
                        "action_owned": True,
                    }
                )

    def _action_label(self):
        self.ensure_one()
        return dict(self._fields["kind"]._description_selection(self.env))[self.kind]

    # -- one line on the node -------------------------------------------
    def _builder_summary(self):
        self.ensure_one()
        if self.kind == "condition":
            return self.env._("If %(condition)s", condition=self._domain_summary())
        if self.kind == "wait":
            if self.wait_mode == "date":
                return self.env._(
                    "Wait until %(field)s",
                    field=self.wait_date_field_id.field_description or "…",
                )
            return self.env._(
                "Wait %(amount)s %(unit)s",
                amount=self.wait_amount,
                unit=self._selection_label("wait_unit").lower(),
            )
        if self.kind == "human":
            return self.env._(
                "%(type)s for %(who)s",
                type=self.activity_type_id.name or self.env._("Activity"),
                who=self._assignee_label(),
            )
        if self.kind == "end":
            return self.env._("End of the run")
        kind = self.action_kind
        if kind == "message":
            template = (
                self.msg_mail_template_id
                if self.msg_channel == "email"
                else self.msg_sms_template_id
            )
            return self.env._(
                "Send %(channel)s: %(template)s",
                channel=self._selection_label("msg_channel"),
                template=template.name or "…",
            )
        if kind == "activity":
            return self.env._(
                "%(type)s for %(who)s",
                type=self.activity_type_id.name or self.env._("Activity"),
                who=self._assignee_label(),
            )
        if kind == "update":
            return self.env._(
                "Set %(field)s = %(value)s",
                field=self.update_field_id.field_description or "…",
                value=self.update_value or "",
            )
        return self.env._("Run %(action)s", action=self.sudo().action_id.name or "…")

    def _selection_label(self, field):
        values = dict(self._fields[field]._description_selection(self.env))
        return values.get(self[field], "")

    def _assignee_label(self):
        if self.assign_to == "user":
            return self.assign_user_id.name or "…"
        return self._selection_label("assign_to").lower()

    def _domain_summary(self):
        """``Type = Meeting and Stage ≠ Won`` for simple filters."""
        try:
            domain = safe_eval(self.condition_domain or "[]")
        except Exception:  # pylint: disable=broad-except
            return self.env._("an invalid filter")
        if not domain:
            return self.env._("every record")
        leaves = [
            self._leaf_summary(*leaf)
            for leaf in domain
            if isinstance(leaf, list | tuple) and len(leaf) == 3
        ]
        joiner = self.env._(" or ") if "|" in domain else self.env._(" and ")
        return joiner.join(leaves)

    def _leaf_summary(self, path, operator, value):
        Model = self.env[self.model]
        labels = []
        field = None
        for name in str(path).split("."):
            field = Model._fields.get(name)
            if field is None:
                labels.append(name)
                break
            labels.append(field._description_string(self.env))
            if field.relational:
                Model = self.env[field.comodel_name]
        shown = value
        if field is not None:
            if field.type == "selection":
                shown = dict(field._description_selection(self.env)).get(value, value)
            elif field.type == "many2one" and isinstance(value, int):
                shown = Model.browse(value).exists().display_name or value
            elif field.type == "boolean":
                shown = self.env._("Yes") if value else self.env._("No")
        if isinstance(shown, list | tuple):
            shown = ", ".join(str(v) for v in shown)
        label = " / ".join(labels)
        return f"{label} {OPERATORS.get(operator, operator)} {shown}"
