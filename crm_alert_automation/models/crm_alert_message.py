# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
import logging
import socket
import threading
import uuid
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.addons.phone_validation.tools import phone_validation
from odoo.exceptions import UserError
from odoo.tools import SQL, email_normalize_all

from ..gateways import GatewayError
from ..tools import (
    EVENTS,
    Slot,
    book_cron_at_commit,
    fetch_locked_ids,
    fill_slots,
    record_of,
)

_logger = logging.getLogger(__name__)

# SMS and WhatsApp: one gateway request and one commit each.
DISPATCH_BATCH_SIZE = 100
# E-mails: one SMTP session serves the batch (Odoo's mail queue sends 1,000
# a call too).
EMAIL_BATCH_SIZE = 1000
MAX_ATTEMPTS = 8
DISPATCH_CRON = "crm_alert_automation.ir_cron_crm_alert_dispatch"
# Where a transaction keeps the moments it queued messages for.
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
# A row left 'sending' this long belongs to a worker that died mid-send.
STALE_SENDING = timedelta(minutes=15)
RATE_WINDOW = timedelta(minutes=1)
# Receipts only move a message forward.
RECEIPT_ORDER = {"sending": 0, "sent": 1, "delivered": 2, "read": 3}
# Rows whose dedupe key no longer blocks a new message with the same key.
DEAD_STATES = ("cancelled",)
FINISHED_STATES = ("sent", "delivered", "read", "skipped", "cancelled")
# Columns _enqueue() fills (and their SQL types); the rest keep their default.
ENQUEUE_COLUMNS = {
    "company_id": "int4",
    "kind": "varchar",
    "channel": "varchar",
    "dedupe_key": "varchar",
    "source_model": "varchar",
    "source_id": "int4",
    "res_model": "varchar",
    "res_id": "int4",
    "recipient_partner_id": "int4",
    "email_to": "varchar",
    "phone": "varchar",
    "sender": "varchar",
    "email_from": "varchar",
    "template_id": "int4",
    "sms_template_id": "int4",
    "subject": "varchar",
    "body_text": "text",
    "due_at": "timestamp",
    "sms_id": "int4",
    "sms_uuid": "varchar",
    "gateway_id": "int4",
    "next_try": "timestamp",
    "event": "varchar",
    "wa_template_id": "int4",
    "fallback_channels": "varchar",
    "fallback_of_id": "int4",
}

# The columns of _enqueue()'s rows, as arrays of these types.
ROW_COLUMNS = {**ENQUEUE_COLUMNS, "activity_ids": "varchar"}

# What _enqueue() and _enqueue_select() fill in when a producer does not.
ENQUEUE_DEFAULTS = {"kind": "message", "channel": "email", "sender": "system"}


@functools.cache
def host_name():
    """This host's name, looked up once: ``getfqdn`` asks the resolver on
    every call, and the dispatcher builds a Message-ID for every e-mail."""
    return socket.getfqdn()


def one_line(text):
    """A header-safe single line: line breaks in a summary must not break
    (or inject into) the Subject header."""
    return " ".join((text or "").split())


class SkipMessage(Exception):
    """The recipient must not get this message (consent)."""


class ObsoleteMessage(Exception):
    """The message must not go out any more (its producer says so)."""


class RateLimited(Exception):
    def __init__(self, until):
        super().__init__(until)
        self.until = until


class QuietHours(RateLimited):
    """Not now: the customer's quiet hours; the message waits for the morning."""


