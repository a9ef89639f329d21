from .concurrency import fetch_locked_ids
