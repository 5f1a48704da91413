"""Prefect orchestration of the cleaners library.

Importing this package turns off Prefect's analytics and update checks before Prefect loads:
corpusclean runs offline and must never try to reach the internet.
"""

import os

for _key, _value in {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_CLI_PROMPT": "false",
    "PREFECT_UI_ENABLED": os.environ.get("PREFECT_UI_ENABLED", "true"),
}.items():
    os.environ.setdefault(_key, _value)
