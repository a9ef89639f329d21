# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A real SMTP server on 127.0.0.1 that accepts everything and counts.

It runs aiosmtpd in a child process (its own interpreter, so the server's
work does not share the bench's GIL) and counts, in shared memory:
connections opened (``connection_made``), EHLO/HELO greetings and messages
accepted (``DATA``), plus their bytes. Nothing is stored or relayed.
"""

import multiprocessing
import socket
from dataclasses import dataclass

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

COUNTERS = ("connections", "greetings", "messages", "bytes")


def _serve(port, counters, ready, stop):
    """The child process: serve until ``stop`` is set."""

    def bump(name, by=1):
        counter = counters[name]
        with counter.get_lock():
            counter.value += by

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            bump("connections")
            super().connection_made(transport)

    class Handler:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            bump("greetings")
            session.host_name = hostname
            return responses

        async def handle_HELO(self, server, session, envelope, hostname):
            bump("greetings")
            session.host_name = hostname
            return f"250 {server.hostname}"

        async def handle_DATA(self, server, session, envelope):
            bump("messages")
            bump("bytes", len(envelope.original_content or b""))
            return "250 OK"

    class CountingController(Controller):
        def factory(self):
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    controller = CountingController(
        Handler(), hostname="127.0.0.1", port=port, ready_timeout=30
    )
    controller.start()
    ready.set()
    try:
        stop.wait()
    finally:
        controller.stop()


@dataclass
class Counts:
    connections: int = 0
    greetings: int = 0
    messages: int = 0
    bytes: int = 0

    def __sub__(self, other):
        return Counts(*(getattr(self, n) - getattr(other, n) for n in COUNTERS))


class SmtpSink:
    """``with SmtpSink() as sink: ... sink.counts()``"""

    def __init__(self, port=None):
        self.port = port or self._free_port()
        context = multiprocessing.get_context("spawn")
        self._counters = {name: context.Value("q", 0) for name in COUNTERS}
        self._ready = context.Event()
        self._stop = context.Event()
        self._process = context.Process(
            target=_serve,
            args=(self.port, self._counters, self._ready, self._stop),
            name="bench-smtp-sink",
            daemon=True,
        )

    @staticmethod
    def _free_port():
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]

    def __enter__(self):
        self._process.start()
        if not self._ready.wait(60):
            self._process.kill()
            raise RuntimeError("the SMTP sink did not start")
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()

    def counts(self):
        return Counts(*(self._counters[name].value for name in COUNTERS))
