# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One small interface for every SMS/WhatsApp provider.

A provider turns (number, text, reference) into one HTTP request and reads
the provider's answer: a message id, or a GatewayError that says whether
trying again may help (timeouts, 429, 5xx) or not (4xx such as an invalid
number), with the provider's own reason.
"""

import dataclasses
import email.utils
import time
from datetime import UTC, datetime

import requests


@dataclasses.dataclass
class SendResult:
    provider_message_id: str
    http_status: int


class GatewayError(Exception):
    def __init__(self, reason, permanent=False, retry_after=None, http_status=None):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after
        self.http_status = http_status


def parse_retry_after(value):
    """Seconds to wait from a Retry-After header (seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0, int((moment - datetime.now(UTC)).total_seconds()))


class Provider:
    """Base class: subclasses build the request and read the answer."""

    def __init__(self, gateway):
        self.gateway = gateway

    # -- to implement -------------------------------------------------
    def build_request(self, number, text, reference, channel, template=None):
        """Return keyword arguments for requests.request()."""
        raise NotImplementedError

    def message_id(self, response):
        raise NotImplementedError

    def error_reason(self, response):
        return response.text[:500] or response.reason

    def recipient(self, number_e164, channel):
        """The number as this provider wants it."""
        return number_e164

    # -- shared -------------------------------------------------------
    def send(self, number_e164, text, reference, channel, template=None):
        kwargs = self.build_request(
            self.recipient(number_e164, channel), text, reference, channel, template
        )
        started = time.monotonic()
        try:
            response = requests.request(timeout=self.gateway.timeout_seconds, **kwargs)
        except requests.Timeout as error:
            raise GatewayError(
                f"No answer from the provider within {self.gateway.timeout_seconds} s"
            ) from error
        except requests.RequestException as error:
            raise GatewayError(f"Could not reach the provider: {error}") from error
        finally:
            self.elapsed = time.monotonic() - started
        return self.read_response(response)

    def read_response(self, response):
        status = response.status_code
        if status == 429:
            raise GatewayError(
                f"Rate limited by the provider (429): {self.error_reason(response)}",
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
                http_status=status,
            )
        if status >= 500:
            raise GatewayError(
                f"Provider error {status}: {self.error_reason(response)}",
                http_status=status,
            )
        if status >= 400:
            raise GatewayError(
                f"Refused by the provider ({status}): {self.error_reason(response)}",
                permanent=True,
                http_status=status,
            )
        return SendResult(self.message_id(response), status)


def json_path(data, path):
    """Follow a dotted path ("messages.0.id") through JSON data."""
    for part in (path or "").split("."):
        if not part:
            continue
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


def response_json(response):
    try:
        return response.json()
    except ValueError:
        return None
