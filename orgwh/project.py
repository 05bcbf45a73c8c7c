"""Where the dbt project and the bundled sample live, installed or checked out."""

from pathlib import Path

import yaml

_PACKAGE_DIR = Path(__file__).resolve().parent

# A wheel carries the project in orgwh/project/; a checkout (or an editable
# install) has it at the repository root.
PROJECT_DIR = (
    _PACKAGE_DIR / "project"
    if (_PACKAGE_DIR / "project" / "dbt_project.yml").is_file()
    else _PACKAGE_DIR.parent
)
SAMPLE_EVENTS = PROJECT_DIR / "data" / "events_sample.json"
SAMPLE_ORGS = PROJECT_DIR / "data" / "orgs_sample.json"

# SPEC 1's timestamp grammar, as a regular expression: the dbt project declares
# it once (its parse_utc_timestamp macro uses it) and the loaders read it here.
UTC_TIMESTAMP_PATTERN: str = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"][
    "utc_timestamp_pattern"
]
