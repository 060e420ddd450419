"""Statistics on counts tables: rates, relative rate indices with their intervals and
p-values, multiple-comparison adjustment, pooling of periods and persistence, funnel limits.

Everything here takes and returns small tidy DataFrames or numpy arrays, with no database and
no disclosure control: it is the part checked against independent implementations.
"""
