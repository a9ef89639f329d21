# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Workflow steps run exactly once, with real commits: two workers resume
the same due runs at the same time; a worker killed or rolled back in the
middle of a batch loses no step and makes none run twice."""

import os
import subprocess
import sys
import uuid
from collections import Counter

import pytest
from workers import run_two_workers

import odoo
from odoo import SUPERUSER_ID, api

RUNS = 30
SUMMARY = "Exactly-once follow-up"


@pytest.fixture
def registry():
    return odoo.modules.registry.Registry(odoo.tools.config["db_name"])


@pytest.fixture
def due_runs(registry):
    """RUNS leads in a committed workflow (wait → create an activity), their
    waits over; removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env["res.company"].create({"name": f"Once Flow {tag}"})
        workflow = env["crm.workflow"].create(
            {
                "name": f"Once {tag}",
                "company_id": company.id,
                "model_id": env["ir.model"]._get_id("crm.lead"),
                "trigger": "manual",
            }
        )
        follow_up = env["crm.workflow.step"].create(
            {
                "workflow_id": workflow.id,
                "sequence": 2,
                "name": "Follow-up",
                "kind": "action",
                "action_kind": "activity",
                "activity_type_id": env.ref("mail.mail_activity_data_todo").id,
                "activity_summary": SUMMARY,
                "assign_to": "user",
                "assign_user_id": SUPERUSER_ID,
            }
        )
        env["crm.workflow.step"].create(
            {
                "workflow_id": workflow.id,
                "sequence": 1,
                "name": "Wait",
                "kind": "wait",
                "wait_amount": 1,
                "wait_unit": "hours",
                "next_step_id": follow_up.id,
            }
        )
        leads = env["crm.lead"].create(
            [
                {"name": f"Once lead {i} {tag}", "company_id": company.id}
                for i in range(RUNS)
            ]
        )
        runs = workflow._enrol(leads)
        assert set(runs.mapped("state")) == {"waiting"}
        env.flush_all()
        cr.execute(
            "UPDATE crm_workflow_run SET wake_at = now() at time zone 'UTC' "
            "- interval '1 minute' WHERE id IN %s",
            [tuple(runs.ids)],
        )
        # other runs of the database wait until the test is over
        cr.execute(
            "UPDATE crm_workflow_run SET wake_at = wake_at + interval '100 years' "
            "WHERE state IN ('running', 'waiting') AND workflow_id != %s "
            "RETURNING id",
            [workflow.id],
        )
        postponed = [row[0] for row in cr.fetchall()]
        cr.commit()
        ids = {"workflow": workflow.id, "leads": leads.ids, "company": company.id}
    yield ids
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        leads = env["crm.lead"].browse(ids["leads"])
        env["mail.activity"].search(
            [("res_model", "=", "crm.lead"), ("res_id", "in", leads.ids)]
        ).unlink()
        env["crm.workflow"].browse(ids["workflow"]).unlink()
        leads.unlink()
        if postponed:
            cr.execute(
                "UPDATE crm_workflow_run SET wake_at = wake_at - interval '100 years' "
                "WHERE id IN %s",
                [tuple(postponed)],
            )
        cr.commit()


def due_count(env):
    env.cr.execute(
        "SELECT count(*) FROM crm_workflow_run WHERE state IN ('running', "
        "'waiting') AND wake_at <= now() at time zone 'UTC'"
    )
    return env.cr.fetchone()[0]


def test_two_workers_run_each_step_once(registry, due_runs):
    resumed = run_two_workers(
        registry,
        lambda env: env["crm.workflow.run"]._cron_advance(batch_size=4),
        due_count,
    )
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        activities = env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", due_runs["leads"]),
                ("summary", "=", SUMMARY),
            ]
        )
        per_lead = Counter(activities.mapped("res_id"))
        assert len(per_lead) == RUNS, "every run resumed"
        assert set(per_lead.values()) == {1}, f"duplicates: {per_lead}"
        runs = env["crm.workflow.run"].search(
            [("workflow_id", "=", due_runs["workflow"])]
        )
        assert set(runs.mapped("state")) == {"done"}
        # each run's follow-up is in its timeline once
        for run in runs:
            assert [log.step_id.name for log in run.log_ids].count("Follow-up") == 1
    assert resumed["a"] and resumed["b"], f"both workers worked: {dict(resumed)}"
    assert resumed["a"] + resumed["b"] == RUNS


