# Copyright 2026 crm_alert_automation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).


class Slot:
    """A parameter of an SQL statement composed once and run many times,
    filled in at each run by :func:`fill_slots` (composing the statement
    again would cost more than running it)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"Slot({self.name!r})"


def fill_slots(params, **values):
    """``params`` with the slots named in ``values`` filled in (the others
    left for a later call)."""
    return [
        values.get(param.name, param) if isinstance(param, Slot) else param
        for param in params
    ]
