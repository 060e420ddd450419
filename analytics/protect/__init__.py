"""Disclosure control: what may leave the analytics layer, and the symbols that mark what
was changed or hidden. Every counts table is published through here (``publish``) before
anything is computed from it for a screen, chart, export, report or the CLI, and every
result is then checked for groups too small to describe (``suppress``).

``threshold`` (the CLI's ``--suppress N``, default 5) switches it: 0 is the secure setting
(true counts, said on every output); otherwise counts are perturbed by the cell-key method
and groups with fewer than N published children show their population only.
See docs/disclosure_control.md.
"""
from analytics.protect.cellkey import hash_keys, noise_variance, publish, strip_keys
from analytics.protect.published import as_published, published_note
from analytics.protect.suppression import suppress
from analytics.protect.symbols import (
    LEGEND,
    LOW_RELIABILITY,
    NOT_APPLICABLE,
    SUPPRESSED,
    display_frame,
    legend,
    protection_note,
)


def published(counts, by=(), threshold: int = 5, salt: str = ""):
    """The counts a view may compute from: perturbed by the cell-key method, or the true
    counts in the secure setting (`threshold` 0)."""
    return strip_keys(counts) if int(threshold) <= 0 else publish(counts, by=by, salt=salt)


__all__ = ["SUPPRESSED", "NOT_APPLICABLE", "LOW_RELIABILITY", "LEGEND", "legend", "as_published",
           "published_note",
           "display_frame", "hash_keys", "noise_variance", "protection_note", "publish", "published", "strip_keys",
           "suppress"]
