#!/usr/bin/env bash
# The README's test command (`make test`) runs this: system packages (Chromium, PostgreSQL,
# WordPress with MariaDB and PHP), a throwaway PostgreSQL,
# then every test, the integration, browser and PostgreSQL ones included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh
pgdir=$(mktemp -d /tmp/portalize-pg.XXXXXX)
chmod 755 "$pgdir"
trap 'bash scripts/postgres.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
PORTALIZE_TEST_PG=$(bash scripts/postgres.sh start "$pgdir")
export PORTALIZE_TEST_PG
echo "PostgreSQL for the tests: $PORTALIZE_TEST_PG"
# The slowest tests are listed at the end, for whoever keeps the run well under 30 minutes.
.venv/bin/python -m pytest --durations=20 "$@"
