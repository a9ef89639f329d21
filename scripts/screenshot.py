#!/usr/bin/env python3
# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screenshot of an Odoo page as a logged-in user, in headless Chromium
through the DevTools protocol (no other dependency than websocket-client).

    scripts/screenshot.py URL OUT.png [--login admin --password admin]
        [--db DB] [--width 1400 --height 900] [--wait 4] [--js EXPR] [--dark]

``--js`` runs an expression once the page is loaded (e.g. click a tab);
``--dark`` opens the page in Odoo's dark colour scheme (the ``color_scheme``
cookie: the web client then loads ``web.assets_web_dark``)."""

import argparse
import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from urllib.parse import urlparse

import websocket


def authenticate(base, db, login, password):
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "params": {"db": db, "login": login, "password": password},
        }
    ).encode()
    req = urllib.request.Request(
        base + "/web/session/authenticate",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        cookie = resp.headers.get("Set-Cookie", "")
    return cookie.split("session_id=")[1].split(";")[0]


def main():  # noqa: C901
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("out")
    parser.add_argument("--db")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--wait", type=float, default=4)
    parser.add_argument("--js", action="append", default=[])
    parser.add_argument("--console", action="store_true", help="print all logs")
    parser.add_argument("--dark", action="store_true", help="dark colour scheme")
    parser.add_argument("--clip", help="CSS selector: only this element's box")
    args = parser.parse_args()
    parsed = urlparse(args.url)
    base = f"{parsed.scheme}://{parsed.netloc}"
    session = authenticate(base, args.db, args.login, args.password)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    profile = tempfile.mkdtemp()
    port = 9333
    proc = subprocess.Popen(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            f"--remote-debugging-port={port}",
            f"--user-data-dir={profile}",
            f"--window-size={args.width},{args.height}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _i in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/json") as r:
                    targets = json.load(r)
                page = next(t for t in targets if t["type"] == "page")
                break
            except Exception:
                time.sleep(0.2)
        ws = websocket.create_connection(page["webSocketDebuggerUrl"])
        counter = iter(range(1, 10**6))

        def call(method, **params):
            msg_id = next(counter)
            ws.send(json.dumps({"id": msg_id, "method": method, "params": params}))
            while True:
                msg = json.loads(ws.recv())
                if msg.get("id") == msg_id:
                    return msg.get("result", {})
                report(msg)

        def report(msg):
            method = msg.get("method")
            if method == "Runtime.exceptionThrown":
                details = msg["params"]["exceptionDetails"]
                print("page error:", details.get("exception", {}).get("description"))
            elif method == "Runtime.consoleAPICalled" and msg["params"]["type"] in (
                "error",
                "warning",
                *(("log", "info") if args.console else ()),
            ):
                print(
                    "console:",
                    " ".join(
                        str(a.get("value", a.get("description")))
                        for a in msg["params"]["args"]
                    ),
                )

        def pump(seconds):
            ws.settimeout(0.2)
            end = time.time() + seconds
            while time.time() < end:
                try:
                    report(json.loads(ws.recv()))
                except websocket.WebSocketTimeoutException:
                    pass
            ws.settimeout(None)

        call("Runtime.enable")

        call(
            "Emulation.setDeviceMetricsOverride",
            width=args.width,
            height=args.height,
            deviceScaleFactor=1,
            mobile=False,
        )
        call(
            "Network.setCookie",
            name="session_id",
            value=session,
            domain=parsed.hostname,
            path="/",
        )
        if args.dark:
            call(
                "Network.setCookie",
                name="color_scheme",
                value="dark",
                domain=parsed.hostname,
                path="/",
            )
        call("Page.navigate", url=args.url)
        pump(args.wait)
        for expr in args.js:
            result = call("Runtime.evaluate", expression=expr, awaitPromise=True)
            if "value" in result.get("result", {}):
                print("js:", result["result"]["value"])
            elif "exceptionDetails" in result:
                print("js error:", result["exceptionDetails"])
            pump(1.5)
        options = {}
        if args.clip:
            selector = json.dumps(args.clip)
            box = call(
                "Runtime.evaluate",
                expression=f"JSON.stringify(document.querySelector({selector})"
                ".getBoundingClientRect())",
                returnByValue=True,
            )
            rect = json.loads(box["result"]["value"])
            options["clip"] = {
                "x": rect["x"],
                "y": rect["y"],
                "width": rect["width"],
                "height": rect["height"],
                "scale": 1,
            }
        shot = call("Page.captureScreenshot", format="png", **options)
        with open(args.out, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
        ws.close()
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
