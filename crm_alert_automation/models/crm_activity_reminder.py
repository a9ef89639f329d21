# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL, format_datetime

from ..tools import book_cron_at, fetch_locked_ids

SCAN_BATCH_SIZE = 5000
COUNT_CAP = 100000


class CrmActivityReminder(models.Model):
    """One automatic reminder of an activity, to the customer or to an
    operator: it fires ``offset`` before the activity starts, once per
    start moment."""

    _name = "crm.activity.reminder"
    _inherit = "crm.activity.reminder.line"
    _description = "Activity Reminder"

    activity_id = fields.Many2one(
        "mail.activity", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="activity_id.crm_alert_company_id", store=True, index=True
    )
    res_model = fields.Char(related="activity_id.res_model")
    res_id = fields.Many2oneReference(
        related="activity_id.res_id", model_field="res_model"
    )
    start_at = fields.Datetime(
        string="Activity Start",
        related="activity_id.crm_alert_due_at",
        store=True,
    )
    fire_at = fields.Datetime(
        string="Sends At",
        compute="_compute_fire_at",
        store=True,
        help="When the reminder goes out: the activity's start minus the time before.",
    )
    enabled = fields.Boolean(
        compute="_compute_enabled",
        store=True,
        help="The activity is open and its reminders for this audience are on.",
    )
    queued_for = fields.Datetime(
        readonly=True,
        copy=False,
        help="The start moment this reminder was queued for.",
    )
    activity_summary = fields.Char(compute="_compute_activity_summary")
    record_name = fields.Char(related="activity_id.res_name", string="Record")
    responsible_id = fields.Many2one(
        related="activity_id.user_id", string="Responsible"
    )
    start_local = fields.Char(compute="_compute_local_moments")
    end_local = fields.Char(compute="_compute_local_moments")
    recipient_tz = fields.Char(compute="_compute_recipient_locale")
    recipient_lang = fields.Char(compute="_compute_recipient_locale")

    def init(self):
        res = super().init()
        # Only lines still waiting to be queued are in the index: finding
        # the due ones stays a short range scan at millions of lines.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS crm_activity_reminder_pending_idx "
            "ON crm_activity_reminder (fire_at) "
            "WHERE enabled AND queued_for IS DISTINCT FROM start_at"
        )
        return res

    @api.depends("start_at", "offset_value", "offset_unit")
    def _compute_fire_at(self):
        for line in self:
            line.fire_at = line.start_at and line.start_at - line._offset()

    @api.depends(
        "audience",
        "activity_id.active",
        "activity_id.crm_alert_customer_reminder",
        "activity_id.crm_alert_operator_reminder",
    )
    def _compute_enabled(self):
        for line in self:
            activity = line.activity_id
            line.enabled = activity.active and (
                activity.crm_alert_customer_reminder
                if line.audience == "customer"
                else activity.crm_alert_operator_reminder
            )

    @api.depends("activity_id.summary", "activity_id.activity_type_id")
    def _compute_activity_summary(self):
        for line in self:
            activity = line.activity_id
            line.activity_summary = activity.summary or activity.activity_type_id.name

    @api.depends("partner_id.tz", "user_id.tz", "partner_id.lang")
    def _compute_recipient_locale(self):
        for line in self:
            partner = line.partner_id or line.user_id.partner_id
            line.recipient_tz = (
                partner.tz
                or line.user_id.tz
                or line.activity_id.user_id.tz
                or line._reminder_company().partner_id.tz
                or "UTC"
            )
            line.recipient_lang = partner.lang or line.activity_id.user_id.lang

    @api.depends("start_at", "recipient_tz", "activity_id.calendar_event_id.stop")
    def _compute_local_moments(self):
        for line in self:
            env = line.with_context(lang=line.recipient_lang).env
            end = line.activity_id.calendar_event_id.stop or line.start_at
            line.start_local, line.end_local = (
                format_datetime(env, moment, tz=line.recipient_tz, dt_format="medium")
                if moment
                else ""
                for moment in (line.start_at, end)
            )

    def _reminder_holder(self):
        return self.activity_id or super()._reminder_holder()

    # ------------------------------------------------------------------
    # Saving: a line that is on must say where it goes
    # ------------------------------------------------------------------
    @api.constrains("channel", "phone", "email", "enabled")
    def _check_enabled_contacts(self):
        if not self.env.context.get("crm_alert_unchecked_contacts"):
            self.filtered("enabled")._check_contacts()

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._wake_scanner()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if {"offset_value", "offset_unit"} & set(vals):
            self._wake_scanner()
        return res

    def _wake_scanner(self):
        """Book the scanner at these lines' fire moments (now when past)."""
        now = fields.Datetime.now()
        moments = {
            max(line.fire_at, now)
            for line in self
            if line.enabled and line.fire_at and line.start_at > now
        }
        self._wake_at(moments)

    @api.model
    def _wake_at(self, moments):
        book_cron_at(
            self.env, "crm_alert_automation.ir_cron_crm_activity_reminder", moments
        )

    # ------------------------------------------------------------------
    # Scanner
    # ------------------------------------------------------------------
    @api.model
    def _cron_send_due(self, batch_size=SCAN_BATCH_SIZE):
        """Queue the reminders whose moment came, one batch a call.

        Each line is locked (SKIP LOCKED) and marked with the start moment
        in the transaction that queues its message: a re-run, a crash or a
        second worker never queues it twice; a moved activity is reminded
        once for its new start.
        """
        now = fields.Datetime.now()
        ids = self._lock_due(now, batch_size)
        done = self._queue(ids, now) if ids else 0
        remaining = self._count_due(now)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        self._wake_at([self._next_fire_moment(now)])
        return done

    def _due_condition(self, now):
        return SQL(
            "r.enabled AND r.queued_for IS DISTINCT FROM r.start_at "
            "AND r.fire_at <= %s",
            now,
        )

    def _lock_due(self, now, limit):
        self.env.flush_all()
        ids = fetch_locked_ids(
            self.env.cr,
            SQL(
                "SELECT r.id FROM crm_activity_reminder r WHERE %s "
                "ORDER BY r.fire_at LIMIT %s FOR UPDATE SKIP LOCKED",
                self._due_condition(now),
                limit,
            ),
        )
        if ids is None:
            self.env.ref(
                "crm_alert_automation.ir_cron_crm_activity_reminder"
            )._trigger()
            return []
        return ids

    def _count_due(self, now):
        """The due lines left, for the cron's progress; counted up to a cap
        so that the planner walks the partial index (an uncapped count of a
        million lines is planned as a parallel scan of the table)."""
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM (SELECT 1 FROM crm_activity_reminder r "
                "WHERE %s LIMIT %s) due",
                self._due_condition(now),
                COUNT_CAP,
            )
        )
        return self.env.cr.fetchone()[0]

    def _next_fire_moment(self, now):
        self.env.cr.execute(
            SQL(
                "SELECT min(r.fire_at) FROM crm_activity_reminder r "
                "WHERE r.enabled AND r.queued_for IS DISTINCT FROM r.start_at "
                "AND r.fire_at > %s",
                now,
            )
        )
        return self.env.cr.fetchone()[0]

    def _queue(self, ids, now):
        """Queue the locked lines ``ids`` through the outbox in one INSERT …
        SELECT over the lines and their activities, one message per line and
        start moment; lines whose activity already started are only marked."""

        def by_channel(channel, column):
            return SQL("CASE WHEN r.channel = %s THEN %s END", channel, SQL(column))

        self.env["crm.alert.message"]._enqueue_select(
            {
                "source_model": self._name,
                "source_id": SQL("r.id"),
                "res_model": SQL("a.res_model"),
                "res_id": SQL("a.res_id"),
                "company_id": SQL("r.company_id"),
                "kind": "reminder",
                "channel": SQL("r.channel"),
                "template_id": by_channel("email", "r.mail_template_id"),
                "sms_template_id": by_channel("sms", "r.sms_template_id"),
                "recipient_partner_id": SQL("r.partner_id"),
                "phone": by_channel("sms", "r.phone"),
                "email_to": by_channel("email", "r.email"),
                "subject": SQL("a.summary"),
                "due_at": SQL("r.start_at"),
                "dedupe_key": SQL(
                    "'activity-reminder:' || r.id || ':' "
                    "|| to_char(r.start_at, 'YYYY-MM-DD HH24:MI:SS.US')"
                ),
            },
            SQL(
                # Each line's activity looked up by its key: joined, a batch
                # that is a small share of the activities was planned as a
                # scan of them all.
                "crm_activity_reminder r CROSS JOIN LATERAL ("
                "SELECT res_model, res_id, summary FROM mail_activity "
                "WHERE id = r.activity_id OFFSET 0) a "
                "WHERE r.id IN %s AND r.start_at > %s",
                tuple(ids),
                now,
            ),
        )
        self.env.cr.execute(
            "UPDATE crm_activity_reminder SET queued_for = start_at WHERE id IN %s",
            (tuple(ids),),
        )
        self.browse(ids).invalidate_recordset(["queued_for"])
        return len(ids)

    # ------------------------------------------------------------------
    # Outbox hooks
    # ------------------------------------------------------------------
    @api.model
    def _crm_alert_obsolete_reason(self, message):
        line = self.browse(message.source_id).exists()
        if not line:
            return self.env._("The reminder or its activity was deleted.")
        if not line.enabled:
            return self.env._(
                "The activity was done or cancelled, or its reminders were "
                "switched off."
            )
        if line.start_at != message.due_at:
            return self.env._("The activity was moved.")
        return False

    @api.model
    def _crm_alert_render_target(self, message):
        return self.browse(message.source_id).exists() or None, {}

    @api.model
    def _crm_alert_state_changed(self, messages):
        """A reminder cancelled because its activity moved no longer stands
        for its moment: moved back, the line is reminded for it again."""
        for message in messages.filtered(lambda m: m.state == "cancelled"):
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_activity_reminder SET queued_for = NULL "
                    "WHERE id = %s AND queued_for = %s",
                    message.source_id,
                    message.due_at,
                )
            )
        self.invalidate_model(["queued_for"])
