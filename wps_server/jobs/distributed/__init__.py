"""The distributed job mode: areas as Celery chords over any number of workers (GUIDE.md section 5).

Redis is the broker (and Celery's result backend), PostgreSQL keeps the project's own job records
(``progress``), and every node mounts one output folder. Only imported when ``[jobs]`` configures
this mode: the embedded mode never imports Celery, Redis or psycopg. No QGIS here, and PyWPS only in
``runner`` (the front ends' runner) and ``job`` (a job's task on a worker).
"""
