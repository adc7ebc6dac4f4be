"""Signals other apps listen to.

``finance_check_finished`` is sent inside the transaction that brings a
check to its end, with ``check`` (the ``FinanceCheckProcess``); its
``case_ref``, ``outcome`` and ``result`` (``MeansTestResult.to_json()``) are
final by then. A receiver that fails rolls the ending back, so receivers
should only record and queue (``transaction.on_commit``) their work.
"""

from django.dispatch import Signal

finance_check_finished = Signal()
