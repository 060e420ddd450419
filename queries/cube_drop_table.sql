-- Drops a cube's working table after the build ({table} from analytics/data/cube.py).
DROP TABLE IF EXISTS {table}
