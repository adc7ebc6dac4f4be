"""Caseload services (``<entity>_<action>(*, ..., actor)``): every rule about a benefit after
its approval lives here. Programme apps call ``benefit_open`` at approval and
``benefit_change`` for every later decision."""

from .benefits import benefit_change, benefit_open, benefit_stop_on_revocation

__all__ = ["benefit_change", "benefit_open", "benefit_stop_on_revocation"]
