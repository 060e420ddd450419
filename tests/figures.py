"""Figures the fault-injection tests report (printed at the end of the pytest run by
conftest.py): trials run, datasets lost, peak memory on the bombs."""
FIGURES: dict[str, str] = {}
