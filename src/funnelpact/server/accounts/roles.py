"""Roles and what each may do: one typed capability per thing a page or call does.

The matrix is data, so the permission test walks it for every URL and role.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # RevOps: everything, users, integrations
    MARKETING = "marketing"
    SALES_MANAGER = "sales_manager"
    SALES_REP = "sales_rep"
    VIEWER = "viewer"


class Capability(StrEnum):
    VIEW_DASHBOARD = "view_dashboard"
    VIEW_LEADS = "view_leads"  # within the role's lead scope
    DECIDE_LEADS = "decide_leads"  # accept or reject an MQL, log a touch
    VIEW_PLANNER = "view_planner"
    EDIT_PLANNER = "edit_planner"  # run and save scenarios
    VIEW_AGREEMENT = "view_agreement"
    SIGN_AGREEMENT = "sign_agreement"
    VIEW_REPORTS = "view_reports"
    RUN_IMPORTS = "run_imports"
    MANAGE_SETTINGS = "manage_settings"  # users, roles, tokens, secrets, channels


class LeadScope(StrEnum):
    ALL = "all"
    TEAM = "team"  # the leads owned by the reps of the user's team
    OWN = "own"  # the leads owned by the user's rep
    NONE = "none"


_C = Capability
CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.MARKETING: frozenset(
        {
            _C.VIEW_DASHBOARD,
            _C.VIEW_LEADS,
            _C.VIEW_PLANNER,
            _C.EDIT_PLANNER,
            _C.VIEW_AGREEMENT,
            _C.SIGN_AGREEMENT,
            _C.VIEW_REPORTS,
            _C.RUN_IMPORTS,
        }
    ),
    Role.SALES_MANAGER: frozenset(
        {
            _C.VIEW_DASHBOARD,
            _C.VIEW_LEADS,
            _C.DECIDE_LEADS,
            _C.VIEW_PLANNER,
            _C.VIEW_AGREEMENT,
            _C.SIGN_AGREEMENT,
            _C.VIEW_REPORTS,
        }
    ),
    # Reports too: a rep's hold only the leads they own (their own scorecard and activity).
    Role.SALES_REP: frozenset(
        {_C.VIEW_DASHBOARD, _C.VIEW_LEADS, _C.DECIDE_LEADS, _C.VIEW_AGREEMENT, _C.VIEW_REPORTS}
    ),
    Role.VIEWER: frozenset({_C.VIEW_DASHBOARD, _C.VIEW_REPORTS}),
}

LEAD_SCOPES: dict[Role, LeadScope] = {
    Role.ADMIN: LeadScope.ALL,
    Role.MARKETING: LeadScope.ALL,
    Role.SALES_MANAGER: LeadScope.TEAM,
    Role.SALES_REP: LeadScope.OWN,
    Role.VIEWER: LeadScope.NONE,
}

# Which agreement party each role may sign for (admin records any signatory's sign-off).
SIGNING_PARTIES: dict[Role, frozenset[str] | None] = {
    Role.ADMIN: None,
    Role.MARKETING: frozenset({"marketing"}),
    Role.SALES_MANAGER: frozenset({"sales"}),
    Role.SALES_REP: frozenset(),
    Role.VIEWER: frozenset(),
}


def allows(role: Role, capability: Capability) -> bool:
    return capability in CAPABILITIES[role]
