# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
import functools
from datetime import datetime, timedelta

from odoo import api, fields, models, tools
from odoo.addons.base_automation.models.base_automation import (
    DATE_RANGE_FUNCTION,
    TIME_TRIGGERS,
    WRITE_TRIGGERS,
)
from odoo.tools.safe_eval import safe_eval

from ..tools import book_cron_by

TIME_CRON = "base_automation.ir_cron_data_base_automation_check"
EPOCH = datetime(1970, 1, 1)
# the moment of these triggers only moves later when a record changes
# (creation, last update): the check after the last one books the next
SELF_DATED = {"on_time_created": "create_date", "on_time_updated": "write_date"}
# what decides which date field of which model a record's create/write books
WATCHED_DATE_FIELDS = {"trg_date_id", "trg_date_calendar_id", "trg_date_range_type"}
# what decides which rules a model's create/write/recomputation evaluates
RULE_ROW_FIELDS = {
    "active",
    "trigger",
    "model_id",
    "filter_domain",
    "sequence",
    "trigger_field_ids",
    "filter_pre_domain",
    "action_server_ids",
}
WRITE_TRIGGER_KEY = tuple(sorted(WRITE_TRIGGERS))
# What Odoo's rule machinery (filters, trigger fields, the actions' run)
# and the addon's actions read of a model's rules: known to each worker,
# put in each transaction's cache instead of read again at every click
# (a change of an action clears the workers' caches: Odoo's ir.actions
# does so for its bindings).
RULE_METADATA = {
    "base.automation": (
        "filter_domain",
        "filter_pre_domain",
        "model_name",
        "trigger_field_ids",
        "action_server_ids",
    ),
    "ir.actions.server": (
        "state",
        "groups_id",
        "model_id",
        "crm_alert_event",
        "crm_alert_recipient_field_id",
        "crm_alert_channel",
        "crm_alert_sender",
        "crm_alert_mail_template_id",
        "crm_alert_sms_template_id",
        "crm_workflow_id",
    ),
    "ir.model.fields": ("name",),
    "ir.model": ("model",),
}


@functools.lru_cache(maxsize=512)
def literal_domain(text):
    """A filter written as a plain literal (no ``uid``, ``user``, dates…),
    as a tuple; None for one that needs evaluating."""
    try:
        domain = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return tuple(domain) if isinstance(domain, list | tuple) else None


