# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One small interface for every SMS/WhatsApp provider.

A provider turns (number, text, reference) into one HTTP request and reads
the provider's answer: a message id, or a GatewayError that says whether
trying again may help (timeouts, 429, 5xx) or not (4xx such as an invalid
number), with the provider's own reason.
"""

import base64
import dataclasses
import email.utils
import html
import json
import re
import time
import urllib.parse
from datetime import UTC, datetime

import requests

# A Retry-After longer than this is a provider's mistake (or garbage).
MAX_RETRY_AFTER_SECONDS = 24 * 3600
# What stands for a secret in every text a provider produces.
REDACTED = "[secret]"
# Shorter values are no secrets worth the name, and replacing them would
# garble the provider's reason ("1", "id", "ok").
MIN_SECRET_LENGTH = 4


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
    if re.fullmatch(r"[0-9]{1,12}", value):
        return min(int(value), MAX_RETRY_AFTER_SECONDS)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:  # "-0000": UTC, says RFC 5322
        moment = moment.replace(tzinfo=UTC)
    seconds = (moment - datetime.now(UTC)).total_seconds()
    return int(min(max(0, seconds), MAX_RETRY_AFTER_SECONDS))


def secret_variants(secret):
    """``secret`` as it may show in a provider's answer or an error text:
    as is, URL-encoded, JSON- or HTML-escaped."""
    variants = {
        secret,
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        requests.utils.requote_uri(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        html.escape(secret),
    }
    return {variant for variant in variants if len(variant) >= MIN_SECRET_LENGTH}


def redactor(secrets):
    """A function that replaces every one of ``secrets`` in a text."""
    variants = set()
    for secret in secrets:
        if isinstance(secret, str) and len(secret.strip()) >= MIN_SECRET_LENGTH:
            variants |= secret_variants(secret)
            variants |= secret_variants(secret.strip())
    if not variants:
        return lambda text: text
    pattern = re.compile(
        "|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)),
        re.IGNORECASE,
    )
    return lambda text: pattern.sub(REDACTED, text) if text else text


def url_secrets(url):
    """The secret parts of a URL: its user name and password, and the
    values of its query string (placeholders such as {number} aside)."""
    if not url:
        return []
    try:
        parts = urllib.parse.urlsplit(url)
        found = [parts.username, parts.password]
        if parts.username or parts.password:
            # requests sends them as Basic authentication.
            user, password = requests.utils.get_auth_from_url(url)
            found += [user, password]
            found.append(base64.b64encode(f"{user}:{password}".encode()).decode())
        found += [
            value
            for _key, value in urllib.parse.parse_qsl(parts.query)
            if not re.fullmatch(r"\{\w+\}", value)
        ]
    except ValueError:  # not even a URL: all of it is secret
        return [url]
    return [value for value in found if value]


def root_cause(error):
    """The innermost exception behind a requests/urllib3 error."""
    seen = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "reason", None)
        if not isinstance(inner, BaseException):
            inner = error.__cause__ or error.__context__
        if inner is None and error.args and isinstance(error.args[0], BaseException):
            inner = error.args[0]
        if inner is None:
            break
        error = inner
    return error


def origin(url):
    """scheme://host[:port] of ``url``, without user, path or query."""
    try:
        parts = urllib.parse.urlsplit(url or "")
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return ""
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}" if host else ""


def json_object(response):
    """The provider's JSON answer when it is an object, else {}."""
    data = response_json(response)
    return data if isinstance(data, dict) else {}


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
        """The provider's reason for refusing, free of the gateway's secrets."""
        return self.redact(response.text[:500] or response.reason or "")

    def secrets(self):
        """The gateway's secret values, to be kept out of every reason."""
        return url_secrets(self.gateway.base_url)

    def redact(self, text):
        if not hasattr(self, "_redact"):
            self._redact = redactor(self.secrets())
        return self._redact(str(text)) if text else ""

    def recipient(self, number_e164, channel):
        """The number as this provider wants it."""
        return number_e164

    # -- shared -------------------------------------------------------
    def send(self, number_e164, text, reference, channel, template=None):
        """One message to the provider: a SendResult, or a GatewayError whose
        reason never carries the gateway's secrets nor the request's URL."""
        try:
            kwargs = self.build_request(
                self.recipient(number_e164, channel), text, reference, channel, template
            )
            started = time.monotonic()
            try:
                response = requests.request(
                    timeout=self.gateway.timeout_seconds, **kwargs
                )
            except (requests.RequestException, ValueError, TypeError) as error:
                raise self.request_failure(error, kwargs.get("url")) from None
            finally:
                self.elapsed = time.monotonic() - started
            result = self.read_response(response)
        except GatewayError as error:
            error.reason = self.redact(error.reason)
            error.args = (error.reason,)
            raise
        result.provider_message_id = self.redact(result.provider_message_id)
        return result

    def request_failure(self, error, url):
        """A GatewayError for a request that got no HTTP answer: said in our
        words, never with the exception's text, which quotes the URL (query
        string and all) or a header value."""
        if isinstance(error, requests.Timeout):
            return GatewayError(
                f"No answer from the provider within {self.gateway.timeout_seconds} s"
            )
        if isinstance(
            error,
            requests.exceptions.InvalidURL
            | requests.exceptions.MissingSchema
            | requests.exceptions.InvalidSchema
            | requests.exceptions.URLRequired,
        ):
            return GatewayError(
                "The provider's address (URL) is not a valid http(s) URL.",
                permanent=True,
            )
        if isinstance(
            error, requests.exceptions.InvalidHeader | ValueError | TypeError
        ):
            # http.client: "Invalid header value b'Bearer …'", latin-1 errors…
            return GatewayError(
                "The request could not be built: a header or the URL holds "
                f"characters HTTP does not allow ({type(error).__name__}).",
                permanent=True,
            )
        where = origin(url)
        cause = root_cause(error)
        detail = (
            getattr(cause, "strerror", None)
            or getattr(cause, "reason", None)
            or type(cause).__name__
        )
        if not isinstance(detail, str):
            detail = type(cause).__name__
        if isinstance(error, requests.exceptions.SSLError):
            detail = f"TLS error: {detail}"
        elif not isinstance(error, requests.ConnectionError):
            detail = f"{type(error).__name__}: {detail}"
        return GatewayError(
            f"Could not reach the provider{' at ' + where if where else ''}: {detail}"
        )

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
        message_id = self.message_id(response)
        if not isinstance(message_id, str):
            message_id = "" if message_id is None else str(message_id)
        return SendResult(message_id[:255], status)


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
    except (ValueError, RecursionError):  # not JSON, or nested beyond reason
        return None
