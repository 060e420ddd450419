"""What a page, report or command shows: each function takes a connection or counts, runs them
through ``stats`` and ``protect``, and returns the protected tables and the words around them
(the RRI tables and matrix, cohort profiles, findings, trends, pathways, schools, the strategy's
claims, and the wording of labels and sentences).
"""
