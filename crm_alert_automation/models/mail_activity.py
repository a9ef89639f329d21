# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import logging
from datetime import datetime, time, timedelta

import pytz

from odoo import SUPERUSER_ID, api, fields, models
from odoo.modules.registry import Registry
from odoo.tools import SQL, format_datetime

from ..tools import book_cron_at, document_companies, fetch_locked_ids, record_of
from .crm_activity_reminder_holder import AUDIENCES

_logger = logging.getLogger(__name__)

SCAN_BATCH_SIZE = 1000
DIGEST_BATCH_SIZE = 5000
# The scanner's wake-ups a transaction books once committed.
PENDING_WAKE_UPS = "crm_alert_automation.scan_wake_ups"
# What moves an activity's own reminder lines (seed 004).
MOVING_FIELDS = {
    "date_deadline",
    "calendar_event_id",
    "active",
    "crm_alert_customer_reminder",
    "crm_alert_operator_reminder",
}


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "crm.activity.reminder.holder"]

    crm_alert_due_at = fields.Datetime(
        string="Due Moment",
        compute="_compute_crm_alert_due_at",
        store=True,
        index=True,
        help="When the activity is due: its meeting's start, else its deadline "
        "day at the company's due time in the responsible user's timezone.",
    )
    crm_alert_company_id = fields.Many2one(
        "res.company",
        string="Alerts Company",
        compute="_compute_crm_alert_company_id",
        store=True,
        help="Whose alert settings apply: the company of the activity's "
        "document, else the responsible user's company.",
    )
    crm_alert_reminded_for = fields.Datetime(
        string="Reminder Queued For",
        readonly=True,
        copy=False,
        help="The due moment a reminder was queued for.",
    )
    crm_alert_escalated_for = fields.Datetime(
        string="Escalation Queued For",
        readonly=True,
        copy=False,
        help="The due moment an escalation was queued for.",
    )
    crm_alert_due_local = fields.Char(
        string="Due (local time)", compute="_compute_crm_alert_due_local"
    )
    crm_alert_record_url = fields.Char(
        string="Record Link", compute="_compute_crm_alert_record_url"
    )

    crm_alert_customer_line_ids = fields.One2many(
        "crm.activity.reminder",
        "activity_id",
        string="Customer Reminders",
        domain=[("audience", "=", "customer")],
        context={"default_audience": "customer"},
    )
    crm_alert_operator_line_ids = fields.One2many(
        "crm.activity.reminder",
        "activity_id",
        string="Operator Reminders",
        domain=[("audience", "=", "operator")],
        context={"default_audience": "operator"},
    )
    crm_workflow_user_partner_id = fields.Many2one(
        related="user_id.partner_id",
        string="Assigned Contact",
        help="The contact of the user the activity is assigned to (workflow "
        "messages to the team).",
    )

    def init(self):
        res = super().init()
        # Partial indexes: only the activities still waiting for an alert are
        # in them, so finding the due ones stays a short range scan.
        for name, column in (
            ("mail_activity_crm_alert_remind_idx", "crm_alert_reminded_for"),
            ("mail_activity_crm_alert_escalate_idx", "crm_alert_escalated_for"),
        ):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON mail_activity "
                    "(crm_alert_due_at) WHERE active AND %s IS DISTINCT FROM "
                    "crm_alert_due_at",
                    SQL.identifier(name),
                    SQL.identifier(column),
                )
            )
        return res

    @api.depends(
        "date_deadline",
        "calendar_event_id.start",
        "calendar_event_id.allday",
        "user_id.tz",
        "crm_alert_company_id.crm_alert_due_hour",
    )
    def _compute_crm_alert_due_at(self):
        for activity in self:
            activity.crm_alert_due_at = activity._crm_alert_due_moment()

    def _crm_alert_due_moment(self):
        self.ensure_one()
        event = self.calendar_event_id
        if event and event.start and not event.allday:
            return event.start
        if not self.date_deadline:
            return False
        hour = self._crm_alert_company().crm_alert_due_hour
        hours, minutes = divmod(round(hour * 60), 60)
        local = datetime.combine(self.date_deadline, time(hours, minutes))
        tz = pytz.timezone(self.user_id.tz or "UTC")
        return tz.localize(local).astimezone(pytz.utc).replace(tzinfo=None)

    def _crm_alert_company(self):
        return self.crm_alert_company_id or self.env.company

    @api.depends("res_model", "res_id", "user_id.company_id")
    def _compute_crm_alert_company_id(self):
        for model, activities in self.grouped("res_model").items():
            companies = document_companies(self.env, model, activities.mapped("res_id"))
            for activity in activities:
                activity.crm_alert_company_id = (
                    companies.get(activity.res_id) or activity.user_id.company_id
                )

    @api.depends("crm_alert_due_at", "user_id.tz")
    def _compute_crm_alert_due_local(self):
        for activity in self:
            activity.crm_alert_due_local = (
                format_datetime(
                    activity.env,
                    activity.crm_alert_due_at,
                    tz=activity.user_id.tz or "UTC",
                    dt_format=False,
                )
                + f" ({activity.user_id.tz or 'UTC'})"
                if activity.crm_alert_due_at
                else ""
            )

    @api.depends("res_model", "res_id")
    def _compute_crm_alert_record_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url")
        for activity in self:
            activity.crm_alert_record_url = (
                f"{base_url}/mail/view?model={activity.res_model}"
                f"&res_id={activity.res_id}"
            )

    # ------------------------------------------------------------------
    # Exact wake-ups
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if self._reminder_defaults_used():
            for vals in vals_list:
                self._add_default_reminders(vals)
        # Reminder lines created with the activities book their own wake-ups.
        activities = super().create(vals_list)
        activities._crm_alert_schedule_scan()
        return activities

    def write(self, vals):
        previous = {a.id: a.user_id for a in self} if "user_id" in vals else {}
        res = super().write(vals)
        if previous:
            self._reminders_follow_responsible(previous)
        if {"date_deadline", "user_id", "calendar_event_id", "active"} & set(vals):
            self._crm_alert_schedule_scan()
        if MOVING_FIELDS & set(vals):
            self._reminder_lines()._wake_scanner()
        return res

    def _crm_alert_schedule_scan(self):
        """Wake the scanner at the moments these activities become due.

        The moments are booked right after the commit, a transaction's all
        at once (:meth:`_crm_alert_wake_after_commit`): creating or moving
        an activity costs Odoo no query more. Were they lost (a crash in
        that instant), the 15-minute safety-net scan still finds them.
        """
        moments = self._crm_alert_wake_up_moments()
        if moments:
            self._crm_alert_wake_after_commit(moments)

    def _crm_alert_wake_up_moments(self):
        """When these activities fall due for a reminder or an escalation
        (now, for a reminder whose moment has passed)."""
        now = fields.Datetime.now()
        moments = set()
        for activity in self.filtered("crm_alert_due_at"):
            company = activity._crm_alert_company()
            if company.crm_alert_activity_enabled:
                remind_at = activity.crm_alert_due_at - timedelta(
                    hours=company.crm_alert_activity_interval
                )
                moments.add(max(remind_at, now))
            if company.crm_alert_late_enabled:
                moments.add(
                    activity.crm_alert_due_at
                    + timedelta(hours=company.crm_alert_late_interval)
                )
        return moments

    def _crm_alert_wake_after_commit(self, moments):
        """Book ``moments`` once this transaction is committed, in a short
        transaction of its own; nothing if it is rolled back."""
        pending = self.env.cr.postcommit.data.get(PENDING_WAKE_UPS)
        if pending is None:
            pending = self.env.cr.postcommit.data[PENDING_WAKE_UPS] = set()
            dbname = self.env.cr.dbname

            @self.env.cr.postcommit.add
            def book_wake_ups():
                if not pending:
                    return
                try:
                    with Registry(dbname).cursor() as cr:
                        env = api.Environment(cr, SUPERUSER_ID, {})
                        env["mail.activity"]._crm_alert_wake_at(pending)
                except Exception:  # committed already: the safety net scans
                    _logger.exception("CRM alerts: booking the scanner failed")

        pending.update(moments)

    @api.model
    def _crm_alert_book_pending_wake_ups(self):
        """Book now, in this transaction, the wake-ups waiting for its
        commit (for a caller that needs them booked before that)."""
        pending = self.env.cr.postcommit.data.pop(PENDING_WAKE_UPS, set())
        self._crm_alert_wake_at(pending)
        pending.clear()  # the hook after the commit has nothing left to book

    # ------------------------------------------------------------------
    # Scanner
    # ------------------------------------------------------------------
    @api.model
    def _cron_crm_alert_scan(self, batch_size=SCAN_BATCH_SIZE):
        """Queue the reminders and escalations that are due, one batch a call.

        Each activity is locked (SKIP LOCKED) and marked in the same
        transaction that queues its message, so overlapping workers and
        re-runs after a crash never queue it twice.
        """
        now = fields.Datetime.now()
        done = 0
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [
                    "|",
                    ("crm_alert_activity_enabled", "=", True),
                    ("crm_alert_late_enabled", "=", True),
                ]
            )
        )
        for company in companies.filtered("crm_alert_activity_enabled"):
            done += self._crm_alert_queue_reminders(company, now, batch_size)
        for company in companies.filtered("crm_alert_late_enabled"):
            done += self._crm_alert_queue_escalations(company, now, DIGEST_BATCH_SIZE)
        remaining = self._crm_alert_count_due(companies, now)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if done:
            self.env["crm.alert.message"]._trigger_dispatch()
        self._crm_alert_wake_at([self._crm_alert_next_moment(companies, now)])
        return done

    def _crm_alert_next_moment(self, companies, now):
        """When the next pending activity falls due for an alert: whatever
        moved meanwhile (a meeting, an interval in the settings), each scan
        books the next exact wake-up."""
        moments = []
        for company in companies.filtered("crm_alert_activity_enabled"):
            before = timedelta(hours=company.crm_alert_activity_interval)
            first = self._crm_alert_first_pending(
                company, "crm_alert_reminded_for", now + before
            )
            if first:
                moments.append(first - before)
        for company in companies.filtered("crm_alert_late_enabled"):
            after = timedelta(hours=company.crm_alert_late_interval)
            first = self._crm_alert_first_pending(
                company, "crm_alert_escalated_for", now - after
            )
            if first:
                moments.append(first + after)
        return min(moments, default=None)

    def _crm_alert_first_pending(self, company, marker, later_than):
        self.env.cr.execute(
            SQL(
                """
                SELECT min(a.crm_alert_due_at) FROM mail_activity a
                 WHERE a.active AND a.crm_alert_company_id = %s
                   AND a.crm_alert_due_at > %s
                   AND %s IS DISTINCT FROM a.crm_alert_due_at
                """,
                company.id,
                later_than,
                SQL.identifier("a", marker),
            )
        )
        return self.env.cr.fetchone()[0]

    def _crm_alert_wake_at(self, moments):
        """Book the scanner at each of these moments not booked already."""
        book_cron_at(self.env, "crm_alert_automation.ir_cron_crm_alert_scan", moments)

    def _crm_alert_reminder_window(self, company, now):
        return now, now + timedelta(hours=company.crm_alert_activity_interval)

    def _crm_alert_escalation_limit(self, company, now):
        return now - timedelta(hours=company.crm_alert_late_interval)

    def _crm_alert_due_query(self, company, kind, now, limit=None, lock=False):
        if kind == "reminder":
            start, end = self._crm_alert_reminder_window(company, now)
            condition = SQL(
                "a.crm_alert_due_at > %s AND a.crm_alert_due_at <= %s "
                "AND a.crm_alert_reminded_for IS DISTINCT FROM a.crm_alert_due_at",
                start,
                end,
            )
        else:
            condition = SQL(
                "a.crm_alert_due_at <= %s "
                "AND a.crm_alert_escalated_for IS DISTINCT FROM a.crm_alert_due_at",
                self._crm_alert_escalation_limit(company, now),
            )
        return SQL(
            """
            SELECT a.id FROM mail_activity a
              JOIN res_users u ON u.id = a.user_id
             WHERE a.active AND u.active AND %s AND a.crm_alert_company_id = %s
             ORDER BY a.crm_alert_due_at, a.id
             %s %s
            """,
            condition,
            company.id,
            SQL("LIMIT %s", limit) if limit else SQL(),
            SQL("FOR UPDATE OF a SKIP LOCKED") if lock else SQL(),
        )

    def _crm_alert_lock_due(self, company, kind, now, limit):
        """The due activities this worker may queue, locked; None when a
        concurrent worker got there first (the scan is triggered again)."""
        self.env.flush_all()
        query = self._crm_alert_due_query(company, kind, now, limit=limit, lock=True)
        ids = fetch_locked_ids(self.env.cr, query)
        if ids is None:
            self.env.ref("crm_alert_automation.ir_cron_crm_alert_scan")._trigger()
            return self.browse()
        return self.browse(ids)

    def _crm_alert_count_due(self, companies, now):
        total = 0
        for kind, flag in (
            ("reminder", "crm_alert_activity_enabled"),
            ("escalation", "crm_alert_late_enabled"),
        ):
            for company in companies.filtered(flag):
                query = self._crm_alert_due_query(company, kind, now)
                self.env.cr.execute(SQL("SELECT count(*) FROM (%s) due", query))
                total += self.env.cr.fetchone()[0]
        return total

    def _crm_alert_queue_reminders(self, company, now, batch_size):
        """Queue the due reminders through the outbox's one entry point;
        the dispatcher renders each one just before sending it (current
        content, and a template error fails one message, not the scan)."""
        activities = self._crm_alert_lock_due(company, "reminder", now, batch_size)
        if not activities:
            return 0
        template = self.env.ref(
            "crm_alert_automation.mail_template_activity_reminder",
            raise_if_not_found=False,
        )
        # Set-based: reading each activity through the ORM to build its
        # values was most of the scan's time.
        self.env["crm.alert.message"]._enqueue_select(
            {
                "company_id": company.id,
                "kind": "reminder",
                # For this due moment: moved away and back, the activity
                # gets one reminder for the moment it is due at.
                "dedupe_key": SQL(
                    "'reminder:' || a.id || ':' || %s",
                    self._crm_alert_datetime_text(SQL("a.crm_alert_due_at")),
                ),
                "source_model": self._name,
                "source_id": SQL("a.id"),
                "res_model": SQL("d.res_model"),
                "res_id": SQL("d.res_id"),
                "recipient_partner_id": SQL("u.partner_id"),
                "template_id": template.id if template else None,
                "sender": company.crm_alert_activity_sender,
                "subject": SQL(
                    "COALESCE(NULLIF(a.summary, ''), %s)",
                    self.env["mail.activity.type"].sudo()._field_to_sql("t", "name"),
                ),
                "due_at": SQL("a.crm_alert_due_at"),
                "activity_ids": SQL("ARRAY[a.id]"),
            },
            SQL(
                """
                mail_activity a
                JOIN res_users u ON u.id = a.user_id
                LEFT JOIN mail_activity_type t ON t.id = a.activity_type_id
                LEFT JOIN LATERAL (
                    SELECT a.res_model, a.res_id
                     WHERE a.res_id <> 0 AND a.res_model = ANY(%s)
                ) d ON TRUE
                WHERE a.id = ANY(%s)
                """,
                list(self.env.registry),
                activities.ids,
            ),
        )
        self._crm_alert_mark(activities, "crm_alert_reminded_for")
        return len(activities)

    @api.model
    def _crm_alert_datetime_text(self, column):
        """SQL: ``column`` (a timestamp) as ``str()`` writes a datetime, the
        form of the due moment in a reminder's dedupe key."""
        return SQL(
            "to_char(%s, 'YYYY-MM-DD HH24:MI:SS') || CASE WHEN "
            "date_trunc('second', %s) = %s THEN '' ELSE to_char(%s, '.US') END",
            column,
            column,
            column,
            column,
        )

    def _crm_alert_queue_escalations(self, company, now, batch_size):
        """One digest per default person for the newly late activities,
        rendered by the dispatcher with what is still late then."""
        recipients = company.crm_alert_late_user_ids.filtered("email")
        if not recipients:
            # Every default person was archived since the settings were
            # saved: keep the late activities pending for a new one.
            _logger.warning(
                "CRM alerts: %s has no active default person to escalate to.",
                company.name,
            )
            return 0
        activities = self._crm_alert_lock_due(company, "escalation", now, batch_size)
        if not activities:
            return 0
        template = self.env.ref(
            "crm_alert_automation.mail_template_late_digest", raise_if_not_found=False
        )
        digest_key = hashlib.sha1(
            ",".join(f"{a.id}@{a.crm_alert_due_at}" for a in activities).encode()
        ).hexdigest()
        self.env["crm.alert.message"]._enqueue(
            [
                {
                    "record": self,
                    "company_id": company.id,
                    "kind": "escalation",
                    "dedupe_key": f"escalation:{company.id}:{user.id}:{digest_key}",
                    "partner": user.partner_id,
                    "template": template,
                    "sender": company.crm_alert_late_sender,
                    "email_from": company.crm_alert_late_email,
                    "subject": self.env._(
                        "%(count)s late activities", count=len(activities)
                    ),
                    "activity_ids": activities.ids,
                }
                for user in recipients
            ]
        )
        self._crm_alert_mark(activities, "crm_alert_escalated_for")
        return len(activities)

    # ------------------------------------------------------------------
    # Outbox hooks: reminders carry the due moment they are for, digests
    # do not (they list whatever is still late when sent).
    # ------------------------------------------------------------------
    # ------------------------------------------------------------------
    # Workflows: a human step resumes the moment its activity is marked
    # done (or takes its cancelled branch when the activity is deleted).
    # ------------------------------------------------------------------
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

    @api.model
    def _crm_alert_obsolete_reason(self, message):
        if message.kind == "action" and not message.activity_ids:
            # a *Send Alert Message* action run on an activity (a workflow
            # on activities) is about the activity itself, not a reminder of
            # it; it stands while the activity is open
            activity = (
                self.with_context(active_test=False).browse(message.source_id).exists()
            )
            if not activity.active:
                return self.env._("The activity was done, cancelled or deleted.")
            return False
        live = message.activity_ids.filtered("active")
        if not live:
            return self.env._("The activity was done, cancelled or deleted.")
        if message.due_at and live.crm_alert_due_at != message.due_at:
            return self.env._("The activity's deadline moved.")
        if not message.due_at and not message.recipient_partner_id.user_ids:
            return self.env._("The recipient's user was archived.")
        return False

    @api.model
    def _crm_alert_render_target(self, message):
        if message.kind == "action" and not message.activity_ids:
            return self.browse(message.source_id).exists() or None, {}
        live = message.activity_ids.filtered("active")
        if message.due_at:
            return live[:1] or None, {}
        return message.recipient_partner_id.user_ids[:1] or None, {
            "late_lines": live._crm_alert_late_lines(fields.Datetime.now()),
            "company": message.company_id,
        }

    @api.model
    def _crm_alert_state_changed(self, messages):
        """A reminder cancelled because the deadline moved no longer stands
        for its moment: the activity may be reminded for it again (if the
        deadline moves back)."""
        for message in messages:
            if message.state != "cancelled" or not message.due_at:
                continue
            self.env.cr.execute(
                SQL(
                    "UPDATE mail_activity SET crm_alert_reminded_for = NULL "
                    "WHERE id IN %s AND crm_alert_reminded_for = %s",
                    tuple(message.activity_ids.ids) or (0,),
                    message.due_at,
                )
            )
            message.activity_ids.invalidate_recordset(["crm_alert_reminded_for"])

    @api.model
    def _crm_alert_owner_email(self, message):
        owner = message.activity_ids[:1]._crm_alert_owner()
        return owner.email_formatted if owner.email else False

    @api.model
    def _crm_alert_sent(self, messages):
        """One note per reminder or digest on each activity's document,
        logged per document model in one go."""
        notes = {}
        for message in messages:
            note = message._chatter_note()
            documents = {(a.res_model, a.res_id) for a in message.activity_ids}
            for model, res_id in documents:
                notes.setdefault(model, []).append((res_id, note))
        for model, pairs in notes.items():
            messages._log_notes(model, pairs)

    def _crm_alert_mark(self, activities, column):
        self.env.cr.execute(
            SQL(
                "UPDATE mail_activity SET %s = crm_alert_due_at WHERE id IN %s",
                SQL.identifier(column),
                tuple(activities.ids),
            )
        )
        activities.invalidate_recordset([column])

    def _crm_alert_late_lines(self, now):
        return [
            {
                "owner": activity.user_id.name,
                "summary": activity.summary or activity.activity_type_id.name or "",
                "record": activity.res_name or "",
                "url": activity.crm_alert_record_url,
                "due": activity.crm_alert_due_local,
                "hours_late": int(
                    (now - activity.crm_alert_due_at).total_seconds() // 3600
                ),
            }
            for activity in self
        ]

    def _crm_alert_owner(self):
        """The user who scheduled the activity, else its responsible user."""
        creator = self.create_uid
        if (
            creator
            and not creator.share
            and creator.email
            and not creator._is_superuser()
        ):
            return creator
        return self.user_id

    # ------------------------------------------------------------------
    # Its own reminder lines, to the customer and operators (seed 004)
    # ------------------------------------------------------------------
    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if (
            "crm_alert_customer_reminder" in fields_list
            and self._reminder_defaults_used()
        ):
            res.update(self.new(res)._reminder_defaults_values())
        return res

    def _reminders_follow_responsible(self, previous):
        """Operator reminders of the former responsible user go to the new one."""
        for activity in self:
            former = previous[activity.id]
            if former != activity.user_id:
                activity.crm_alert_operator_line_ids.filtered(
                    lambda line, former=former: line.user_id == former
                )._reassign(activity.user_id)

    def _reminders_follow_participants(self):
        """Operator reminders follow the meeting's attendees: one who joins
        gets the reminders the other operators have (the company defaults
        when there are none), one who leaves loses theirs. As for a new
        responsible, changing the attendees is never blocked over a missing
        number: that reminder fails visibly instead."""
        for activity in self.filtered("crm_alert_operator_reminder"):
            lines = activity.crm_alert_operator_line_ids
            operators = activity._reminder_operators()
            gone = lines.filtered(lambda line, ops=operators: line.user_id not in ops)
            kept = lines - gone
            gone.unlink()
            newcomers = operators - kept.user_id
            if newcomers:
                activity._add_operator_lines(newcomers, kept)

    def _add_operator_lines(self, users, lines):
        """Lines for ``users`` repeating each distinct reminder of ``lines``
        (channel, template, time before), else the company's defaults."""
        self.ensure_one()
        rules = lines or self._reminder_defaults("operator")
        distinct = rules.browse(
            {tuple(rule._line_values().items()): rule.id for rule in rules}.values()
        )
        self.env["crm.activity.reminder"].with_context(
            crm_alert_unchecked_contacts=True
        ).create(
            [
                dict(vals, activity_id=self.id)
                for vals in self._reminder_line_values(
                    "operator", defaults=distinct, users=users
                )
            ]
        )

    def _reminder_lines(self):
        return self.crm_alert_customer_line_ids | self.crm_alert_operator_line_ids

    @api.model
    def _reminder_defaults_used(self):
        """Whether any company copies default reminders onto activities
        (cached: Odoo's activity creation stays as it was otherwise)."""
        return not self.env.context.get("crm_alert_reminders_given") and bool(
            self.env["res.company"]._crm_alert_reminder_default_company_ids()
        )

    def _add_default_reminders(self, vals):
        """Switches and lines a new activity gets from its company's
        defaults, unless the creator chose them."""
        if any(f"crm_alert_{audience}_reminder" in vals for audience in AUDIENCES):
            return
        for key, value in self.new(vals)._reminder_defaults_values().items():
            vals.setdefault(key, value)

    def _reminder_document(self):
        return record_of(self.env, self.res_model, self.res_id)

    def _reminder_responsible(self):
        return self.user_id

    def _reminder_participants(self):
        users = self.calendar_event_id.partner_ids.user_ids
        return users.filtered(lambda user: not user.share) - self.user_id

    def _reminder_company(self):
        return self._crm_alert_company()
