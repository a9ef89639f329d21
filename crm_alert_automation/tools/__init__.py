from .companies import document_companies
from .concurrency import fetch_locked_ids
from .records import record_of
from .events import (
    EVENT_NAMES,
    EVENTS,
    event_key,
    log_customer_failures,
    log_customer_messages,
)
from .crons import book_cron_at, book_cron_at_commit, book_cron_by
from .statements import Slot, fill_slots
