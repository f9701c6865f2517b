#!/usr/bin/env bash
# The real WordPress for the WordPress tests, from Debian's packages: `wordpress` (code in
# /usr/share/wordpress), PHP's command-line interpreter (its built-in server, `php -S`,
# serves the site on loopback) and PHP's MySQL driver. The database is the local
# MariaDB/MySQL on 127.0.0.1:3306 (PARVIS_TEST_MYSQL_URL), which this machine and CI
# already run; it is installed and started here only when nothing answers there.
# parvis/testing/wordpress_server.py says how a test session uses all this.
#
# Debian's `wordpress` depends on a web server (`apache2 | httpd`): apache2 is installed
# even with --no-install-recommends, but it must not run. A policy-rc.d refusing every
# service start is in place during the install, and a running apache2 is stopped after.
# Usage: scripts/install_wordpress.sh
set -euo pipefail

MYSQL_URL=${PARVIS_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306}
HOSTPORT=${MYSQL_URL#*@}
DB_HOST=${HOSTPORT%%:*}
DB_PORT=${HOSTPORT##*:}
DB_PORT=${DB_PORT%%/*}

mysql_answers() {
  (exec 3<>"/dev/tcp/$DB_HOST/$DB_PORT") 2>/dev/null
}

PACKAGES=(wordpress php-cli php-mysql)
installed() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || return 1
  done
}

SUDO=$([ "$(id -u)" = "0" ] || echo sudo)
can_install() {
  [ "$(id -u)" = "0" ] || command -v sudo >/dev/null
}

# Debian's postinst scripts start services through invoke-rc.d, which asks policy-rc.d;
# exit code 101 means "not allowed". One we add is removed afterwards.
apt_install() {
  local added_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || { [ -n "$added_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d; return 1; }
  [ -z "$added_policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
}

if installed "${PACKAGES[@]}"; then
  echo "wordpress $(dpkg-query -W -f='${Version}' wordpress), $(php -r 'echo "PHP ", PHP_VERSION;'): already installed"
else
  if ! can_install; then
    echo "wordpress/php-cli/php-mysql are missing and this user cannot install packages: the WordPress tests will be skipped." >&2
    exit 0
  fi
  echo "Installing ${PACKAGES[*]} from Debian's packages (apache2 comes with wordpress; it is kept stopped)…"
  apt_install "${PACKAGES[@]}"
  echo "installed wordpress $(dpkg-query -W -f='${Version}' wordpress), $(php -r 'echo "PHP ", PHP_VERSION;')"
fi

# apache2 would take port 80 and serve /usr/share/wordpress to anyone: never leave it running.
if pgrep -x apache2 >/dev/null; then
  echo "apache2 is running: stopping it (the tests serve WordPress with php -S on loopback)"
  $SUDO apache2ctl stop 2>/dev/null || $SUDO service apache2 stop || true
fi

if mysql_answers; then
  echo "MariaDB/MySQL answers on $DB_HOST:$DB_PORT"
  exit 0
fi
# Nothing answers: only for a local server, install it if needed and start it.
if [ "$DB_HOST" != "127.0.0.1" ] && [ "$DB_HOST" != "localhost" ] || ! can_install; then
  echo "MariaDB/MySQL does not answer on $DB_HOST:$DB_PORT: the WordPress tests will be skipped (CI fails)." >&2
  exit 0
fi
fresh=""
if ! installed mariadb-server; then
  echo "Installing mariadb-server from Debian's packages…"
  apt_install mariadb-server
  fresh=1
fi
echo "Starting MariaDB…"
$SUDO service mariadb start >/dev/null || true
for _ in $(seq 30); do mysql_answers && break; sleep 1; done
if ! mysql_answers; then
  echo "MariaDB did not start: the WordPress tests will be skipped (CI fails)." >&2
  exit 0
fi
if [ -n "$fresh" ]; then
  # A fresh Debian MariaDB lets root in only through the unix socket; the tests connect
  # over TCP on loopback as root without a password, as on CI.
  $SUDO mysql -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
                  GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
fi
echo "MariaDB answers on $DB_HOST:$DB_PORT"
