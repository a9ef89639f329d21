# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
import logging
import socket
import threading
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.phone_validation.tools import phone_validation
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..gateways import GatewayError
from ..tools import fetch_locked_ids

_logger = logging.getLogger(__name__)

DISPATCH_BATCH_SIZE = 100
MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
# A row left 'sending' this long belongs to a worker that died mid-send.
STALE_SENDING = timedelta(minutes=15)
RATE_WINDOW = timedelta(minutes=1)
# Receipts only move a message forward.
RECEIPT_ORDER = {"sent": 1, "delivered": 2, "read": 3}


@functools.cache
def host_name():
    """This host's name, looked up once: ``getfqdn`` asks the resolver on
    every call, and the dispatcher builds a Message-ID for every e-mail."""
    return socket.getfqdn()


class SkipMessage(Exception):
    """The recipient must not get this message (consent)."""


class RateLimited(Exception):
    def __init__(self, until):
        super().__init__(until)
        self.until = until


class CrmAlertMessage(models.Model):
    """One outgoing alert: the outbox and the ledger of what was sent."""

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
        ],
        required=True,
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
    dedupe_key = fields.Char(required=True, readonly=True, copy=False)
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
    sms_id = fields.Many2one(
        "sms.sms",
        string="Odoo SMS",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    attempt_ids = fields.One2many(
        "crm.alert.message.attempt", "message_id", string="Attempt Log", readonly=True
    )
    delivered_at = fields.Datetime(readonly=True)
    template_id = fields.Many2one(
        "mail.template",
        readonly=True,
        help="Rendered by the dispatcher just before the message is sent.",
    )
    subject = fields.Char(readonly=True)
    body_html = fields.Html(string="Body", readonly=True, sanitize=False)
    res_model = fields.Char(string="Source Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Source Record ID", model_field="res_model", readonly=True
    )
    source_name = fields.Char(string="Source", compute="_compute_source_name")
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
        groups="base.group_system",
    )
    attempts = fields.Integer(readonly=True)
    next_try = fields.Datetime(readonly=True, default=fields.Datetime.now)
    claimed_at = fields.Datetime(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "dedupe_key_unique",
            "UNIQUE(dedupe_key)",
            "This alert has already been queued.",
        )
    ]

    def init(self):
        # The outbox only grows; the dispatcher only ever looks at the rows
        # still to send. Few indexes also keep queueing 10,000 rows cheap
        # (company and kind have a handful of values: no index pays there).
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS crm_alert_message_pending_idx "
            "ON crm_alert_message (next_try) "
            "WHERE state IN ('queued', 'retry', 'sending')"
        )

    @api.depends("res_model", "res_id")
    def _compute_source_name(self):
        for message in self:
            record = message._source_record()
            message.source_name = record.display_name if record else False

    def _source_record(self):
        self.ensure_one()
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return None
        record = self.env[self.res_model].browse(self.res_id).exists()
        return record or None

    # ------------------------------------------------------------------
    # User actions
    # ------------------------------------------------------------------
    def action_retry(self):
        # Managers may only read the outbox (what is sent is the addon's
        # business): the retry is the one change they can ask for.
        self.check_access("read")
        retryable = self.filtered(lambda m: m.state in ("failed", "retry", "cancelled"))
        retryable.sudo()._requeue()
        self._trigger_dispatch()
        return True

    def _requeue(self):
        """Send again from the start: a fresh round of attempts."""
        self.write(
            {
                "state": "queued",
                "next_try": fields.Datetime.now(),
                "error": False,
                "attempts": 0,
            }
        )

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
    def _cron_dispatch(self, batch_size=DISPATCH_BATCH_SIZE):
        """Send one batch of due messages; the cron runner calls again while
        progress says more remain."""
        # Committing the claim, then each result, bounds what a killed worker
        # can leave behind to the one message it was sending (as mail.mail
        # does); the cron runner alone would commit only after the batch.
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        messages = self._claim(batch_size)
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        messages._prepare_emails()
        for message in messages:
            message._deliver()
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
        remaining = self._count_due()
        self.env["ir.cron"]._notify_progress(done=len(messages), remaining=remaining)
        self._schedule_next_retry()
        return messages

    def _due_condition(self, now):
        return SQL(
            "(state IN ('queued', 'retry') AND next_try <= %s) "
            "OR (state = 'sending' AND claimed_at <= %s)",
            now,
            now - STALE_SENDING,
        )

    @api.model
    def _claim(self, batch_size):
        """Atomically take up to ``batch_size`` due rows for this worker."""
        self.env.flush_all()
        now = fields.Datetime.now()
        ids = fetch_locked_ids(
            self.env.cr,
            SQL(
                """
                UPDATE crm_alert_message SET state = 'sending', claimed_at = %s
                 WHERE id IN (
                     SELECT id FROM crm_alert_message WHERE %s
                      ORDER BY next_try, id LIMIT %s
                        FOR UPDATE SKIP LOCKED)
             RETURNING id
                """,
                now,
                self._due_condition(now),
                batch_size,
            ),
        )
        if ids is None:  # a concurrent worker won the race: try again soon
            self._trigger_dispatch()
            ids = []
        self.invalidate_model(["state", "claimed_at"])
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

    def _deliver(self):
        self.ensure_one()
        reason = self._obsolete_reason()
        if reason:
            self.write({"state": "cancelled", "error": reason})
            return
        send = self._send_email if self.channel == "email" else self._send_text
        try:
            send()
        except SkipMessage as skip:
            self._record_attempt("skipped", str(skip))
            self.write({"state": "skipped", "error": str(skip)})
            self._sync_sms("canceled", "sms_blacklist")
        except RateLimited as wait:
            self.write({"state": "queued", "next_try": wait.until})
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
            self._record_failure(str(error))
        else:
            self._record_success()

    def _obsolete_reason(self):
        """Why this message must not go out any more, if it must not."""
        live = self.activity_ids.filtered("active")
        if self.kind == "reminder":
            if not live:
                return self.env._("The activity was done, cancelled or deleted.")
            if live.crm_alert_due_at != self.due_at:
                return self.env._("The activity's deadline moved.")
        elif self.kind == "escalation" and not live:
            return self.env._("Every activity of this digest was done or cancelled.")
        return False

    def _prepare_emails(self):
        """Render this batch's e-mails and create their ``mail.mail`` in one
        go; a row that cannot be rendered is left for ``_deliver`` to fail."""
        ready = self.browse()
        for message in self.filtered(lambda m: m.channel == "email" and not m.mail_id):
            if message._obsolete_reason():
                continue
            try:
                with self.env.cr.savepoint():
                    message._render_email()
            except Exception:  # recorded on the row when it is sent
                continue
            ready |= message
        # Parked as 'cancel' so that Odoo's own mail queue, which sends every
        # 'outgoing' mail, leaves them alone: each is released and sent by its
        # row, in the row's own transaction (see _send_email).
        mails = (
            self.env["mail.mail"]
            .sudo()
            .create([dict(m._mail_values(), state="cancel") for m in ready])
        )
        for message, mail in zip(ready, mails, strict=True):
            message.mail_id = mail

    def _render_email(self):
        """Fill in what the scanner left to send time: sender, address,
        subject and body from the template, with today's data."""
        if self.email_from and self.email_to and self.body_html:
            return
        values = {
            "email_to": self.email_to or self.recipient_partner_id.email_formatted
        }
        if not self.email_from and self.kind == "reminder":
            activity = self.activity_ids[:1]
            email_from, server = activity._crm_alert_reminder_sender(self.company_id)
            values.update(email_from=email_from, mail_server_id=server.id)
        if self.template_id and not self.body_html:
            values.update(self._render_template())
        self.write(values)

    def _render_template(self):
        template = self.template_id.sudo()
        add_context = {}
        if self.kind == "escalation":
            res_id = self.recipient_partner_id.user_ids[:1].id
            add_context = {
                "late_lines": self.activity_ids.filtered(
                    "active"
                )._crm_alert_late_lines(fields.Datetime.now()),
                "company": self.company_id,
            }
        else:
            res_id = self.activity_ids[:1].id
        return {
            name: template._render_field(
                name, [res_id], compute_lang=True, add_context=add_context
            )[res_id]
            for name in ("subject", "body_html")
        }

    def _send_email(self):
        self._render_email()
        mail = self.mail_id
        if not mail:
            mail = self.env["mail.mail"].sudo().create(self._mail_values())
            self.mail_id = mail
        elif mail.state not in ("sent", "outgoing"):
            mail.write({"state": "outgoing", "failure_reason": False})
        self.attempts += 1
        mail.send(raise_exception=False)
        if mail.state != "sent":
            raise RuntimeError(
                mail.failure_reason or self.env._("The e-mail was not sent.")
            )

    def _mail_values(self):
        return {
            "subject": self.subject,
            "body_html": self.body_html,
            "email_from": self.email_from,
            "email_to": self.email_to,
            "mail_server_id": self.mail_server_id.id,
            "auto_delete": False,
            "model": self.res_model,
            "res_id": self.res_id,
            "message_id": self._email_message_id(),
            # Odoo would look up the record's alias and name for every mail.
            "reply_to": self.email_from,
            "record_name": self.activity_ids[:1].res_name or False,
        }

    def _email_message_id(self):
        """One Message-ID per outbox row, whatever the attempt: if a worker
        dies after the SMTP server accepted the mail but before recording it,
        the re-send carries the same Message-ID and mail systems treat it as
        the same message."""
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"<crm-alert-{self.id}.{uuid[:13]}@{host_name()}>"

    def _record_success(self):
        self._record_attempt("sent", self.provider_message_id or "")
        self.write({"state": "sent", "sent_at": fields.Datetime.now(), "error": False})
        self._sync_sms("pending")
        self._log_on_sources()

    def _record_failure(
        self, error, permanent=False, retry_after=None, http_status=None
    ):
        if permanent or self.attempts >= MAX_ATTEMPTS:
            self._record_attempt("failed", error, http_status)
            self.write({"state": "failed", "error": error})
            self._sync_sms("error", self._sms_failure_type(http_status))
            return
        delay = min(
            BACKOFF_BASE_SECONDS * 2 ** (self.attempts - 1), BACKOFF_MAX_SECONDS
        )
        delay = max(delay, retry_after or 0)
        self._record_attempt("retry", error, http_status)
        self.write(
            {
                "state": "retry",
                "error": error,
                "next_try": fields.Datetime.now() + timedelta(seconds=delay),
            }
        )

    def _record_attempt(self, outcome, detail, http_status=None):
        self.env["crm.alert.message.attempt"].sudo().create(
            {
                "message_id": self.id,
                "gateway_id": self.gateway_id.id,
                "outcome": outcome,
                "http_status": http_status or 0,
                "detail": detail,
            }
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

    def _send_text(self):
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
        self.attempts += 1
        template = None
        if self.wa_template_name:
            template = {
                "name": self.wa_template_name,
                "language": self.wa_template_lang,
                "params": self.wa_template_params or [],
            }
        result = gateway._send(
            number, self.body_text or "", f"crm-alert-{self.id}", self.channel, template
        )
        self.provider_message_id = result.provider_message_id

    def _apply_receipt(self, status, reason=None):
        """A provider's delivery receipt: sent → delivered → read, or failed."""
        for message in self:
            if status == "failed":
                message.write({"state": "failed", "error": reason or status})
                message._record_attempt("failed", reason or status)
                message._sync_sms("error", "sms_not_delivered")
                continue
            if RECEIPT_ORDER.get(status, 0) <= RECEIPT_ORDER.get(message.state, 0):
                continue
            values = {"state": status}
            if status == "delivered":
                values["delivered_at"] = fields.Datetime.now()
            message.write(values)
            if status in ("delivered", "read"):
                message._sync_sms("sent")

    def _sync_sms(self, sms_state, failure_type=None):
        """Keep Odoo's own SMS (and its notifications) in step."""
        if self.sms_id:
            self.sms_id.sudo()._update_sms_state_and_trackers(
                sms_state, failure_type=failure_type if sms_state == "error" else None
            )

    @staticmethod
    def _sms_failure_type(http_status):
        if not http_status or http_status == 400:
            return "sms_number_format"
        return "sms_server"

    def _log_on_sources(self):
        """Note in each source record's chatter that the alert went out."""
        kind = dict(self._fields["kind"]._description_selection(self.env))[self.kind]
        body = Markup("%s<br/>%s") % (
            self.env._("%(kind)s sent to %(to)s", kind=kind, to=self.email_to),
            self.subject,
        )
        for activity in self.activity_ids:
            model = self.env.get(activity.res_model)
            if model is None or not hasattr(model, "_message_log"):
                continue
            record = model.browse(activity.res_id).exists()
            if record:
                record._message_log(body=body)
