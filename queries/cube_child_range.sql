-- The range of child ids, sliced by the mask cube's build (analytics/data/cube.py).
SELECT min(child_id), max(child_id) FROM children
