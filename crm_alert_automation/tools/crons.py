# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import functools
import logging
import threading

from odoo import fields, sql_db
from odoo.addons.base.models.ir_cron import ODOO_NOTIFY_FUNCTION
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


def _cron_id(env, cron_xmlid):
    """The id of the cron ``cron_xmlid`` (by Odoo's cached XML id lookup);
    false when it is gone."""
    return env["ir.model.data"]._xmlid_to_res_id(cron_xmlid, raise_if_not_found=False)


def book_cron_at(env, cron_xmlid, moments):
    """Book the cron ``cron_xmlid`` at each of ``moments`` not booked
    already: one query (``ir.cron._trigger`` without its three lookups), and
    the cron runner woken when one of them has come."""
    moments = sorted({moment for moment in moments if moment})
    cron_id = _cron_id(env, cron_xmlid)
    if not moments or not cron_id:
        return
    now = fields.Datetime.now()
    env.cr.execute(
        SQL(
            """
            INSERT INTO ir_cron_trigger
                   (cron_id, call_at, create_uid, write_uid, create_date,
                    write_date)
            SELECT c.id, moment, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM ir_cron c, unnest(%(moments)s::timestamp[]) AS moment
             WHERE c.id = %(cron)s
               -- as ir.cron._trigger: an inactive cron only the future
               AND (c.active OR moment > %(now)s)
               AND NOT EXISTS (
                   SELECT 1 FROM ir_cron_trigger t
                    WHERE t.cron_id = c.id AND t.call_at = moment)
            RETURNING call_at
            """,
            uid=env.uid,
            now=now,
            moments=moments,
            cron=cron_id,
        )
    )
    if any(call_at <= now for (call_at,) in env.cr.fetchall()):
        env.cr.postcommit.add(functools.partial(wake_cron_workers, env.cr.dbname))


def wake_cron_workers(dbname):
    """What Odoo's ``ir.cron._notifydb`` does — the NOTIFY Odoo's cron
    workers listen to, on a new connection to the ``postgres`` database,
    milliseconds — from a thread: the user's request does not wait for it
    (a wake-up lost with the process is made up by the workers' own poll,
    every minute)."""

    def notify():
        try:
            with sql_db.db_connect("postgres").cursor() as cr:
                cr.execute(
                    SQL(
                        "SELECT %s('cron_trigger', %s)",
                        SQL.identifier(ODOO_NOTIFY_FUNCTION),
                        dbname,
                    )
                )
        except Exception:  # a wake-up is a hint, never an error
            _logger.warning("Could not wake the cron workers", exc_info=True)

    threading.Thread(target=notify, name="crm_alert_wake_crons", daemon=True).start()


def book_cron_by(env, cron_xmlid, moment):
    """Make sure the cron ``cron_xmlid`` runs by ``moment``: book it there
    unless it is booked already at a moment still to come and no later (a
    cron whose run books its next moment itself needs nothing more)."""
    cron_id = _cron_id(env, cron_xmlid)
    if not moment or not cron_id:
        return
    now = fields.Datetime.now()
    env.cr.execute(
        SQL(
            """
            SELECT 1 FROM ir_cron_trigger
             WHERE cron_id = %s AND call_at > %s AND call_at <= %s
             LIMIT 1
            """,
            cron_id,
            now,
            moment,
        )
    )
    if not env.cr.fetchone():
        book_cron_at(env, cron_xmlid, [moment])


def book_cron_at_commit(env, cron_xmlid, moment):
    """Book the cron ``cron_xmlid`` at the earliest ``moment`` given in this
    transaction, once, when it commits (one query however many moments; a
    cron that books its next moment after each run needs no more)."""
    if not moment:
        return
    key = f"crm_alert_book:{cron_xmlid}"
    data = env.cr.precommit.data
    pending = data.get(key)
    if pending is None:
        pending = data[key] = []

        @env.cr.precommit.add
        def book():
            moments = data.pop(key, [])
            if moments:
                book_cron_at(env, cron_xmlid, [min(moments)])

    pending.append(moment)
