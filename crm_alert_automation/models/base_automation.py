# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
import functools
from datetime import datetime, timedelta

from odoo import api, fields, models, tools
from odoo.addons.base_automation.models.base_automation import (
    DATE_RANGE_FUNCTION,
    TIME_TRIGGERS,
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
        rows = self._crm_action_rows(records._name, tuple(sorted(triggers)))
        automations = self.sudo().browse([row[0] for row in rows])
        for i, fname in ((1, "filter_domain"), (2, "model_name")):
            self.env.cache.insert_missing(
                automations, self._fields[fname], [row[i] for row in rows]
            )
        return automations.with_env(self.env)

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
        """(id, entry filter, model) of the active rules of ``triggers`` on
        ``model_name``."""
        domain = [("model_name", "=", model_name), ("trigger", "in", triggers)]
        automations = self.with_context(active_test=True).sudo().search(domain)
        return tuple(
            (automation.id, automation.filter_domain, automation.model_name)
            for automation in automations
        )

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
        if vals.keys() & {"active", "trigger", "model_id", "filter_domain", "sequence"}:
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
        """Besides Odoo's patches: a record created or written with the date
        of an exact time-based rule books the check at its moment."""
        super()._register_hook()
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