class CrmAlertMessage(models.Model):
    """One outgoing message: the outbox and the ledger of what was sent.

    Every producer (activity reminders, escalation digests, Odoo's SMS,
    automation rules, ...) queues its messages through :meth:`_enqueue`;
    the dispatcher renders and sends them, whatever the channel. The
    producer model (``source_model``) answers the few questions only it
    can answer through the ``_crm_alert_*`` hooks defined on ``base``.
    """

    _name = "crm.alert.message"
    _description = "CRM Alert Message"
    _order = "id desc"
    _rec_name = "subject"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    kind = fields.Selection(
        [
            ("reminder", "Reminder"),
            ("escalation", "Escalation"),
            ("sms", "Odoo SMS"),
            ("message", "Customer Message"),
            ("action", "Automation"),
        ],
        required=True,
        default="message",
        help="A label for people: who produced this message.",
    )
    channel = fields.Selection(
        [("email", "E-mail"), ("sms", "SMS"), ("whatsapp", "WhatsApp")],
        required=True,
        default="email",
    )
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("sending", "Sending"),
            ("retry", "Failed, will retry"),
            ("sent", "Sent"),
            ("delivered", "Delivered"),
            ("read", "Read"),
            ("failed", "Failed"),
            ("skipped", "Skipped"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="queued",
        index=True,
        readonly=True,
    )
    dedupe_key = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        help="Two live messages never share a key: queueing the same key "
        "again does nothing (a cancelled message frees its key).",
    )
    source_model = fields.Char(
        string="Producer Model",
        readonly=True,
        help="The model that queued this message and answers for it.",
    )
    source_id = fields.Many2oneReference(
        string="Producer Record ID", model_field="source_model", readonly=True
    )
    sender = fields.Selection(
        [
            ("system", "System account"),
            ("owner", "Record owner's account"),
            ("email", "Specific e-mail"),
        ],
        default="system",
        required=True,
        readonly=True,
        help="Who the e-mail is from, resolved when it is sent.",
    )
    recipient_partner_id = fields.Many2one(
        "res.partner", string="Recipient", readonly=True
    )
    email_to = fields.Char(string="To", readonly=True)
    email_from = fields.Char(string="From", readonly=True)
    mail_server_id = fields.Many2one(
        "ir.mail_server",
        readonly=True,
        groups="base.group_system",
    )
    phone = fields.Char(readonly=True)
    gateway_id = fields.Many2one("crm.alert.gateway", readonly=True)
    provider_message_id = fields.Char(
        string="Provider Reference", readonly=True, index="btree_not_null", copy=False
    )
    body_text = fields.Text(string="Text", readonly=True)
    wa_template_name = fields.Char(string="WhatsApp Template", readonly=True)
    wa_template_lang = fields.Char(string="WhatsApp Template Language", readonly=True)
    wa_template_params = fields.Json(string="WhatsApp Template Values", readonly=True)
    wa_template_id = fields.Many2one(
        "crm.alert.whatsapp.template",
        string="WhatsApp Template Record",
        readonly=True,
        ondelete="set null",
        help="Sent as this Meta-approved template, its variables filled when "
        "the message is sent.",
    )
    event = fields.Selection(
        EVENTS,
        string="Customer Message Event",
        readonly=True,
        help="The customer message of Settings this row is.",
    )
    fallback_channels = fields.Char(
        readonly=True,
        help="Channels tried next, in order, should this one not reach the "
        "customer (comma-separated).",
    )
    fallback_of_id = fields.Many2one(
        "crm.alert.message",
        string="Instead Of",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The message on another channel this one replaces.",
    )
    sms_id = fields.Many2one(
        "sms.sms",
        string="Odoo SMS",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    sms_uuid = fields.Char(
        string="Odoo SMS UUID",
        readonly=True,
        help="Odoo's SMS trackers follow this SMS after Odoo deleted it.",
    )
    attempt_ids = fields.One2many(
        "crm.alert.message.attempt", "message_id", string="Attempt Log", readonly=True
    )
    delivered_at = fields.Datetime(readonly=True)
    template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        readonly=True,
        ondelete="set null",
        help="Rendered by the dispatcher just before the message is sent.",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="Text Template",
        readonly=True,
        ondelete="set null",
        help="SMS/WhatsApp text, rendered just before the message is sent.",
    )
    subject = fields.Char(readonly=True)
    body_html = fields.Html(string="Body", readonly=True, sanitize=False)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", readonly=True
    )
    source_name = fields.Char(string="Document", compute="_compute_source_name")
    activity_ids = fields.Many2many(
        "mail.activity",
        "crm_alert_message_activity_rel",
        "message_id",
        "activity_id",
        string="Activities",
        readonly=True,
    )
    due_at = fields.Datetime(string="Due Moment", readonly=True)
    mail_id = fields.Many2one(
        "mail.mail",
        string="E-mail",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        groups="base.group_system",
    )
    attempts = fields.Integer(readonly=True, default=0)
    next_try = fields.Datetime(readonly=True, default=fields.Datetime.now)
    claimed_at = fields.Datetime(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    settled_at = fields.Datetime(
        string="Last Change",
        readonly=True,
        help="When the message last changed state: the retention period of "
        "finished messages counts from here.",
    )
    error = fields.Text(readonly=True)

    def init(self):
        cr = self.env.cr
        # The key is unique among live rows only: a cancelled reminder (its
        # deadline moved away) must not block the one for the moment the
        # deadline moves back to.
        cr.execute(
            "ALTER TABLE crm_alert_message "
            "DROP CONSTRAINT IF EXISTS crm_alert_message_dedupe_key_unique"
        )
        cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS crm_alert_message_live_key_idx "
                "ON crm_alert_message (dedupe_key) WHERE state NOT IN %s",
                DEAD_STATES,
            )
        )
        # The outbox only grows; the dispatcher only ever looks at the rows
        # still to send. Few indexes also keep queueing 10,000 rows cheap.
        cr.execute(
            "CREATE INDEX IF NOT EXISTS crm_alert_message_pending_idx "
            "ON crm_alert_message (next_try) "
            "WHERE state IN ('queued', 'retry', 'sending')"
        )

    @api.depends("res_model", "res_id")
    def _compute_source_name(self):
        for message in self:
            record = message._document()
            message.source_name = record.display_name if record else False

    def _document(self):
        """The record this message is about (a lead, an order...), if any."""
        self.ensure_one()
        record = record_of(self.env, self.res_model, self.res_id)
        return (record and record.exists()) or None

    def _producer(self):
        """The model that answers this message's hooks (see ``base``)."""
        self.ensure_one()
        model = self.source_model or self.res_model
        return self.env[model if model in self.env else "base"].sudo()

    # ------------------------------------------------------------------
    # The one entry point
    # ------------------------------------------------------------------
    @api.model
    def _enqueue(self, vals_list):
        """Queue messages; return the rows created (a key already live is
        left alone, so a producer may queue the same message again safely).

        Each dict may hold any of ``ENQUEUE_COLUMNS`` plus:

        - ``record``: the producer record (sets source_model/source_id, and
          res_model/res_id unless a ``document`` is given);
        - ``document``: the record the message is about (for people, the
          chatter and the company);
        - ``template``: a ``mail.template`` or ``sms.template``;
        - ``partner``: the recipient ``res.partner``;
        - ``send_after``: not before this moment;
        - ``activity_ids``: activity ids the message is about.

        Channel defaults to e-mail, sender to the system account, company to
        the document's (else the current one), ``dedupe_key`` to a fresh one.
        One INSERT for the whole list, so producers may queue thousands;
        :meth:`_enqueue_select` queues straight from a query.
        """
        if not vals_list:
            return self.browse()
        now = fields.Datetime.now()
        rows = [self._enqueue_row(vals, now) for vals in vals_list]
        linked = any(row["activity_ids"] != "{}" for row in rows)
        code, params = self._enqueue_rows_statement(linked)
        arrays = {column: [row[column] for row in rows] for column in ROW_COLUMNS}
        # The rows come from Python: only the outbox's own pending writes
        # matter to the INSERT (a key a cancelled row freed); flushing every
        # model in the middle of the caller's work (an order's confirmation)
        # would cost it recomputations it makes again right after.
        self.flush_model()
        return self._enqueue_execute(code, fill_slots(params, now=now, **arrays))

    @api.model
    @tools.ormcache("linked")
    def _enqueue_rows_statement(self, linked):
        """The INSERT of :meth:`_enqueue` (code, parameters with slots),
        ``linked`` to activities or not: composed once, as it is the same
        for every list of rows. One typed array per column: 10,000 rows are
        one short statement (a VALUES list of 220,000 literals is slow to
        parse and plan)."""
        arrays = SQL(", ").join(
            SQL("%s::%s[]", Slot(column), SQL(kind))
            for column, kind in ROW_COLUMNS.items()
        )
        names = SQL(", ").join(SQL.identifier(column) for column in ROW_COLUMNS)
        values = {column: SQL.identifier("new", column) for column in ENQUEUE_COLUMNS}
        if linked:
            values["activity_ids"] = SQL("new.activity_ids::int4[]")
        statement = self._enqueue_statement(
            values, SQL("unnest(%s) AS new(%s)", arrays, names)
        )
        return statement.code, tuple(statement.params)

    @api.model
    def _enqueue_select(self, values, source, flush_all=True):
        """Queue one message per row of ``SELECT … FROM source``: the
        set-based sibling of :meth:`_enqueue`, for producers that find
        their messages with a query (thousands of reminders at a time).

        ``values`` maps columns of ``ENQUEUE_COLUMNS`` to a value or an SQL
        expression over ``source``; ``company_id`` and ``dedupe_key`` are
        required, ``activity_ids`` (an ``int4[]``) links the message to its
        activities. The rest as :meth:`_enqueue`: channel e-mail, kind
        message, sender the system account, ``next_try`` now, the subject
        made one line of at most 200 characters; a key already live is left
        alone; the dispatcher is woken for the first new message. Returns
        the rows created.
        """
        missing = {"company_id", "dedupe_key"} - set(values)
        if missing:
            raise ValueError(f"_enqueue_select needs {', '.join(sorted(missing))}")
        if flush_all:
            self.env.flush_all()  # what the source reads
        else:
            self.flush_model()
        statement = self._enqueue_statement(values, source)
        now = fields.Datetime.now()
        return self._enqueue_execute(
            statement.code, fill_slots(statement.params, now=now)
        )

    @api.model
    def _enqueue_statement(self, values, source):
        """The INSERT … SELECT of :meth:`_enqueue_select`, the moment and
        the user left as slots ``now`` and ``uid``."""
        now = Slot("now")
        values = {**ENQUEUE_DEFAULTS, "next_try": now, **values}
        columns = [column for column in ENQUEUE_COLUMNS if column in values]
        selected = [
            SQL(
                "%s AS %s",
                self._enqueue_typed(column, values[column]),
                SQL.identifier(column),
            )
            for column in columns
        ]
        return SQL(
            """
            WITH new AS (
                SELECT %(selected)s, %(links)s AS activity_ids
                  FROM %(source)s
            ), queued AS (
                INSERT INTO crm_alert_message (%(columns)s, create_uid,
                       write_uid, create_date, write_date, state, attempts)
                SELECT %(columns)s, %(uid)s, %(uid)s, %(now)s, %(now)s,
                       'queued', 0
                  FROM new
                ON CONFLICT (dedupe_key) WHERE state NOT IN %(dead)s DO NOTHING
                RETURNING id, dedupe_key, next_try
            )%(linked)s
            SELECT id, next_try FROM queued ORDER BY id
            """,
            selected=SQL(", ").join(selected),
            links=SQL("(%s)::int4[]", values.get("activity_ids", SQL("NULL"))),
            linked=self._enqueue_links_cte() if "activity_ids" in values else SQL(),
            source=source,
            columns=SQL(", ").join(SQL.identifier(c) for c in columns),
            uid=Slot("uid"),
            now=now,
            dead=DEAD_STATES,
        )

    def _enqueue_execute(self, code, params):
        """Run an INSERT of :meth:`_enqueue_statement` (its ``uid`` slot
        filled in here); wake the dispatcher for the first new message."""
        self.env.cr.execute(code, fill_slots(params, uid=self.env.uid))
        created = self.env.cr.fetchall()
        if created:
            book_cron_at_commit(
                self.env, DISPATCH_CRON, min(next_try for _id, next_try in created)
            )
        return self.browse([row_id for row_id, _next_try in created])

    @api.model
    def _enqueue_links_cte(self):
        """The CTE of :meth:`_enqueue_select` linking the new messages to
        their activities (left out when no producer gives any)."""
        return SQL(
            """, linked AS (
                    INSERT INTO crm_alert_message_activity_rel
                           (message_id, activity_id)
                    SELECT queued.id, unnest(new.activity_ids)
                      FROM queued JOIN new USING (dedupe_key)
                    ON CONFLICT DO NOTHING
                )"""
        )

    @api.model
    def _enqueue_typed(self, column, value):
        """``value`` (a value or an SQL expression) as ``column``'s type; a
        subject as one line of at most 200 characters, as :func:`one_line`."""
        typed = SQL("(%s)::%s", value, SQL(ENQUEUE_COLUMNS[column]))
        if column != "subject":
            return typed
        return SQL(
            r"NULLIF(left(btrim(regexp_replace(%s, '\s+', ' ', 'g')), 200), '')",
            typed,
        )

    def _enqueue_row(self, vals, now):
        """``vals`` of :meth:`_enqueue` as column values."""
        row = dict.fromkeys(ENQUEUE_COLUMNS)
        row.update({k: v for k, v in vals.items() if k in ENQUEUE_COLUMNS})
        record = vals.get("record")
        document = vals.get("document", record)
        if record is not None:
            row["source_model"], row["source_id"] = record._name, record.id
        if document is not None and document:
            row["res_model"], row["res_id"] = document._name, document.id
        if not row["company_id"]:
            company = (
                document.company_id if document and "company_id" in document else False
            )
            row["company_id"] = (company or self.env.company).id
        template = vals.get("template")
        if template:
            field = (
                "sms_template_id" if template._name == "sms.template" else "template_id"
            )
            row[field] = template.id
        if vals.get("partner"):
            row["recipient_partner_id"] = vals["partner"].id
        row["channel"] = row["channel"] or "email"
        row["kind"] = row["kind"] or "message"
        row["sender"] = row["sender"] or "system"
        row["subject"] = one_line(row["subject"])[:200] or None
        row["dedupe_key"] = row["dedupe_key"] or f"once:{uuid.uuid4()}"
        row["next_try"] = vals.get("send_after") or row["next_try"] or now
        # An int4[] literal: unnest() takes one-dimensional arrays only.
        activity_ids = ",".join(str(int(i)) for i in vals.get("activity_ids") or [])
        row["activity_ids"] = "{" + activity_ids + "}"
        return {key: None if value is False else value for key, value in row.items()}

    # ------------------------------------------------------------------
    # User actions
    # ------------------------------------------------------------------
    def action_retry(self):
        # Managers may only read the outbox (what is sent is the addon's
        # business): the retry is the one change they can ask for.
        self.check_access("read")
        retryable = self.filtered(lambda m: m.state in ("failed", "retry", "cancelled"))
        retryable.sudo()._requeue()
        return True

    def _requeue(self):
        """Send again from the start: a fresh round of attempts, now."""
        self.write(
            {
                "state": "queued",
                "next_try": fields.Datetime.now(),
                "error": False,
                "attempts": 0,
            }
        )
        if self:
            self._trigger_dispatch()

    # ------------------------------------------------------------------
    # Dispatcher
    # ------------------------------------------------------------------
    @api.model
    def _trigger_dispatch(self, at=None):
        cron = self.env.ref(
            "crm_alert_automation.ir_cron_crm_alert_dispatch", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger(at=at)

    @api.model
    def _auto_commit(self):
        return not getattr(threading.current_thread(), "testing", False)

    @api.model
    def _cron_dispatch(self, batch_size=None):
        """Send one batch of due messages (``batch_size`` of each kind, by
        default EMAIL_BATCH_SIZE e-mails and DISPATCH_BATCH_SIZE texts); the
        cron runner calls again while progress says more remain."""
        # Committing the claim, then each result, bounds what a killed worker
        # can leave behind to the one message it was sending (as mail.mail
        # does); the cron runner alone would commit only after the batch.
        emails = self._claim(batch_size or EMAIL_BATCH_SIZE, ("email",))
        texts = self._claim(batch_size or DISPATCH_BATCH_SIZE, ("sms", "whatsapp"))
        messages = emails | texts
        self._commit()
        emails._send_email_batch()
        for message in messages - emails:
            message._deliver_guarded(message._send_text)
            self._commit()
        remaining = self._count_due()
        self.env["ir.cron"]._notify_progress(done=len(messages), remaining=remaining)
        self._schedule_next_retry()
        return messages

    def _commit(self):
        if self._auto_commit():
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def _due_condition(self, now):
        return SQL(
            "(state IN ('queued', 'retry') AND next_try <= %s) "
            "OR (state = 'sending' AND claimed_at <= %s)",
            now,
            now - STALE_SENDING,
        )

    @api.model
    def _claim(self, batch_size, channels=("email", "sms", "whatsapp")):
        """Atomically take up to ``batch_size`` due rows of ``channels`` for
        this worker.

        The claim counts as an attempt: a row whose sending crashes, or
        cannot even be rendered, still reaches MAX_ATTEMPTS and stops.
        """
        self.env.flush_all()
        now = fields.Datetime.now()
        ids = fetch_locked_ids(
            self.env.cr,
            SQL(
                """
                UPDATE crm_alert_message
                   SET state = 'sending', claimed_at = %s,
                       attempts = COALESCE(attempts, 0) + 1
                 WHERE id IN (
                     SELECT id FROM crm_alert_message
                      WHERE (%s) AND channel IN %s
                      ORDER BY next_try, id LIMIT %s
                        FOR UPDATE SKIP LOCKED)
             RETURNING id
                """,
                now,
                self._due_condition(now),
                tuple(channels),
                batch_size,
            ),
        )
        if ids is None:  # a concurrent worker won the race: try again soon
            self._trigger_dispatch()
            ids = []
        self.invalidate_model(["state", "claimed_at", "attempts"])
        return self.browse(sorted(ids))._for_dispatch()

    def _for_dispatch(self):
        """These messages as the dispatcher handles them: beyond user access
        rights, sharing compiled templates across the batch."""
        return self.sudo().with_context(crm_alert_qweb_cache={})

    @api.model
    def _count_due(self):
        self.flush_model()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                "SELECT count(*) FROM crm_alert_message WHERE %s",
                self._due_condition(now),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _schedule_next_retry(self):
        self.flush_model(["state", "next_try"])
        # Retries, and messages held back by a gateway's rate limit.
        self.env.cr.execute(
            SQL(
                "SELECT min(next_try) FROM crm_alert_message "
                "WHERE state = 'retry' OR (state = 'queued' AND next_try > %s)",
                fields.Datetime.now(),
            )
        )
        next_try = self.env.cr.fetchone()[0]
        if next_try:
            self._trigger_dispatch(at=next_try)

    def _deliver_guarded(self, send, lock=True):
        """Run ``send`` for this row and record the outcome; whatever goes
        wrong (even in the database) is this row's, and the batch goes on.
        ``send`` returns False when the row waits for a later step; ``lock``
        False when the caller holds the row already."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                if lock:
                    self._lock()
                done = send()
        except ObsoleteMessage as reason:
            self.mail_id.filtered(lambda mail: mail.state != "sent").state = "cancel"
            self._settle({"state": "cancelled", "error": str(reason)})
        except SkipMessage as skip:
            self._record_attempt("skipped", str(skip))
            self._settle({"state": "skipped", "error": str(skip)})
        except RateLimited as wait:
            # Held back before any attempt was made: not one of its tries.
            self._settle(
                {
                    "state": "queued",
                    "next_try": wait.until,
                    "attempts": self.attempts - 1,
                }
            )
        except GatewayError as error:
            _logger.info("CRM alert %s: %s", self.id, error.reason)
            self._record_failure(
                error.reason,
                permanent=error.permanent,
                retry_after=error.retry_after,
                http_status=error.http_status,
            )
        except Exception as error:  # any failure is the row's, not the batch's
            _logger.warning("CRM alert %s failed: %s", self.id, error)
            self.invalidate_recordset()
            self._record_failure(str(error) or type(error).__name__)
        else:
            if done is not False:
                self._record_success()

    def _lock(self):
        """Hold these rows while they are sent: a delivery receipt arriving
        before our commit waits for it (and is then retried by Odoo), instead
        of missing the provider reference or overwriting 'sent'."""
        self.env.cr.execute(
            SQL(
                "SELECT id FROM crm_alert_message WHERE id IN %s FOR UPDATE",
                tuple(self.ids),
            )
        )

    def _check_still_wanted(self):
        reason = self._producer()._crm_alert_obsolete_reason(self)
        if reason:
            raise ObsoleteMessage(reason)

    # ------------------------------------------------------------------
    # E-mail
    # ------------------------------------------------------------------
    def _send_email_batch(self):
        """Render each e-mail of the batch, then hand them all to Odoo's
        mail layer at once: one SMTP session per mail server and sender
        serves the batch, with a commit per mail as Odoo's own queue does."""
        ready = self._prepare_mails()
        self._commit()
        mails = ready.mail_id.filtered(lambda mail: mail.state == "outgoing")
        if mails:
            try:
                mails.send(auto_commit=self._auto_commit(), raise_exception=False)
            except Exception:  # each row reads its mail's state below
                _logger.exception("CRM alerts: sending a batch of e-mails failed")
        # Odoo committed each mail's state: a crash from here on leaves the
        # rows 'sending', and their next claim finds their mails sent.
        sent = ready.filtered(lambda message: message.mail_id.state == "sent")
        for message in ready - sent:
            message._deliver_guarded(message._check_mail_sent)
        sent._record_success()
        self._commit()

    def _prepare_mails(self):
        """Render the batch's e-mails, each row guarded on its own, and
        create their ``mail.mail`` at once; the rows ready to send."""
        if not self:
            return self
        self._lock()  # the batch at once, not row by row
        new_mails = {}
        for message in self:
            message._deliver_guarded(
                functools.partial(message._prepare_mail, new_mails), lock=False
            )
        self._create_mails(new_mails)
        return self.filtered(lambda message: message.state == "sending")

    def _prepare_mail(self, new_mails=None):
        """Render the e-mail and leave its ``mail.mail`` outgoing for the
        batch send (False: not sent yet), unless a previous attempt already
        sent it and died before recording that. With ``new_mails``, a new
        ``mail.mail``'s values go there, to be created with the batch's."""
        mail = self.mail_id
        if mail.state == "sent":
            return True
        self._check_still_wanted()
        self._check_quiet_hours()
        values = self._render_email()
        if mail:
            mail.write(dict(values, state="outgoing", failure_reason=False))
        elif new_mails is None:
            self._create_mail(values)
        else:
            new_mails[self] = values
        return False

    def _create_mails(self, new_mails):
        """Create the batch's new e-mails ``{message: values}`` in one go;
        should that fail, each row its own, guarded."""
        if not new_mails:
            return
        try:
            with self.env.cr.savepoint():
                mails = self.env["mail.mail"].create(list(new_mails.values()))
        except Exception:
            _logger.info("CRM alerts: creating the batch's e-mails one by one")
            for message, values in new_mails.items():
                message._deliver_guarded(
                    functools.partial(message._create_mail, values), lock=False
                )
            return
        for message, mail in zip(new_mails, mails, strict=True):
            message.mail_id = mail

    def _create_mail(self, values):
        self.mail_id = self.env["mail.mail"].create(values)
        return False

    def _check_mail_sent(self):
        mail = self.mail_id
        if mail.state != "sent":
            raise RuntimeError(
                mail.failure_reason or self.env._("The e-mail was not sent.")
            )

    def _render_email(self):
        """The ``mail.mail`` values of this row, rendered now."""
        email_from, server = self._sender()
        values = {
            "email_from": email_from,
            "mail_server_id": server.id,
            "email_to": self.email_to or self.recipient_partner_id.email_formatted,
            "subject": self.subject,
            "body_html": self.body_html,
        }
        if not values["email_to"]:
            raise GatewayError(
                self.env._("The recipient has no e-mail address."), permanent=True
            )
        self._check_email_consent(values["email_to"])
        if not values["email_from"]:
            raise GatewayError(
                self.env._(
                    "No sender address: fill in the alerts e-mail account in "
                    "Settings → CRM → CRM Alerts."
                ),
                permanent=True,
            )
        if self.template_id:
            values.update(self._render_mail_template())
        elif not self.body_html:
            raise GatewayError(
                self.env._("The e-mail template was deleted."), permanent=True
            )
        values["subject"] = one_line(values["subject"])
        self.write({k: values[k] for k in ("email_from", "email_to", "subject")})
        bcc = values.pop("email_bcc", None)
        if bcc:
            # Odoo's mail layer passes headers to the SMTP envelope; a Bcc
            # header becomes blind recipients and is removed from the mail.
            values["headers"] = repr({"Bcc": one_line(bcc)})
        return dict(
            values,
            auto_delete=False,
            crm_alert_outbox=True,
            message_id=self._email_message_id(),
            reply_to=email_from,
        )

    def _sender(self):
        """(From address, mail server) by the row's sender policy."""
        company = self.company_id
        if self.sender == "owner":
            owner = self._producer()._crm_alert_owner_email(self)
            if owner:
                return company._crm_alert_sender_for(owner)
        elif self.sender == "email" and self.email_from:
            return company._crm_alert_sender_for(self.email_from)
        return company._crm_alert_system_sender()

    def _render_target(self):
        record, add_context = self._producer()._crm_alert_render_target(self)
        if record is None:
            raise GatewayError(
                self.env._("The record this message is about was deleted."),
                permanent=True,
            )
        return record, add_context

    def _render_mail_template(self):
        record, add_context = self._render_target()
        template = self.template_id.sudo()
        names = (
            ("subject", "body_html", "email_bcc")
            if template.email_bcc
            else (
                "subject",
                "body_html",
            )
        )
        return {
            name: template._render_field(
                name, record.ids, compute_lang=True, add_context=add_context
            )[record.id]
            for name in names
        }

    def _email_message_id(self):
        """One Message-ID per outbox row, whatever the attempt: if a worker
        dies after the SMTP server accepted the mail but before recording it,
        the re-send carries the same Message-ID and mail systems treat it as
        the same message."""
        uuid_ = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"<crm-alert-{self.id}.{uuid_[:13]}@{host_name()}>"

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------
    def _settle(self, values):
        self.write(dict(values, settled_at=fields.Datetime.now()))
        if values.get("state") in ("failed", "skipped"):
            self._fall_back()
        self._call_producers("_crm_alert_state_changed")

    def _record_success(self):
        """These messages went out (one write and one hook call per
        producer for a whole batch)."""
        if not self:
            return
        self._record_attempt("sent")
        now = fields.Datetime.now()
        self._settle({"state": "sent", "sent_at": now, "error": False})
        self._call_producers("_crm_alert_sent")

    def _call_producers(self, hook):
        """Call ``hook`` of each producer with its messages. The producer's
        bookkeeping (a chatter note...) failing must never turn a sent
        message into one sent again: it is logged, not raised."""
        for messages in self.grouped(lambda m: m.source_model or m.res_model).values():
            try:
                with self.env.cr.savepoint():
                    getattr(messages[0]._producer(), hook)(messages)
            except Exception:
                _logger.exception("CRM alerts %s: %s failed", messages.ids, hook)

    @api.model
    def _log_notes(self, model, notes):
        """Log ``notes`` [(res_id, body)] on documents of ``model``, with
        Odoo's batch log (one note per document per call, so a document
        with two notes gets two rounds)."""
        Model = self.env.get(model)
        if Model is None or not hasattr(Model, "_message_log_batch"):
            return
        pending = list(notes)
        while pending:
            bodies, later = {}, []
            for res_id, body in pending:
                if res_id in bodies:
                    later.append((res_id, body))
                else:
                    bodies[res_id] = body
            Model.browse(list(bodies)).exists()._message_log_batch(bodies=bodies)
            pending = later

    def _chatter_note(self):
        """What the document's chatter says of this message once sent."""
        kind = dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        to = self.email_to or self.phone or self.recipient_partner_id.display_name
        return Markup("%s<br/>%s") % (
            self.env._("%(kind)s sent to %(to)s", kind=kind, to=to),
            self.subject or "",
        )

    def _record_failure(
        self, error, permanent=False, retry_after=None, http_status=None
    ):
        if permanent or self.attempts >= MAX_ATTEMPTS:
            self._record_attempt("failed", error, http_status)
            self._settle({"state": "failed", "error": error})
            return
        delay = min(
            BACKOFF_BASE_SECONDS * 2 ** max(self.attempts - 1, 0), BACKOFF_MAX_SECONDS
        )
        delay = max(delay, retry_after or 0)
        self._record_attempt("retry", error, http_status)
        self._settle(
            {
                "state": "retry",
                "error": error,
                "next_try": fields.Datetime.now() + timedelta(seconds=delay),
            }
        )

    def _record_attempt(self, outcome, detail=None, http_status=None):
        """One attempt row per message; ``detail`` defaults to each
        message's provider reference."""
        self.env["crm.alert.message.attempt"].sudo().create(
            [
                {
                    "message_id": message.id,
                    "company_id": message.company_id.id,
                    "gateway_id": message.gateway_id.id,
                    "outcome": outcome,
                    "http_status": http_status or 0,
                    "detail": (message.provider_message_id or "")
                    if detail is None
                    else detail,
                }
                for message in self
            ]
        )

    # ------------------------------------------------------------------
    # SMS / WhatsApp
    # ------------------------------------------------------------------
    @api.model
    def _normalize_number(self, number, country):
        """E.164 of ``number`` read in ``country``; UserError with the reason."""
        if not number:
            raise UserError(self.env._("No phone number."))
        return phone_validation.phone_format(
            number.strip(),
            country.code if country else None,
            country.phone_code if country else None,
            force_format="E164",
            raise_exception=True,
        )

    def _recipient_number(self):
        partner = self.recipient_partner_id
        raw = self.phone or partner.mobile or partner.phone
        country = partner.country_id or self.company_id.country_id
        try:
            return self._normalize_number(raw, country)
        except UserError as error:
            raise GatewayError(
                self.env._(
                    "Invalid number %(number)s: %(reason)s", number=raw, reason=error
                ),
                permanent=True,
            ) from error

    def _check_consent(self, number):
        blacklisted = (
            self.env["phone.blacklist"].sudo().search_count([("number", "=", number)])
        )
        if blacklisted:
            raise SkipMessage(
                self.env._("%(number)s is on the phone blacklist.", number=number)
            )
        if (
            self.channel == "whatsapp"
            and self.recipient_partner_id.crm_alert_whatsapp_opt_out
        ):
            raise SkipMessage(
                self.env._(
                    "%(partner)s opted out of WhatsApp messages.",
                    partner=self.recipient_partner_id.display_name,
                )
            )

    def _check_email_consent(self, email_to):
        addresses = email_normalize_all(email_to)
        blacklisted = (
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", addresses)])
            .mapped("email")
            if addresses
            else []
        )
        if blacklisted:
            raise SkipMessage(
                self.env._(
                    "%(address)s is on the e-mail blacklist.",
                    address=", ".join(blacklisted),
                )
            )

    def _check_rate_limit(self, gateway):
        since = fields.Datetime.now() - RATE_WINDOW
        recent = (
            self.env["crm.alert.message.attempt"]
            .sudo()
            .search(
                [("gateway_id", "=", gateway.id), ("attempted_at", ">", since)],
                order="attempted_at",
            )
        )
        if len(recent) >= gateway.rate_limit_per_minute:
            raise RateLimited(recent[0].attempted_at + RATE_WINDOW)

    def _render_text(self):
        """The SMS/WhatsApp text: the text template rendered now, else the
        text the producer gave."""
        if not self.sms_template_id:
            if self.body_text:
                return self.body_text
            raise GatewayError(
                self.env._("The text template was deleted."), permanent=True
            )
        record, add_context = self._render_target()
        template = self.sms_template_id.sudo()
        return template._render_field(
            "body", record.ids, compute_lang=True, add_context=add_context
        )[record.id]

    def _send_text(self):
        self._check_still_wanted()
        self._check_quiet_hours()
        gateway = self.gateway_id or self.env["crm.alert.gateway"]._for_channel(
            self.channel, self.company_id
        )
        if not gateway:
            raise GatewayError(
                self.env._(
                    "No active %(channel)s gateway for %(company)s: configure one in "
                    "CRM → Configuration → SMS/WhatsApp Gateways.",
                    channel=self.channel,
                    company=self.company_id.name,
                ),
                permanent=True,
            )
        self.gateway_id = gateway
        number = self._recipient_number()
        self.phone = number
        self._check_consent(number)
        self._check_rate_limit(gateway)
        if self.wa_template_id and self.channel == "whatsapp":
            self._fill_wa_template()
            text = self.body_text
        else:
            text = self._render_text()
        self.write({"body_text": text, "subject": self.subject or one_line(text)[:80]})
        template = None
        if self.wa_template_name and gateway.provider == "meta":
            template = {
                "name": self.wa_template_name,
                "language": self.wa_template_lang,
                "params": self.wa_template_params or [],
            }
        result = gateway._send(
            number, text, f"crm-alert-{self.id}", self.channel, template
        )
        self.provider_message_id = result.provider_message_id

    def _fill_wa_template(self):
        """Name, language and variable values of the row's WhatsApp
        template, and the text the customer reads; only an approved
        template goes out."""
        template = self.wa_template_id.sudo()
        if template.status != "approved":
            status = dict(template._fields["status"]._description_selection(self.env))
            label = f"{template.name} ({template.lang_code})"
            raise GatewayError(
                self.env._(
                    "WhatsApp template %(template)s is not approved by Meta "
                    "(status: %(status)s): business-initiated WhatsApp messages "
                    "need an approved template. Sync the templates from Meta once "
                    "it is approved, or choose another one.",
                    template=label,
                    status=status.get(template.status, template.status),
                ),
                permanent=True,
            )
        record, _add_context = self._render_target()
        try:
            params = template._render_params(record)
        except ValueError as error:
            raise GatewayError(str(error), permanent=True) from error
        self.write(
            {
                "wa_template_name": template.name,
                "wa_template_lang": template.lang_code,
                "wa_template_params": params,
                "body_text": template._render_body(params),
            }
        )

    # ------------------------------------------------------------------
    # Quiet hours and fallback (customer messages)
    # ------------------------------------------------------------------
    def _check_quiet_hours(self):
        """A customer message due in the company's quiet hours (in the
        customer's timezone) waits for their end: deferred, never dropped.
        The customer messages of Settings (and their fallbacks) only."""
        if not self.event:
            return
        until = self.company_id._crm_alert_quiet_until(
            fields.Datetime.now(), self._recipient_tz()
        )
        if until:
            raise QuietHours(until)

    def _recipient_tz(self):
        return self.recipient_partner_id.tz or self.company_id.partner_id.tz or "UTC"

    def _fall_back(self):
        """Queue each failed or skipped customer message again on the next
        channel of its fallback chain that the company can send on."""
        vals_list = []
        for message in self.filtered(
            lambda m: m.fallback_channels and m.state in ("failed", "skipped")
        ):
            chain = message.fallback_channels.split(",")
            while chain:
                channel, chain = chain[0], chain[1:]
                values = message._fallback_values(channel, chain)
                if values:
                    vals_list.append(values)
                    break
        return self._enqueue(vals_list) if vals_list else self.browse()

    def _fallback_values(self, channel, rest):
        """The ``_enqueue`` values of this message on ``channel``, or None
        when the company cannot send it there."""
        company = self.company_id.sudo()
        if channel == "email":
            if not company._crm_alert_has_system_account():
                return None
        elif not self.env["crm.alert.gateway"]._for_channel(channel, company):
            return None
        template = (
            company._crm_alert_event_template(self.event, channel)
            if self.event
            else None
        )
        if not template:
            return None
        return {
            "company_id": company.id,
            "kind": self.kind,
            "channel": channel,
            "event": self.event,
            "dedupe_key": f"{self.dedupe_key}>{channel}",
            "source_model": self.source_model,
            "source_id": self.source_id,
            "res_model": self.res_model,
            "res_id": self.res_id,
            "partner": self.recipient_partner_id,
            "sender": self.sender,
            "template": template,
            "due_at": self.due_at,
            "fallback_channels": ",".join(rest) or None,
            "fallback_of_id": self.id,
        }

    def _apply_receipt(self, status, reason=None):
        """A provider's delivery receipt: sent → delivered → read, or failed."""
        for message in self:
            if status == "failed":
                message._record_attempt("failed", reason or status)
                message._settle({"state": "failed", "error": reason or status})
                continue
            if RECEIPT_ORDER.get(status, 0) <= RECEIPT_ORDER.get(message.state, 0):
                continue
            values = {"state": status}
            if status == "delivered":
                values["delivered_at"] = fields.Datetime.now()
            message._settle(values)

    def _sms_failure_type(self):
        """Odoo's SMS failure type for this failed message."""
        if self.provider_message_id:
            return "unknown"  # accepted, then reported undelivered
        status = self.attempt_ids.sorted("id")[-1:].http_status
        return "sms_number_format" if status in (0, 400) else "sms_server"

    # ------------------------------------------------------------------
    # Cleanup
    # ------------------------------------------------------------------
    def _companies_with_rows(self):
        self.env.cr.execute("SELECT DISTINCT company_id FROM crm_alert_message")
        return [row[0] for row in self.env.cr.fetchall()]

    @api.autovacuum
    def _gc_finished_messages(self):
        """Remove finished rows (and their attempts, e-mails and SMS) after
        each company's retention period; failed rows stay until someone
        acts on them."""
        now = fields.Datetime.now()
        companies = self.env["res.company"].sudo().with_context(active_test=False)
        for company in companies.search([("id", "in", self._companies_with_rows())]):
            limit = now - timedelta(days=company.crm_alert_retention_days or 90)
            old = self.sudo().search(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", FINISHED_STATES),
                    ("settled_at", "<", limit),
                ]
            )
            if not old:
                continue
            old.mail_id.unlink()
            old.sms_id.unlink()
            old.unlink()
            _logger.info(
                "CRM alerts: removed %s finished messages of %s", len(old), company.name
            )
