"""parvis's settings with the changes bench/README.md proposes, to measure them before
they are made (`python -m bench.publish --settings parvis.settings,bench.proposed_settings`).

Not used by parvis itself.
"""

from parvis.settings import *  # noqa: F403
from parvis.settings import DATABASES, HUEY

# 1. Keep database connections between jobs. djhuey's `db_task` calls
#    close_old_connections() around every task: with CONN_MAX_AGE=0 (the default) each
#    publication opens a new connection — on PostgreSQL a new backend process per post.
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# 2. Nobody reads publish_task's return value: don't store it (one write per job, and a
#    result table / hash that grows forever).
HUEY["results"] = False
