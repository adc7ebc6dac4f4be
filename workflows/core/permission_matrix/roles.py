"""The matrix's roles (one per role and region, plus anonymous) and the expected redirects."""

from __future__ import annotations

from dataclasses import dataclass

from ..models.staff import Role
from ..permissions import ROLE_PERMISSIONS

LOGIN = "login"  # 302 to the staff login page
ADMIN_LOGIN = "admin_login"  # 302 to the admin login page
ANY_LOGIN = "any_login"  # 302 to either login page


# --- roles -------------------------------------------------------------------
# Case slots the test builds: "a" (village A1 of township A), "a2" (village A2
# of township A), "b" (township B), "c" (township C of another county).


@dataclass(frozen=True)
class MatrixRole:
    name: str
    role: str | None = None
    region: str | None = None  # "township_a" | "township_b" | "village_a" | "county"
    sees: frozenset[str] = frozenset()  # case slots in scope

    @property
    def is_anonymous(self) -> bool:
        return self.name == "anonymous"

    @property
    def codenames(self) -> frozenset[str]:
        return frozenset(ROLE_PERMISSIONS.get(self.role, ())) if self.role else frozenset()

    @property
    def in_scope_slot(self) -> str | None:
        for slot in ("a", "b"):
            if slot in self.sees:
                return slot
        return None

    @property
    def out_of_scope_slot(self) -> str:
        for slot in ("b", "a2", "a", "c"):
            if slot not in self.sees:
                return slot
        raise AssertionError(self.name)


_A = frozenset({"a", "a2"})
_B = frozenset({"b"})
_COUNTY = frozenset({"a", "a2", "b"})

ROLES: list[MatrixRole] = [
    MatrixRole("anonymous"),
    MatrixRole("case_worker_a", Role.CASE_WORKER, "township_a", _A),
    MatrixRole("approver_a", Role.APPROVER, "township_a", _A),
    MatrixRole("village_assistant_a", Role.VILLAGE_ASSISTANT, "village_a", frozenset({"a"})),
    MatrixRole("case_worker_b", Role.CASE_WORKER, "township_b", _B),
    MatrixRole("approver_b", Role.APPROVER, "township_b", _B),
    MatrixRole("county_officer", Role.COUNTY_OFFICER, "county", _COUNTY),
    MatrixRole("county_reviewer", Role.COUNTY_REVIEWER, "county", _COUNTY),
    MatrixRole("auditor", Role.AUDITOR, "county", _COUNTY),
    MatrixRole("outsider"),
]

SLOT_REGIONS = {"a": ("township_a", "village_a"), "a2": ("township_a", "village_a2"), "b": ("township_b", "village_b")}


def holds_on_slot(role: MatrixRole, codename: str, slot: str | None, region_kind: str) -> bool:
    """Does ``role`` hold ``core.<codename>`` on the case's ``region_kind`` object (township/county/village)?"""
    if slot is None or codename not in role.codenames or slot not in role.sees:
        return False
    township, village = SLOT_REGIONS[slot]
    target = {"township": township, "village": village, "county": "county"}[region_kind]
    return role.region == target