def assert_each_step_once(registry, due_runs):
    """Every lead has its follow-up activity once, every run is done with
    the follow-up once in its timeline."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        activities = env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lead"),
                ("res_id", "in", due_runs["leads"]),
                ("summary", "=", SUMMARY),
            ]
        )
        per_lead = Counter(activities.mapped("res_id"))
        assert len(per_lead) == RUNS, f"lost: {RUNS - len(per_lead)}"
        assert set(per_lead.values()) == {1}, f"duplicates: {per_lead}"
        runs = env["crm.workflow.run"].search(
            [("workflow_id", "=", due_runs["workflow"])]
        )
        assert set(runs.mapped("state")) == {"done"}
        for run in runs:
            assert [log.step_id.name for log in run.log_ids].count("Follow-up") == 1


def finish_with_two_workers(registry):
    return run_two_workers(
        registry,
        lambda env: env["crm.workflow.run"]._cron_advance(batch_size=4),
        due_count,
    )


CRASHING_WORKER = """
import sys, time
import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.module import initialize_sys_path

database, addons_path, batch = sys.argv[1], sys.argv[2], int(sys.argv[3])
odoo.tools.config["addons_path"] = addons_path
initialize_sys_path()
registry = odoo.modules.registry.Registry(database)
from odoo.addons.crm_alert_automation.models import crm_workflow_run

flush = crm_workflow_run._Engine.flush

def flush_then_hang(self):
    flush(self)
    self.env.flush_all()
    done = self.env["mail.activity"].search_count([("summary", "=", sys.argv[4])])
    print("MID", done, flush=True)
    time.sleep(600)  # killed here: its batch's steps done, nothing committed

crm_workflow_run._Engine.flush = flush_then_hang
with registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    env["crm.workflow.run"]._cron_advance(batch_size=batch)
    cr.commit()
"""


def test_worker_killed_mid_batch_loses_nothing_and_repeats_nothing(registry, due_runs):
    """A cron worker process killed (SIGKILL) after its batch's steps ran,
    before its commit: PostgreSQL drops its transaction and its locks; the
    other workers resume every run once."""
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CRASHING_WORKER,
            odoo.tools.config["db_name"],
            odoo.tools.config["addons_path"],
            "10",
            SUMMARY,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        line = worker.stdout.readline()
        assert line.split() == ["MID", "10"], f"the worker did not get there: {line}"
        with registry.cursor() as cr:  # its batch is claimed: others skip it
            env = api.Environment(cr, SUPERUSER_ID, {})
            assert env["crm.workflow.run"]._cron_advance(batch_size=RUNS) == RUNS - 10
            cr.rollback()
    finally:
        worker.kill()
        worker.wait(timeout=60)
    resumed = finish_with_two_workers(registry)
    assert resumed["a"] + resumed["b"] == RUNS, "every run resumed once"
    assert_each_step_once(registry, due_runs)


def test_worker_rolled_back_mid_batch_loses_nothing_and_repeats_nothing(
    registry, due_runs
):
    """A worker whose transaction fails after its batch's step ran (an error
    further on, a lost connection): nothing of the batch stays, the next
    workers run each step once."""
    from odoo.addons.crm_alert_automation.models import (  # noqa: PLC0415
        crm_workflow_run,
    )

    flush = crm_workflow_run._Engine.flush
    done = []

    def flush_then_fail(self):
        flush(self)
        self.env.flush_all()
        done.append(self.env["mail.activity"].search_count([("summary", "=", SUMMARY)]))
        raise RuntimeError("the worker fails after its steps, before its commit")

    crm_workflow_run._Engine.flush = flush_then_fail
    try:
        with pytest.raises(RuntimeError), registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["crm.workflow.run"]._cron_advance(batch_size=10)
    finally:
        crm_workflow_run._Engine.flush = flush
    assert done == [10], "the step ran for the batch before the failure"
    resumed = finish_with_two_workers(registry)
    assert resumed["a"] + resumed["b"] == RUNS
    assert_each_step_once(registry, due_runs)
