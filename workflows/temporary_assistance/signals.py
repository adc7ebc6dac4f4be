"""Signals temporary assistance sends to the layers above it (they import it; it imports none of them)."""

from django.dispatch import Signal

#: Sent after the commit of a case opened at the place of emergency (急难发生地, TA18; ZB20),
#: with ``process_pk``: the household's registration township is to be told.
emergency_place_case_opened = Signal()