class BaseAutomation(models.Model):
    """Time-based automation rules (a date reached ± a delay, not updated
    for…) run at their moment: Odoo's check cron, every few hours by
    default, is also booked at the next moment a rule has a record due —
    after each check, when a rule is saved, and when a record's date is
    set or changed. And the rules watching a model are known to each
    worker, not looked up at every create or write of the model."""

    _inherit = "base.automation"

    # ------------------------------------------------------------------
    # Which rules watch a model, and their filters: looked up once per
    # worker, not at each create or write of the model (rules are few and
    # seldom change)
    # ------------------------------------------------------------------
    def _get_actions(self, records, triggers):
        if "__action_done" not in self._context:
            self = self.with_context(__action_done={})
        key = tuple(sorted(triggers))
        rows = self._crm_action_rows(records._name, key)
        for model_name, fname, ids, values in self._crm_rule_metadata(
            records._name, key
        ):
            model = self.env[model_name]
            self.env.cache.insert_missing(
                model.browse(ids), model._fields[fname], values
            )
        return self.browse([row[0] for row in rows])

    def _filter_post_export_domain(self, records, feedback=False):
        """Odoo evaluates a rule's filter at every create or write; a plain
        literal filter is read once per worker (same records kept, same
        domain given back)."""
        text = self.sudo().filter_domain
        literal = literal_domain(text) if text and records else None
        if literal is None:
            return super()._filter_post_export_domain(records, feedback)
        if feedback:
            records = records.with_context(__action_feedback=True)
        domain = list(literal)
        return records.sudo().filtered_domain(domain).with_env(records.env), domain

    @api.model
    @tools.ormcache("model_name", "triggers")
    def _crm_action_rows(self, model_name, triggers):
        """(id, entry filter, model, trigger field names) of the active
        rules of ``triggers`` on ``model_name``."""
        domain = [("model_name", "=", model_name), ("trigger", "in", triggers)]
        automations = self.with_context(active_test=True).sudo().search(domain)
        return tuple(
            (
                automation.id,
                automation.filter_domain,
                automation.model_name,
                frozenset(automation.trigger_field_ids.mapped("name")),
            )
            for automation in automations
        )

    @api.model
    @tools.ormcache("model_name", "triggers")
    def _crm_rule_metadata(self, model_name, triggers):
        """(model, field, ids, cache values) of ``RULE_METADATA`` for the
        rules of :meth:`_crm_action_rows`, their actions, trigger fields
        and models."""
        rules = self.sudo().browse(
            [row[0] for row in self._crm_action_rows(model_name, triggers)]
        )
        actions = rules.action_server_ids
        records = {
            "base.automation": rules,
            "ir.actions.server": actions,
            "ir.model.fields": rules.trigger_field_ids
            | actions.crm_alert_recipient_field_id,
            "ir.model": actions.model_id,
        }
        return tuple(
            (
                model,
                fname,
                tuple(records[model].ids),
                tuple(
                    field.convert_to_cache(record[fname], record, validate=False)
                    for record in records[model]
                ),
            )
            for model, fnames in RULE_METADATA.items()
            for fname in fnames
            if (field := records[model]._fields.get(fname))
        )

    @api.model
    @tools.ormcache("model_name")
    def _crm_watched_fields(self, model_name):
        """The fields whose change can start one of the model's update
        rules; None when one of them has no trigger fields (any change
        does)."""
        watched = set()
        for row in self._crm_action_rows(model_name, WRITE_TRIGGER_KEY):
            if not row[3]:
                return None
            watched |= row[3]
        return frozenset(watched)

    def _crm_time_delta(self):
        return DATE_RANGE_FUNCTION[self.trg_date_range_type](self.trg_date_range)

    def _crm_exact_time(self):
        """Rules whose moments are booked: time-based, on a stored date (a
        rule counting working days on a calendar keeps Odoo's interval)."""
        return self.filtered(
            lambda a: (
                a.active
                and a.trigger in TIME_TRIGGERS
                and a.trg_date_id.store
                and a.model_name in self.env
                and not (a.trg_date_calendar_id and a.trg_date_range_type == "day")
            )
        )

    def _crm_next_moment(self):
        """The first moment, not before the rule's last check, at which a
        record matching the rule's filter is due; None if none is."""
        self.ensure_one()
        field = self.trg_date_id
        delta = self._crm_time_delta()
        since = self.last_run or EPOCH
        cutoff = since - delta
        if field.ttype == "date":  # a date is due at its midnight (UTC)
            cutoff = (cutoff - timedelta(microseconds=1)).date() + timedelta(days=1)
        domain = [(field.name, ">=", cutoff)]
        if self.filter_domain:
            domain += safe_eval(self.filter_domain, self._get_eval_context())
        Model = self.env[self.model_name].sudo()
        record = Model.search(domain, order=field.name, limit=1)
        if record:
            return fields.Datetime.to_datetime(record[field.name]) + delta
        if field.name == SELF_DATED.get(self.trigger):
            # a record created or updated from now on is due no sooner
            return fields.Datetime.now() + delta
        return None

    def _crm_book_next_check(self):
        """Book the check cron at the earliest moment one of these rules
        has work (a past moment: at once)."""
        moments = [rule._crm_next_moment() for rule in self._crm_exact_time()]
        moments = [moment for moment in moments if moment]
        if moments:
            book_cron_by(self.env, TIME_CRON, max(min(moments), fields.Datetime.now()))

    @api.model
    def _crm_book_changed_dates(self, records, rule_ids):
        """The date of the rules ``rule_ids`` was set on ``records``: book
        the check at the moment of the first of them due."""
        now = fields.Datetime.now()
        moments = []
        for rule in self.sudo().browse(rule_ids):
            since = rule.last_run or EPOCH
            delta = rule._crm_time_delta()
            moments += [
                moment
                for moment in (
                    fields.Datetime.to_datetime(value) + delta
                    for value in rule._filter_post(records).mapped(
                        rule.trg_date_id.name
                    )
                    if value
                )
                if moment >= since
            ]
        if moments:
            book_cron_by(self.env, TIME_CRON, max(min(moments), now))

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()  # _crm_action_rows
        return res

    @api.model
    def _check(self, automatic=False, use_new_cursor=False):
        res = super()._check(automatic=automatic, use_new_cursor=use_new_cursor)
        self.with_context(active_test=True).search(
            [("trigger", "in", TIME_TRIGGERS)]
        )._crm_book_next_check()
        return res

    @api.model_create_multi
    def create(self, vals_list):
        automations = super().create(vals_list)
        self.env.registry.clear_cache()  # _crm_action_rows
        automations._crm_book_next_check()
        return automations

    def write(self, vals):
        res = super().write(vals)
        if vals.keys() & RULE_ROW_FIELDS:
            self.env.registry.clear_cache()  # _crm_action_rows
        if vals.keys() & WATCHED_DATE_FIELDS and not vals.keys() & set(
            self.CRITICAL_FIELDS
        ):
            # Odoo re-installs its model patches only for its critical
            # fields; ours watch the rule's date field too.
            self._update_registry()
        if vals.keys() & {
            "active",
            "trigger",
            "trg_date_id",
            "trg_date_range",
            "trg_date_range_type",
            "trg_date_calendar_id",
            "filter_domain",
            "model_id",
        }:
            self._crm_book_next_check()
        return res

    def _register_hook(self):
        """Besides Odoo's patches: a write or a recomputation that touches
        none of the fields the model's update rules watch skips Odoo's rule
        evaluation (which would find nothing changed); a record created or
        written with the date of an exact time-based rule books the check
        at its moment."""
        super()._register_hook()
        self._crm_guard_update_rules()
        dated = {}
        for rule in (
            self.with_context(active_test=True)
            .search([("trigger", "=", "on_time")])
            ._crm_exact_time()
        ):
            dated.setdefault(rule.model_name, []).append(
                (rule.trg_date_id.name, rule.id)
            )
        for model_name, watched in dated.items():
            model_class = self.env.registry[model_name]
            for name, make in (("create", _make_create), ("write", _make_write)):
                method = make(tuple(watched))
                method.origin = getattr(model_class, name)
                setattr(model_class, name, method)

    def _crm_guard_update_rules(self):
        """Odoo patched the write and the recomputation of each model with
        an update rule to read old values, filter and compare at every
        call; a call touching no watched field goes straight through."""
        models_ = set(
            self.with_context(active_test=True)
            .search([("trigger", "in", WRITE_TRIGGERS)])
            .mapped("model_name")
        )
        for model_name in models_ & set(self.env.registry):
            model_class = self.env.registry[model_name]
            for name, make in (
                ("write", _make_guarded_write),
                ("_compute_field_value", _make_guarded_compute),
            ):
                patched = getattr(model_class, name)
                if not hasattr(patched, "origin"):
                    continue
                method = make()
                method.origin = patched
                setattr(model_class, name, method)


