"""Which handler runs each command (cosmicpython's `COMMAND_HANDLERS`); `bootstrap.py` binds their deps."""

from __future__ import annotations

from typing import Any

from minqing_kit.bus import Command, Handler
from services.identity.service_layer import commands as c
from services.identity.service_layer import handlers as h
from services.identity.service_layer import reference_handlers as r

HANDLERS: dict[type[Command[Any]], Handler] = {
    c.Login: h.login,
    c.Refresh: h.refresh,
    c.Logout: h.logout,
    c.ChangePassword: h.change_password,
    c.CreateAccount: h.create_account,
    c.UpdateAccount: h.update_account,
    c.ResetPassword: h.reset_password,
    c.CreateClient: h.create_client,
    c.ClientToken: h.client_token,
    c.PurgeExpiredSessions: h.purge_expired_sessions,
    c.SeedReference: r.seed_reference,
    c.AddVillage: r.add_village,
    c.UpdateVillage: r.update_village,
    c.AddDepartment: r.add_department,
    c.UpdateDepartment: r.update_department,
}
