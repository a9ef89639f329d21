# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.safe_eval import safe_eval

from ..tools import book_cron_at_commit, fetch_locked_ids

_logger = logging.getLogger(__name__)

CRON = "crm_alert_automation.ir_cron_crm_workflow"
BATCH_SIZE = 2000
# steps a run may take in one go: a graph looping without a wait fails
MAX_HOPS = 50
LIVE = ("running", "waiting")


def add_time(moment, amount, unit):
    return moment + relativedelta(**{unit: amount})


class CrmWorkflowRun(models.Model):
    """One record's way through a workflow."""

    _name = "crm.workflow.run"
    _description = "CRM Workflow Run"
    _order = "id desc"
    _rec_name = "record_name"

    workflow_id = fields.Many2one(
        "crm.workflow", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    res_model = fields.Char(string="Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Record ID", model_field="res_model", required=True, readonly=True
    )
    record_name = fields.Char(string="Record", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        index=True,
        readonly=True,
        help="The record's salesperson when it was enrolled.",
    )
    state = fields.Selection(
        [
            ("running", "Running"),
            ("waiting", "Waiting"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="running",
        readonly=True,
    )
    step_id = fields.Many2one(
        "crm.workflow.step", string="Current Step", ondelete="set null", readonly=True
    )
    wake_at = fields.Datetime(
        readonly=True,
        help="When the run goes on: a wait's end, a human step's time limit.",
    )
    activity_id = fields.Many2one(
        "mail.activity", ondelete="set null", index="btree_not_null", readonly=True
    )
    resume_outcome = fields.Selection(
        [("done", "Done"), ("cancelled", "Cancelled")], readonly=True
    )
    error = fields.Text(readonly=True)
    ended_at = fields.Datetime(readonly=True)
    log_ids = fields.One2many("crm.workflow.run.log", "run_id", string="Timeline")

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS crm_workflow_run_due_idx "
            "ON crm_workflow_run (wake_at) WHERE state IN ('running', 'waiting')"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS crm_workflow_run_record_idx "
            "ON crm_workflow_run (res_model, res_id, workflow_id)"
        )

    # ------------------------------------------------------------------
    # Start
    # ------------------------------------------------------------------
    @api.model
    def _start(self, workflow, records, advance=False):
        """New runs of ``workflow`` for ``records``, their timelines begun;
        ``advance``: and moved on at once (one INSERT of timeline lines)."""
        now = fields.Datetime.now()
        first = workflow._first_step()
        user_field = records._fields.get("user_id")
        with_user = user_field and user_field.comodel_name == "res.users"
        names = {r.id: r.display_name for r in records}
        runs = self.create(
            [
                {
                    "workflow_id": workflow.id,
                    "company_id": workflow.company_id.id,
                    "res_model": records._name,
                    "res_id": record.id,
                    "record_name": names[record.id],
                    "user_id": record.user_id.id if with_user else False,
                    "step_id": first.id,
                    "state": "running" if first else "done",
                    "wake_at": now if first else False,
                    "ended_at": False if first else now,
                }
                for record in records
            ]
        )
        trigger = dict(workflow._fields["trigger"]._description_selection(self.env))[
            workflow.trigger
        ]
        engine = _Engine(self.env)
        engine.log(runs, None, self.env._("Started (%(trigger)s)", trigger=trigger))
        if advance:
            return runs._advance(engine)
        engine.insert_logs()
        return runs

    # ------------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------------
    def _advance(self, engine=None):
        """Move these runs (owned by this transaction: locked or new) as far
        as they go now: each step is executed once, for all the runs at it
        together. Returns the runs."""
        runs = self.sudo().with_context(tracking_disable=True)
        engine = _Engine(runs.env, engine)
        pending = runs.filtered(lambda r: r.state in LIVE)
        for _hop in range(MAX_HOPS):
            if not pending:
                break
            pending = engine.hop(pending)
        for run in pending:
            engine.fail(
                run,
                self.env._(
                    "More than %(n)s steps without a wait: the workflow loops.",
                    n=MAX_HOPS,
                ),
            )
        engine.flush()
        return self

    @api.model
    def _cron_advance(self, batch_size=BATCH_SIZE):
        """Resume the runs whose moment came, one batch a call."""
        now = fields.Datetime.now()
        self.env.flush_all()
        ids = fetch_locked_ids(
            self.env.cr,
            SQL(
                "SELECT id FROM crm_workflow_run WHERE state IN ('running', "
                "'waiting') AND wake_at <= %s ORDER BY wake_at, id LIMIT %s "
                "FOR UPDATE SKIP LOCKED",
                now,
                batch_size,
            ),
        )
        if ids is None:  # another worker won the race: look again soon
            self.env.ref(CRON).sudo()._trigger()
            return 0
        if ids:
            self.browse(ids)._advance()
            self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM crm_workflow_run WHERE state IN ('running', "
                "'waiting') AND wake_at <= %s",
                now,
            )
        )
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
        self.env.cr.execute(
            SQL(
                "SELECT min(wake_at) FROM crm_workflow_run WHERE state IN "
                "('running', 'waiting') AND wake_at > %s",
                now,
            )
        )
        self._wake_at(self.env.cr.fetchone()[0])
        return len(ids)

    @api.model
    def _wake_at(self, moment):
        """Book the runner at ``moment``: the earliest moment of the
        transaction, once, when it commits (the cron re-books the next one
        after each tick)."""
        book_cron_at_commit(self.env, CRON, moment)

    def _lock(self):
        """Wait for and lock these runs (a cron tick may hold them); return
        those still live."""
        if not self:
            return self
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM crm_workflow_run WHERE id IN %s AND state IN %s "
                "FOR UPDATE",
                tuple(self.ids),
                LIVE,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        self.invalidate_recordset()
        return self.browse(ids)

    def _resume_human(self, outcome, activities):
        """The activity of a human step was marked done (or deleted): go on
        along the matching branch, now."""
        runs = (
            self.sudo()
            ._lock()
            .filtered(
                lambda r: (
                    r.state == "waiting"
                    and r.step_id.kind == "human"
                    and (not r.activity_id or r.activity_id in activities)
                )
            )
        )
        if runs:
            runs.write({"resume_outcome": outcome})
            runs._advance()

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_retry(self):
        runs = self.filtered(lambda r: r.state == "failed")
        if not runs:
            raise UserError(self.env._("Only a failed run can retry its step."))
        runs.sudo().write({"state": "running", "error": False, "ended_at": False})
        runs.sudo()._advance()
        return True

    def action_cancel(self):
        runs = self.sudo()._lock()
        engine = _Engine(runs.env)
        engine.end(
            runs,
            "cancelled",
            self.env._("Cancelled by %(user)s", user=self.env.user.name),
        )
        engine.flush()
        return True

    def action_open_record(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }


class _Engine:
    """The steps' execution for a set of runs, batched per step."""

    def __init__(self, env, pending=None):
        self.env = env
        self.now = fields.Datetime.now()
        self.test = env.context.get("crm_workflow_test")
        # the timeline lines another engine has not inserted yet
        self.logs = pending.logs if pending else []
        self.wake = []
        self.planned = {}  # (step, calendar): end of a working-hours wait

    # -- bookkeeping ----------------------------------------------------
    def log(self, runs, step, outcome, error=False):
        step_id = step.id if step else None
        self.logs += [(run_id, step_id, outcome, error or None) for run_id in runs.ids]

    def end(self, runs, state, outcome, step=None):
        if not runs:
            return
        runs.write(
            {
                "state": state,
                "wake_at": False,
                "activity_id": False,
                "resume_outcome": False,
                "ended_at": self.now,
            }
        )
        self.log(runs, step, outcome)

    def fail(self, run, error):
        step = run.step_id
        run.write(
            {"state": "failed", "wake_at": False, "error": error, "ended_at": self.now}
        )
        self.log(run, step, self.env._("Failed"), error=error)

    def goto(self, runs, step, next_step, outcome):
        """Log ``outcome`` of ``step`` and move on to ``next_step`` (or end)."""
        if not runs:
            return runs
        self.log(runs, step, outcome)
        if not next_step:
            self.end(runs, "done", self.env._("End of the workflow"))
            return runs.browse()
        runs.write(
            {
                "state": "running",
                "step_id": next_step.id,
                "wake_at": self.now,
                "activity_id": False,
                "resume_outcome": False,
            }
        )
        return runs

    def park(self, runs, wake_at, outcome, step, activity=None):
        vals = {"state": "waiting", "wake_at": wake_at}
        if activity is not None:
            vals["activity_id"] = activity.id
        runs.write(vals)
        self.log(runs, step, outcome)
        if wake_at:
            self.wake.append(wake_at)

    def flush(self):
        if self.logs:
            self.insert_logs()
        if self.wake and not self.test:
            self.env["crm.workflow.run"]._wake_at(min(self.wake))
        self.wake = []

    def insert_logs(self):
        """The timelines' new lines in one INSERT (a resumed batch writes
        several lines per run)."""
        if not self.logs:
            return
        self.env.flush_all()
        run_ids, step_ids, outcomes, errors = zip(*self.logs, strict=True)
        self.env.cr.execute(
            SQL(
                "INSERT INTO crm_workflow_run_log (run_id, company_id, step_id, "
                "outcome, error, at) SELECT t.r, run.company_id, t.s, t.o, t.e, "
                "%(now)s FROM unnest(%(runs)s::int[], %(steps)s::int[], "
                "%(outcomes)s::varchar[], %(errors)s::text[]) WITH ORDINALITY "
                "AS t(r, s, o, e, n) JOIN crm_workflow_run run ON run.id = t.r "
                "ORDER BY t.n",
                now=self.now,
                runs=list(run_ids),
                steps=list(step_ids),
                outcomes=list(outcomes),
                errors=list(errors),
            )
        )
        self.logs = []
        self.env["crm.workflow.run.log"].invalidate_model()
        self.env["crm.workflow.run"].invalidate_model(["log_ids"])

    # -- one hop: every pending run does its current step ------------------
    def hop(self, pending):
        groups = defaultdict(list)
        for run in pending:
            groups[run.workflow_id, run.step_id, run.state].append(run.id)
        moving = []
        for (workflow, step, state), ids in groups.items():
            moving += self.run_step(workflow, step, state, pending.browse(ids)).ids
        return pending.browse(moving)

    def run_step(self, workflow, step, state, runs):
        records = self.env[workflow.model].browse(runs.mapped("res_id"))
        existing = set(records.exists().ids)
        gone = runs.filtered(lambda r: r.res_id not in existing)
        self.end(gone, "cancelled", self.env._("Record deleted"), step)
        runs -= gone
        if not runs:
            return runs
        if workflow.goal_domain:
            met = self.matching(workflow.model, runs, workflow.goal_domain)
            reached = runs.filtered(lambda r: r.res_id in met)
            self.end(reached, "done", self.env._("Goal met"), step)
            runs -= reached
        if not runs:
            return runs
        if not step:
            self.end(runs, "done", self.env._("End of the workflow"))
            return runs.browse()
        if state == "waiting":
            return self.resume(step, runs)
        return getattr(self, f"do_{step.kind}")(step, runs)

    def records(self, step, runs):
        return self.env[step.model].browse(runs.mapped("res_id"))

    def matching(self, model, runs, domain):
        """The ids of the runs' records matching ``domain``, found by the
        database (not by reading the records)."""
        Model = self.env[model].with_context(active_test=False)
        return set(
            Model.search(
                [("id", "in", runs.mapped("res_id")), *safe_eval(domain or "[]")]
            ).ids
        )

    # -- step kinds -----------------------------------------------------
    def do_end(self, step, runs):
        self.end(runs, "done", self.env._("End"), step)
        return runs.browse()

    def do_condition(self, step, runs):
        matched = self.matching(step.model, runs, step.condition_domain)
        yes = runs.filtered(lambda r: r.res_id in matched)
        return self.goto(yes, step, step.next_step_id, self.env._("Yes")) | self.goto(
            runs - yes, step, step.no_step_id, self.env._("No")
        )

    def do_action(self, step, runs):
        try:
            with self.env.cr.savepoint():
                self.execute(step, runs)
            done = runs
        except Exception:  # pylint: disable=broad-except
            # one of them broke it: each on its own, the others go on
            self.env.invalidate_all()
            done = runs.browse()
            for run in runs:
                try:
                    with self.env.cr.savepoint():
                        self.execute(step, run)
                    done |= run
                except Exception as error:  # pylint: disable=broad-except
                    self.env.invalidate_all()
                    _logger.info("workflow run %s failed: %s", run.id, error)
                    self.fail(run, str(error) or repr(error))
        return self.goto(done, step, step.next_step_id, self.env._("Done"))

    def execute(self, step, runs):
        records = self.records(step, runs)
        if step.action_kind == "activity":
            self.schedule_activities(step, records)
            return
        action = step.sudo().action_id
        if not action:
            raise UserError(
                self.env._("Step %(step)s has no action to run.", step=step.name)
            )
        if self.test and action.state == "webhook":
            return  # a test run calls nobody
        if step.workflow_id.company_id:
            # messages go out from the workflow's company
            action = action.with_company(step.workflow_id.company_id)
        if self.write_at_once(action, records):
            return
        action.with_context(
            active_model=records._name,
            active_ids=records.ids,
            active_id=records[:1].id,
        ).run()

    @staticmethod
    def write_at_once(action, records):
        """Odoo runs an *Update Record* action once per record: a fixed value
        of the record's own field (an update step) is written to all the
        step's records together, as one write. False when the action is of
        another kind."""
        if (
            action.state != "object_write"
            or action.evaluation_type != "value"
            or action.groups_id
            or "." in (action.update_path or "")
        ):
            return False
        records.write({action.update_field_id.name: action._eval_value()[action.id]})
        return True

    def do_wait(self, step, runs):
        now = self.now
        if self.test:
            return self.goto(runs, step, step.next_step_id, self.env._("Wait skipped"))
        by_moment = defaultdict(list)
        for run in runs:
            by_moment[self.wait_until(step, run)].append(run.id)
        moving = runs.browse()
        for moment, ids in by_moment.items():
            group = runs.browse(ids)
            if not moment or moment <= now:
                moving |= self.goto(
                    group, step, step.next_step_id, self.env._("No wait needed")
                )
            else:
                self.park(
                    group,
                    moment,
                    self.env._("Waiting until %(moment)s (UTC)", moment=moment),
                    step,
                )
        return moving

    def wait_until(self, step, run):
        if step.wait_mode == "delay":
            if step.wait_working_hours:
                calendar = (run.company_id or self.env.company).resource_calendar_id
                if calendar:
                    return self.working_time(step, calendar)
            return add_time(self.now, step.wait_amount, step.wait_unit)
        record = self.env[step.model].browse(run.res_id)
        value = record[step.wait_date_field_id.name]
        if not value:
            return False
        if step.wait_date_field_id.ttype == "date":
            value = fields.Datetime.to_datetime(value)
        return add_time(value, step.wait_offset, step.wait_offset_unit)

    def working_time(self, step, calendar):
        """The end of the step's wait counted on ``calendar``'s working
        hours (in its time zone, public holidays skipped; a day is the
        calendar's hours a day); planned once for all the runs starting
        it together."""
        key = (step.id, calendar.id)
        if key not in self.planned:
            hours = (
                step.wait_amount
                * {
                    "minutes": 1 / 60,
                    "hours": 1,
                    "days": calendar.hours_per_day,
                }[step.wait_unit]
            )
            self.planned[key] = calendar.plan_hours(
                hours, self.now, compute_leaves=True
            ) or add_time(self.now, step.wait_amount, step.wait_unit)
        return self.planned[key]

    def do_human(self, step, runs):
        activities = self.schedule_activities(step, self.records(step, runs))
        if self.test:
            return self.goto(
                runs,
                step,
                step.next_step_id,
                self.env._("Activity created; assumed done"),
            )
        wake_at = (
            add_time(self.now, step.timeout_amount, step.timeout_unit)
            if step.timeout_amount
            else False
        )
        for run in runs:
            activity = activities.get(run.res_id)
            self.park(
                run,
                wake_at,
                self.env._(
                    "Activity for %(user)s, waiting until it is done",
                    user=activity.user_id.name,
                ),
                step,
                activity=activity,
            )
        return runs.browse()

    def resume(self, step, runs):
        if step.kind == "wait":
            return self.goto(runs, step, step.next_step_id, self.env._("Waited"))
        if step.kind != "human":
            return self.do_step_again(step, runs)
        moving = runs.browse()
        done = runs.filtered(lambda r: r.resume_outcome == "done")
        cancelled = runs.filtered(lambda r: r.resume_outcome == "cancelled")
        timeout = runs - done - cancelled
        moving |= self.goto(done, step, step.next_step_id, self.env._("Activity done"))
        if step.cancel_step_id:
            moving |= self.goto(
                cancelled, step, step.cancel_step_id, self.env._("Activity cancelled")
            )
        else:
            self.end(cancelled, "cancelled", self.env._("Activity cancelled"), step)
        if step.timeout_step_id:
            moving |= self.goto(
                timeout, step, step.timeout_step_id, self.env._("Not done in time")
            )
        else:
            self.end(timeout, "done", self.env._("Not done in time"), step)
        return moving

    def do_step_again(self, step, runs):
        runs.write({"state": "running"})
        return runs

    # -- activities -----------------------------------------------------
    def assignee(self, step, record):
        if step.assign_to == "user":
            return step.assign_user_id
        if record._name == "mail.activity" and step.assign_to == "salesperson":
            return record.user_id
        if step.assign_to == "team_leader":
            return record.team_id.user_id if "team_id" in record._fields else False
        return record.user_id if "user_id" in record._fields else False

    def schedule_activities(self, step, records):
        """An activity per record (on its document for an activity), with the
        step's type, summary, priority and deadline; {res_id: activity}."""
        deadline = fields.Date.context_today(records) + timedelta(
            days=step.deadline_days
        )
        summary = step.activity_summary or step.name
        if step.priority != "0":
            label = dict(step._fields["priority"]._description_selection(self.env))
            summary = f"{label[step.priority]}: {summary}"
        vals_list = []
        for record in records:
            document = record
            if record._name == "mail.activity":
                document = self.env[record.res_model].browse(record.res_id)
            if "activity_ids" not in document._fields:
                raise UserError(
                    self.env._(
                        "%(model)s has no activities: a human step cannot assign one.",
                        model=document._description,
                    )
                )
            user = self.assignee(step, record) or self.env.user
            vals_list.append(
                {
                    "res_model_id": self.env["ir.model"]._get_id(document._name),
                    "res_id": document.id,
                    "activity_type_id": step.activity_type_id.id,
                    "summary": summary,
                    "note": step.activity_note or False,
                    "date_deadline": deadline,
                    "user_id": user.id,
                }
            )
        activities = self.env["mail.activity"].create(vals_list)
        return dict(zip(records.ids, activities, strict=True))