def _make_guarded_write():
    def write(self, vals, **kw):
        watched = self.env["base.automation"]._crm_watched_fields(self._name)
        if watched is not None and watched.isdisjoint(vals):
            return write.origin.origin(self, vals, **kw)
        return write.origin(self, vals, **kw)

    return write


def _make_guarded_compute():
    def _compute_field_value(self, field):
        watched = self.env["base.automation"]._crm_watched_fields(self._name)
        if watched is not None and not any(
            computed.name in watched for computed in self.pool.field_computed[field]
        ):
            return _compute_field_value.origin.origin(self, field)
        return _compute_field_value.origin(self, field)

    return _compute_field_value


def _rules_on(watched, fnames):
    """The ids of the rules of ``watched`` ((date field, rule id) pairs)
    whose date is among ``fnames``."""
    return [rule_id for fname, rule_id in watched if fname in fnames]


def _make_create(watched):
    @api.model_create_multi
    def create(self, vals_list, **kw):
        records = create.origin(self, vals_list, **kw)
        rule_ids = _rules_on(watched, {f for vals in vals_list for f in vals})
        if rule_ids:
            self.env["base.automation"]._crm_book_changed_dates(records, rule_ids)
        return records

    return create


def _make_write(watched):
    def write(self, vals, **kw):
        res = write.origin(self, vals, **kw)
        rule_ids = _rules_on(watched, vals)
        if rule_ids and self:
            self.env["base.automation"]._crm_book_changed_dates(self, rule_ids)
        return res

    return write
