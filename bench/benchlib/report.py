# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Markdown output."""

from .data import TIMEZONES, USERS, WINDOW_HOURS


def fmt_seconds(seconds):
    return f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def ratio(value, reference):
    return f"{value / reference:,.1f}x" if reference else "n/a"


def more_or_fewer(value, reference, noun):
    """'3.1x more queries' / '2.0x fewer queries'."""
    if value >= reference:
        return f"{value / reference:,.1f}x more {noun}"
    return f"{reference / value:,.1f}x fewer {noun}"


def markdown_table(headers, rows, align=None):
    """Print a Markdown table; ``align`` is one letter a column, l or r."""
    align = align or "l" * len(headers)
    print("| " + " | ".join(headers) + " |")
    print("| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def print_header(database, scenario, versions, due_share):
    print(
        f"\n## {database}: {scenario.total:,} open activities, "
        f"{len(scenario.due_ids):,} due within {WINDOW_HOURS} h "
        f"(--due-share {due_share:g})\n"
    )
    print(
        f"{USERS} users in {', '.join(TIMEZONES)}; run at {scenario.now} UTC; "
        + "; ".join(f"{name} {value}" for name, value in versions.items())
    )


def print_find_table(finds, repeat):
    reference = finds[0]
    print(f"\n### Finding the due activities (median of up to {repeat} runs)\n")
    print(
        "| mechanism | what runs | found | same as ours | time | queries | "
        "time / ours |"
    )
    print("| --- | --- | ---: | --- | ---: | ---: | ---: |")
    for row in finds:
        print(
            f"| {row.mechanism} | {row.what} | {row.outcome.count:,} | "
            f"{row.same_activities} | {fmt_seconds(row.seconds)} | {row.queries:,} | "
            f"{ratio(row.seconds, reference.seconds)} |"
        )


def print_queue_table(scan, render, peers):
    size = scan.expected_count
    print(f"\n### Queueing {size:,} reminders for the same {size:,} activities\n")
    print(
        "| mechanism | what runs | reminded | same as ours | created | time | "
        "queries | reminders/s | time / ours | queries / ours |"
    )
    print("| --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in [scan, *([render] if render else []), *peers]:
        count = row.outcome.count
        ratios = (
            ("(later)", "(later)")
            if row is render
            else (ratio(row.seconds, scan.seconds), ratio(row.queries, scan.queries))
        )
        print(
            f"| {row.mechanism} | {row.what} | {count:,} | {row.same_activities} | "
            f"{row.outcome.created} | {fmt_seconds(row.seconds)} | {row.queries:,} | "
            f"{count / row.seconds:,.0f} | {ratios[0]} | {ratios[1]} |"
        )


def print_ratios(scan, render, peers):
    print("\n### Ours against each peer (throughput = reminders queued per second)\n")
    if render is None:  # --skip-render
        print("| peer | against our scan |")
        print("| --- | --- |")
        for peer in peers:
            cell = ratio_cell(peer, scan.seconds, scan.queries)
            print(f"| {peer.mechanism} | {cell} |")
        return
    print("| peer | against our scan | against our scan + send-time rendering |")
    print("| --- | --- | --- |")
    both = (scan.seconds + render.seconds, scan.queries + render.queries)
    for peer in peers:
        print(
            f"| {peer.mechanism} | {ratio_cell(peer, scan.seconds, scan.queries)} | "
            f"{ratio_cell(peer, *both)} |"
        )


def ratio_cell(peer, our_seconds, our_queries):
    ours_rate = peer.expected_count / our_seconds
    peer_rate = peer.outcome.count / peer.seconds
    faster = (
        f"ours {ratio(ours_rate, peer_rate)} faster"
        if ours_rate >= peer_rate
        else f"{peer.mechanism} {ratio(peer_rate, ours_rate)} faster"
    )
    queries = more_or_fewer(peer.queries, our_queries, "queries")
    return f"{faster}; {peer.mechanism} runs {queries}"


def print_plans(plans):
    for title, lines in plans.items():
        print(f"\n### Plan: {title}\n")
        print("```")
        print("\n".join(lines))
        print("```")
