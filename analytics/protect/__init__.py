"""Disclosure control: what may leave the analytics layer, and the symbols that mark what
was hidden. Every table goes through here before it is shown, drawn or exported.
"""
from analytics.protect.suppression import (
                                           LEGEND,
                                           LOW_RELIABILITY,
                                           NOT_APPLICABLE,
                                           PUBLIC_SUPPRESSED_STATUS,
                                           SUPPRESSED,
                                           display_frame,
                                           legend,
                                           suppress,
)

__all__ = ["SUPPRESSED", "NOT_APPLICABLE", "LOW_RELIABILITY", "LEGEND",
           "PUBLIC_SUPPRESSED_STATUS", "legend", "suppress", "display_frame"]
