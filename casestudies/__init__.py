"""Case studies: recipes for extending SQLAlchemy 2.x, in reading order.

Each module is a recipe to copy, one file that needs only SQLAlchemy (and
the driver its URL names): the reusable part on top (no side effects at
import), its docstring's "In your application" snippet, then a
self-checking demo in ``main()`` that ends with one verdict line
(``NAME: all N checks passed on BACKEND``, or ``NAME: FAILED: ...``).
Copy ``audit_log.py`` into a folder and ``python audit_log.py`` runs it on
SQLite in memory; ``--db URL`` on a database you have (or, with no
``--db``, the URL in ``$DATABASE_URL``, which keeps a password out of
``ps``); ``--echo`` shows the SQL sent.  In the tutorial, ``--db
postgresql`` / ``--db mariadb`` start a throwaway server on 127.0.0.1 for
the length of the demo (a copy without the tutorial says so and asks for
a URL), and ``python -m workshop_db serve postgresql`` keeps one running
and says how to export its URL as ``DATABASE_URL``.  Tests in ``tests/``
run each recipe on SQLite, PostgreSQL and MariaDB, and copied alone.
Run one with ``python -m casestudies.NAME``.

Part 1: connections, pools, connection events

    casestudies.disconnects          hand out only live connections
    casestudies.audit_log            who wrote this row, via Connection.info
    casestudies.statement_stats      count and time a block's statements
    casestudies.change_watcher       empty only the tables a test wrote

Part 2: schema, types, DDL and SQL constructs

    casestudies.timestamps           a last-updated column on every table
    casestudies.timezones            ZoneInfo objects in, zone names stored
    casestudies.fixtures             lookup rows created with their table
    casestudies.utcnow               the database's UTC clock, per dialect

Part 3: the ORM and the Session

    casestudies.contextual_defaults  the audit column, filled by the ORM
    casestudies.auto_add             new objects join the current session
    casestudies.object_managers      Django-style Model.objects
    casestudies.soft_delete          one filter on every query of an entity
    casestudies.contextual_sessions  one session per thread, task or call
    casestudies.partitioning         several databases, shards, two-phase
    casestudies.read_replicas        writes to the primary, reads to a replica
    casestudies.failover_retry       retry a whole unit of work on a disconnect

Only recipes live here.  The workshop database code (throwaway PostgreSQL
and MariaDB servers, fault injection, the ``--db`` / ``TUTORIAL_DB`` URL
choice, a PostgreSQL primary with a streaming standby) moved to the
top-level package ``workshop_db``.
"""
