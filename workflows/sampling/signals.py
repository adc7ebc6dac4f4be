"""Signals the programme apps listen to (sent inside the deciding transaction).

- ``benefit_revoked(record, stop_from, recovery)``: the county revoked a
  township approval; the programme stops its own benefit from ``stop_from``
  (the first day of the month after the decision, SAI 66/68).
- ``correction_ordered(record, review, due_on)``: the county ordered the
  township to correct the case by ``due_on``.
"""

from django.dispatch import Signal

benefit_revoked = Signal()
correction_ordered = Signal()
