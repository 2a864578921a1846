#!/usr/bin/env bash
# Debian packages the tests need: Chromium (browser tests), PostgreSQL (ledger tests), nginx
# (the exported redirects, loaded into a private nginx on loopback), and
# WordPress with MariaDB and PHP (a real WordPress as a legacy site: tests/sites/wordpress.py runs
# private instances of them; no system service is started). Installs only what is missing and
# writes /etc/wordpress/config-portalize-test.php, which loads each WordPress instance's own
# settings file (named by PORTALIZE_WP_SETTINGS). Needs root (or sudo) the first time.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
want=(chromium postgresql nginx apache2 wordpress wordpress-theme-twentytwentythree wordpress-theme-twentytwentyone wordpress-l10n
      mariadb-server php-cli php-mysql php-mbstring php-xml php-curl php-gd php-intl)
need=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${need[*]}"
  # Package scripts (Apache with wordpress, MariaDB, PostgreSQL) must not start system services:
  # the tests run their own servers.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
conf=/etc/wordpress/config-portalize-test.php
if [ ! -f "$conf" ]; then
  printf '%s\n' '<?php' '// portalize tests: each private instance names its own settings file.' \
    "require getenv('PORTALIZE_WP_SETTINGS');" | $SUDO tee "$conf" >/dev/null
fi
