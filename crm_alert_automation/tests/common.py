# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Real loopback servers for the tests: an SMTP server that records mail and
an HTTP server that speaks like an SMS/WhatsApp provider."""

import contextlib
import email
import email.policy
import http.server
import json
import socket
import threading
import time
import urllib.parse

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from odoo import Command, modules
from odoo.tests import new_test_user

from ..controllers.gateway_webhooks import meta_signature


def company_salesman(env, company, login, tz, domain, **values):
    """A salesman of ``company`` only, at ``login@domain``, in timezone ``tz``."""
    return new_test_user(
        env,
        login=login,
        email=f"{login}@{domain}",
        tz=tz,
        groups="sales_team.group_sale_salesman",
        company_id=company.id,
        company_ids=[Command.set(company.ids)],
        **values,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it accepts.

    With ``login``/``password`` set it demands AUTH and refuses other
    credentials with 535, like a real provider does.
    """

    def __init__(self, login=None, password=None):
        self.login = login
        self.password = password
        self.messages = []
        self.sessions = 0
        self._lock = threading.Lock()
        self.port = free_port()
        kwargs = {}
        if login:
            # Loopback only; STARTTLS would need a certificate for no gain here.
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, **kwargs
        )

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            auth_data.login.decode() == self.login
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        """One EHLO per SMTP session: counts the connections clients open."""
        session.host_name = hostname
        with self._lock:
            self.sessions += 1
        return responses

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        with self._lock:
            self.messages.append(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": list(envelope.rcpt_tos),
                    "message": message,
                }
            )
        return "250 Message accepted for delivery"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.sessions = 0

    def received_by(self, address):
        return [m for m in self.messages if address in m["rcpt_tos"]]


@contextlib.contextmanager
def real_smtp():
    """Let Odoo really talk SMTP during a test.

    Odoo's own test runner sets ``current_test``, which makes ir.mail_server
    skip the network; our tests want the mail on a real (loopback) server.
    """
    saved = modules.module.current_test
    modules.module.current_test = False
    try:
        yield
    finally:
        modules.module.current_test = saved


class HttpStub:
    """A real HTTP server on 127.0.0.1 standing in for an SMS/WhatsApp
    provider: it records every request and answers with ``responder``.

    ``responder(request) -> (status, headers, body, delay_seconds)``, where
    ``request`` is a dict with method, path, query, headers, body (bytes),
    json and form.
    """

    def __init__(self, responder):
        self.responder = responder
        self.requests = []
        self.abandoned = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urllib.parse.urlsplit(self.path)
                record = {
                    "method": self.command,
                    "path": parsed.path,
                    "query": dict(urllib.parse.parse_qsl(parsed.query)),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                    "json": _json_or_none(body),
                    "form": dict(urllib.parse.parse_qsl(body.decode(errors="replace"))),
                }
                stub.requests.append(record)
                status, headers, payload, delay = stub.responder(record)
                if delay:
                    time.sleep(delay)
                data = (
                    payload
                    if isinstance(payload, bytes)
                    else json.dumps(payload).encode()
                )
                try:
                    self.send_response(status)
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    stub.abandoned += 1  # the client gave up (timeout tests)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _json_or_none(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def meta_statuses_body(statuses):
    """A WhatsApp Cloud API webhook call carrying ``statuses``, as bytes."""
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {"changes": [{"field": "messages", "value": {"statuses": statuses}}]}
            ],
        }
    ).encode()


class MetaReceipts:
    """For an HttpCase with a Meta gateway ``self.gateway`` (app secret
    ``meta-app-secret``): post signed delivery receipts to its webhook."""

    def meta_receipt(self, statuses):
        body = meta_statuses_body(statuses)
        self.env.flush_all()
        response = self.url_open(
            f"/crm_alert/webhook/meta/{self.gateway.id}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": meta_signature("meta-app-secret", body),
            },
        )
        self.env.invalidate_all()
        return response
