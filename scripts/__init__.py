"""Checks run by hand (python -m scripts.NAME); their figures are recorded in the docs."""
