# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2.errors


def fetch_locked_ids(cr, query):
    """Run a ``... FOR UPDATE SKIP LOCKED`` query; return the ids, or None
    when another worker won the race.

    Odoo's cursors are REPEATABLE READ: locking a row that another worker
    changed and committed after this transaction's snapshot raises a
    serialization failure. As in Odoo's own cron job acquisition, that
    means "another worker has it": roll back to the savepoint and let the
    caller try again in a fresh transaction.
    """
    try:
        with cr.savepoint(flush=False):
            cr.execute(query, log_exceptions=False)
            return [row[0] for row in cr.fetchall()]
    except psycopg2.errors.SerializationFailure:
        return None
