#!/usr/bin/env python3
# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A local mail catcher for the demo (standard library only).

An SMTP server on loopback that accepts every message, saves each one as an
``.eml`` file (open it with any mail program) and prints one line for it.
Nothing is ever delivered anywhere. ``scripts/run-odoo`` starts it on
localhost:1025, the demo company's alerts server.

    python3 scripts/mail_catcher.py --port 1025 --dir /tmp/mail
"""

import argparse
import asyncio
import email.parser
import email.policy
import os
import re
import signal
import socket
import sys
from datetime import datetime
from pathlib import Path

MAX_MESSAGE = 64 * 1024 * 1024
ADDRESS = re.compile(r"<([^>]*)>")


class MailCatcher:
    def __init__(self, folder):
        self.folder = Path(folder)
        self.count = 0

    async def session(self, reader, writer):
        await SmtpSession(self, reader, writer).run()

    def save(self, mail_from, recipients, data):
        self.count += 1
        now = datetime.now()
        path = self.folder / f"{now:%Y%m%d-%H%M%S}-{os.getpid()}-{self.count:04d}.eml"
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
        try:
            headers = email.parser.BytesHeaderParser(policy=email.policy.default)
            subject = str(headers.parsebytes(data).get("Subject", ""))
        except Exception:  # an odd header is still a caught mail
            subject = "?"
        print(
            f"{now:%H:%M:%S} mail to {', '.join(recipients)} from {mail_from}: "
            f"{subject!r} -> {path}",
            flush=True,
        )
        return path


class SmtpSession:
    """One SMTP conversation (RFC 5321: what smtplib, hence Odoo, speaks)."""

    def __init__(self, catcher, reader, writer):
        self.catcher = catcher
        self.reader = reader
        self.writer = writer
        self.mail_from = None
        self.recipients = []

    async def reply(self, *lines):
        for line in lines:
            self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()

    async def run(self):
        try:
            await self.reply("220 localhost crm_alert_automation mail catcher ESMTP")
            while line := await self.reader.readline():
                text = line.decode("utf-8", "replace").strip()
                verb, _, argument = text.partition(" ")
                handler = getattr(self, f"smtp_{verb.lower()}", None)
                if not verb.isalpha() or handler is None:
                    await self.reply("502 Command not implemented")
                elif await handler(argument) is False:
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.writer.close()

    async def smtp_ehlo(self, _argument):
        await self.reply(
            "250-localhost", "250-8BITMIME", "250-SMTPUTF8", f"250 SIZE {MAX_MESSAGE}"
        )

    async def smtp_helo(self, _argument):
        await self.reply("250 localhost")

    async def smtp_mail(self, argument):
        self.mail_from, self.recipients = _address(argument), []
        await self.reply("250 OK")

    async def smtp_rcpt(self, argument):
        if self.mail_from is None:
            await self.reply("503 Bad sequence of commands")
            return
        self.recipients.append(_address(argument))
        await self.reply("250 OK")

    async def smtp_data(self, _argument):
        if not self.recipients:
            await self.reply("503 Bad sequence of commands")
            return
        await self.reply("354 End data with <CR><LF>.<CR><LF>")
        data = await _read_data(self.reader)
        if data is None:
            await self.reply("552 Message exceeds the size limit")
        else:
            path = self.catcher.save(self.mail_from, self.recipients, data)
            await self.reply(f"250 OK: saved as {path.name}")
        self.mail_from, self.recipients = None, []

    async def smtp_rset(self, _argument):
        self.mail_from, self.recipients = None, []
        await self.reply("250 OK")

    async def smtp_noop(self, _argument):
        await self.reply("250 OK")

    async def smtp_quit(self, _argument):
        await self.reply("221 Bye")
        return False


def _address(argument):
    """The address of ``FROM:<a@b> SIZE=1`` or ``TO:<a@b>``."""
    found = ADDRESS.search(argument)
    return found.group(1) if found else argument.partition(":")[2].strip()


async def _read_data(reader):
    """The message up to the lone dot, or None when it is too big."""
    lines = []
    size = 0
    while True:
        line = await reader.readline()
        if not line:
            raise asyncio.IncompleteReadError(b"", None)
        if line in (b".\r\n", b".\n"):
            return b"".join(lines) if size <= MAX_MESSAGE else None
        if line.startswith(b"."):
            line = line[1:]  # dot-stuffing
        size += len(line)
        if size <= MAX_MESSAGE:
            lines.append(line)


async def serve(host, port, folder, exit_with_parent):
    catcher = MailCatcher(folder)
    server = await asyncio.start_server(
        catcher.session, host, port, family=socket.AF_INET, limit=1024 * 1024
    )
    print(
        f"Mail catcher on {host}:{port}: every e-mail is saved in {folder}",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    parent = os.getppid()
    async with server:
        while not stop.is_set():
            if exit_with_parent and os.getppid() != parent:
                break  # Odoo (our parent) has stopped
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except TimeoutError:
                pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", required=True, help="folder for the .eml files")
    parser.add_argument(
        "--exit-with-parent",
        action="store_true",
        help="stop when the process that started this one ends",
    )
    args = parser.parse_args()
    folder = Path(args.dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(serve(args.host, args.port, folder, args.exit_with_parent))
    except OSError as error:
        sys.exit(f"Mail catcher: cannot listen on {args.host}:{args.port}: {error}")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
