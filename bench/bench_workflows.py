#!/usr/bin/env python3
# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Workflow benchmark: crm_alert_automation's engine against OCA automation_oca.

On one database (``crm_alert_bench_wf``, no demo data) holding N leads, the
same flow — action → wait 1 day → condition (expected revenue > 0) → action,
both actions an *Update record* server action — is timed, each measurement
in a transaction rolled back afterwards:

1. enrolling the N leads: ours (``crm.workflow._enrol``: the first action
   runs, the wait is booked) against OCA (``run_automation``, then the pass
   of its step cron that runs the first action);
2. resuming the N due runs once the wait is over: our cron (batches of
   2,000, queries counted per batch) against OCA's step cron;
3. the trigger's cost on ``crm.lead`` creation, each create in its own
   transaction as a user saving a form: without any workflow, with 5 active
   workflows whose trigger is *Record created* (an automation rule each)
   that the lead does not enter (entry filter not met), and with 5 it
   enters; interleaved in rounds.

OCA's engine enrols and resumes one record at a time: it is timed on the
first ``--oca-records`` of the same leads, ours too, in the same run.

    python3 bench/bench_workflows.py [--records N] [--oca-records N] [--reuse]
        [--no-oca]

OCA's module is used when importable
(``pip install --no-deps "odoo-addon-automation-oca==18.*"``).
"""

import argparse
import importlib.util
import os
import statistics
import time

from benchlib.odoo_env import (
    build_database,
    committed,
    log,
    odoo_addons_dirs,
    open_registry,
    rolled_back,
    unused_local_port,
    vacuum,
)

from odoo import SUPERUSER_ID, api

DATABASE = "crm_alert_bench_wf"
BATCH = 2000
CREATES = 300
ROUNDS = 5
WORKFLOWS = 5


def has_oca():
    return importlib.util.find_spec("odoo.addons.automation_oca") is not None


def update_action(env, name, value):
    return env["ir.actions.server"].create(
        {
            "name": name,
            "model_id": env["ir.model"]._get_id("crm.lead"),
            "state": "object_write",
            "update_path": "referred",
            "evaluation_type": "value",
            "value": value,
        }
    )


def build(records, oca):
    modules = ["crm_alert_automation"] + (["automation_oca"] if oca else [])
    build_database(DATABASE, odoo_addons_dirs(), modules)
    registry = open_registry(DATABASE, odoo_addons_dirs(), unused_local_port())
    with committed(registry) as env:
        company = env.company
        log(f"creating {records} leads...")
        Lead = env["crm.lead"].with_context(tracking_disable=True)
        for start in range(0, records, 2000):
            Lead.create(
                [
                    {
                        "name": f"Bench lead {i}",
                        "type": "opportunity",
                        "expected_revenue": i % 3,  # a third goes "no"
                        "company_id": company.id,
                    }
                    for i in range(start, min(records, start + 2000))
                ]
            )
        env.cr.commit()
    vacuum(DATABASE, analyze=True)
    return registry


def our_workflow(env, trigger="manual", name="Bench flow"):
    workflow = env["crm.workflow"].create(
        {
            "name": name,
            "company_id": env.company.id,
            "model_id": env["ir.model"]._get_id("crm.lead"),
            "trigger": trigger,
        }
    )
    Step = env["crm.workflow.step"]
    last = Step.create(
        {
            "workflow_id": workflow.id,
            "sequence": 4,
            "name": "Second action",
            "kind": "action",
            "action_kind": "update",
            "update_field_id": env["ir.model.fields"]._get("crm.lead", "referred").id,
            "update_value": "second",
        }
    )
    condition = Step.create(
        {
            "workflow_id": workflow.id,
            "sequence": 3,
            "name": "Has revenue?",
            "kind": "condition",
            "condition_domain": "[('expected_revenue', '>', 0)]",
            "next_step_id": last.id,
        }
    )
    wait = Step.create(
        {
            "workflow_id": workflow.id,
            "sequence": 2,
            "name": "Wait a day",
            "kind": "wait",
            "wait_amount": 1,
            "wait_unit": "days",
            "next_step_id": condition.id,
        }
    )
    Step.create(
        {
            "workflow_id": workflow.id,
            "sequence": 1,
            "name": "First action",
            "kind": "action",
            "action_kind": "update",
            "update_field_id": env["ir.model.fields"]._get("crm.lead", "referred").id,
            "update_value": "first",
            "next_step_id": wait.id,
        }
    )
    return workflow


def oca_configuration(env, lead_ids):
    config = env["automation.configuration"].create(
        {
            "name": "Bench flow",
            "model_id": env["ir.model"]._get_id("crm.lead"),
            # its stored domain is computed from this one
            "editable_domain": repr([("id", "in", lead_ids)]),
        }
    )
    first = env["automation.configuration.step"].create(
        {
            "name": "First action",
            "configuration_id": config.id,
            "step_type": "action",
            "trigger_type": "start",
            "server_action_id": update_action(env, "OCA first", "first").id,
        }
    )
    env["automation.configuration.step"].create(
        {
            "name": "Second action",
            "configuration_id": config.id,
            "parent_id": first.id,
            "step_type": "action",
            "trigger_type": "after_step",
            "trigger_interval": 1,
            "trigger_interval_type": "days",
            "domain": "[('expected_revenue', '>', 0)]",
            "server_action_id": update_action(env, "OCA second", "second").id,
        }
    )
    config.start_automation()
    return config


def timed(env, fn):
    env.flush_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    result = fn()
    env.flush_all()
    env.cr.flush()  # precommit hooks (wake-up bookings) as at commit
    return time.perf_counter() - start, env.cr.sql_log_count - queries, result


def yardstick(registry, lead_ids):
    """The machine's pace in this run: one ORM write of the leads' field the
    flow updates (what the second action must do at the least)."""
    with rolled_back(registry) as env:
        leads = env["crm.lead"].browse(lead_ids)
        return timed(env, lambda: leads.write({"referred": "yardstick"}))[:2]


def bench_ours(registry, lead_ids):
    out = {}
    with rolled_back(registry) as env:
        workflow = our_workflow(env)
        leads = env["crm.lead"].browse(lead_ids)
        out["enrol"] = timed(env, lambda: workflow._enrol(leads))[:2]
        env.cr.execute(
            "UPDATE crm_workflow_run SET wake_at = wake_at - interval '1 day' "
            "WHERE workflow_id = %s",
            [workflow.id],
        )
        env.invalidate_all()
        batches = []

        def resume():
            while True:
                seconds, queries, done = timed(
                    env,
                    lambda: env["crm.workflow.run"]._cron_advance(batch_size=BATCH),
                )
                if not done:
                    return
                batches.append((done, seconds, queries))

        out["resume"] = timed(env, resume)[:2]
        out["batches"] = batches
        env.cr.execute(
            "SELECT state, count(*) FROM crm_workflow_run WHERE workflow_id = %s "
            "GROUP BY state",
            [workflow.id],
        )
        out["states"] = dict(env.cr.fetchall())
        env.cr.execute(
            "SELECT referred, count(*) FROM crm_lead WHERE id = ANY(%s) "
            "GROUP BY referred",
            [lead_ids],
        )
        out["referred"] = dict(env.cr.fetchall())
    return out


def bench_oca(registry, lead_ids):
    out = {}
    with rolled_back(registry) as env:
        config = oca_configuration(env, lead_ids)
        Steps = env["automation.record.step"]

        def enrol():
            # the records' first steps are due at once: the next pass of
            # OCA's step cron runs them
            config.run_automation()
            Steps._cron_automation_steps()

        out["enrol"] = timed(env, enrol)[:2]
        env.cr.execute(
            "SELECT count(*) FROM automation_record WHERE configuration_id = %s",
            [config.id],
        )
        out["records"] = env.cr.fetchone()[0]
        env.cr.execute(
            "UPDATE automation_record_step SET scheduled_date = scheduled_date "
            "- interval '1 day' WHERE state = 'scheduled'"
        )
        env.invalidate_all()
        out["resume"] = timed(env, Steps._cron_automation_steps)[:2]
        env.cr.execute(
            "SELECT referred, count(*) FROM crm_lead WHERE id = ANY(%s) "
            "GROUP BY referred",
            [lead_ids],
        )
        out["referred"] = dict(env.cr.fetchall())
    return out


def trigger_workflow(env, i, filter_domain):
    """'Record created' workflow: wait a day, then an update."""
    workflow = env["crm.workflow"].create(
        {
            "name": f"Trigger flow {i}",
            "company_id": env.company.id,
            "model_id": env["ir.model"]._get_id("crm.lead"),
            "trigger": "created",
            "filter_domain": filter_domain,
        }
    )
    then = env["crm.workflow.step"].create(
        {
            "workflow_id": workflow.id,
            "sequence": 2,
            "name": "Then",
            "kind": "action",
            "action_kind": "update",
            "update_field_id": env["ir.model.fields"]._get("crm.lead", "referred").id,
            "update_value": "later",
        }
    )
    env["crm.workflow.step"].create(
        {
            "workflow_id": workflow.id,
            "sequence": 1,
            "name": "Wait a day",
            "kind": "wait",
            "wait_amount": 1,
            "wait_unit": "days",
            "next_step_id": then.id,
        }
    )
    return workflow


def bench_trigger(registry):
    """Each lead created in its own transaction (rolled back), as a user
    saving a form: without workflows, then with 5 whose entry filter the
    lead fails, then with 5 it enters; the three interleaved in ROUNDS
    rounds so that the machine's load weighs on each alike."""

    def create_leads(count):
        """Per create: (seconds, queries)."""
        spent = []
        for i in range(count):
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                cpu = time.process_time()
                seconds, queries, _lead = timed(
                    env,
                    lambda env=env, i=i: env["crm.lead"].create(
                        {"name": f"Trigger lead {i}", "type": "opportunity"}
                    ),
                )
                spent.append((seconds, time.process_time() - cpu, queries))
                cr.rollback()
        return spent

    configs = {"without": [], "filtered": [], "enrolled": []}
    with committed(registry) as env:
        for key, domain in (
            ("filtered", "[('type', '=', 'lead')]"),  # nothing enrolled
            ("enrolled", False),  # every lead enrolled 5 times
        ):
            for i in range(WORKFLOWS):
                configs[key].append(trigger_workflow(env, f"{key} {i}", domain).id)
        env["crm.workflow"].browse(configs["filtered"] + configs["enrolled"]).write(
            {"active": False}
        )
        env.cr.commit()
    out = {key: [] for key in configs}
    try:
        for _round in range(ROUNDS):
            for key, ids in configs.items():
                with committed(registry) as env:
                    env["crm.workflow"].browse(ids).write({"active": True})
                    env.cr.commit()
                create_leads(3)  # warm-up: caches, the rules' patches
                out[key] += create_leads(CREATES // ROUNDS)
                with committed(registry) as env:
                    env["crm.workflow"].browse(ids).write({"active": False})
                    env.cr.commit()
    finally:
        with committed(registry) as env:
            env["crm.workflow"].browse(
                configs["filtered"] + configs["enrolled"]
            ).with_context(active_test=False).unlink()
            env.cr.commit()
    return {
        key: (
            statistics.median(seconds for seconds, _cpu, _q in spent),
            statistics.median(cpu for _s, cpu, _q in spent),
            sum(queries for _s, _cpu, queries in spent) / len(spent),
        )
        for key, spent in out.items()
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-oca", action="store_true")
    parser.add_argument("--oca-records", type=int, default=1000)
    args = parser.parse_args()
    oca = has_oca() and not args.no_oca
    if args.reuse:
        registry = open_registry(DATABASE, odoo_addons_dirs(), unused_local_port())
    else:
        registry = build(args.records, oca)
    with committed(registry) as env:
        lead_ids = (
            env["crm.lead"]
            .search([("name", "=like", "Bench lead %")], limit=args.records)
            .ids
        )
    log(f"{len(lead_ids)} leads; ours...")
    pace = yardstick(registry, lead_ids)
    ours = bench_ours(registry, lead_ids)
    n = len(lead_ids)
    print(f"## Workflows: {n} leads, action → wait 1 day → condition → action\n")
    print(f"Load average at the start: {os.getloadavg()}\n")
    print(f"| measurement | crm_alert_automation, {n} leads |")
    print("| --- | --- |")
    for key, label in (
        ("enrol", "enrol (first action, wait booked)"),
        ("resume", "resume the due runs (condition, 2nd action)"),
    ):
        print(f"| {label} | {ours[key][0]:.2f} s, {ours[key][1]} queries |")
    print(
        f"\nOur resume batches ({BATCH} runs each): "
        + "; ".join(
            f"{done} runs {seconds:.2f} s {queries} queries"
            for done, seconds, queries in ours["batches"]
        )
    )
    print(f"\nRuns: {ours['states']}; leads' last action: {ours['referred']}")
    print(
        f"\nYardstick, the machine's pace in this run: one ORM write of the "
        f"{n} leads' field {pace[0]:.2f} s ({pace[1]} queries); our resume "
        f"takes {ours['resume'][0] / pace[0]:.1f}x that"
    )
    if oca:
        few = lead_ids[: args.oca_records]
        log(f"the first {len(few)} leads: ours, then OCA automation_oca...")
        small = bench_ours(registry, few)
        peer = bench_oca(registry, few)
        print(f"\n### Side by side on the first {len(few)} of these leads\n")
        print("| measurement | ours | OCA automation_oca 18.0 | ratio |")
        print("| --- | --- | --- | --- |")
        for key, label in (
            ("enrol", "enrol (first action, wait booked)"),
            ("resume", "resume the due runs (condition, 2nd action)"),
        ):
            print(
                f"| {label} | {small[key][0]:.2f} s, {small[key][1]} queries | "
                f"{peer[key][0]:.2f} s, {peer[key][1]} queries | "
                f"OCA takes {peer[key][0] / small[key][0]:.1f}x |"
            )
        print(
            f"\nLeads' last action: ours {small['referred']}, "
            f"OCA {peer['referred']} ({peer['records']} leads enrolled by OCA)"
        )
    log("trigger overhead...")
    trigger = bench_trigger(registry)
    median, cpu, queries = trigger["without"]
    print(
        f"\nTrigger overhead, {CREATES} crm.lead creates a configuration, each "
        f"its own transaction ({ROUNDS} interleaved rounds), median a create: "
        f"{median * 1000:.2f} ms wall clock, {cpu * 1000:.2f} ms of Odoo's CPU "
        f"(the database's work aside: the load weighs less on it), {queries:.1f} "
        "queries, without workflows;"
    )
    for key, label in (
        ("filtered", "entry filter not met (no run)"),
        ("enrolled", "every lead enrolled (run started, wait booked)"),
    ):
        k_median, k_cpu, k_queries = trigger[key]
        print(
            f"- with {WORKFLOWS} active 'Record created' workflows, {label}: "
            f"{k_median * 1000:.2f} ms ({(k_median / median - 1) * 100:+.1f} %), "
            f"CPU {k_cpu * 1000:.2f} ms ({(k_cpu / cpu - 1) * 100:+.1f} %), "
            f"{k_queries:.1f} queries"
        )
    print(f"\nLoad average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
