from .companies import document_companies
from .concurrency import fetch_locked_ids
from .records import record_of
