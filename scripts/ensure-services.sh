#!/usr/bin/env bash
# Makes MariaDB and Redis ready on this machine for the local defaults:
# starts them when installed and stopped; installs them from Debian packages when missing and
# running as root; otherwise stops with a message that says exactly what to run.
# Only touches local services: when MYSQL_HOST / REDIS_URL point elsewhere it only checks them.
set -euo pipefail

MYSQL_HOST="${MYSQL_HOST:-127.0.0.1}"
MYSQL_PORT="${MYSQL_PORT:-3306}"
MYSQL_USER="${MYSQL_USER:-root}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
REDIS_HOSTPORT="${REDIS_URL#redis://}"; REDIS_HOSTPORT="${REDIS_HOSTPORT##*@}"; REDIS_HOSTPORT="${REDIS_HOSTPORT%%/*}"
REDIS_HOST="${REDIS_HOSTPORT%%:*}"; REDIS_PORT="${REDIS_HOSTPORT##*:}"; [ "$REDIS_PORT" = "$REDIS_HOST" ] && REDIS_PORT=6379

is_root() { [ "$(id -u)" = "0" ]; }
is_local() { case "$1" in 127.0.0.1|localhost|::1) return 0;; *) return 1;; esac; }
say() { echo "[services] $*"; }

# Plain TCP probe that needs no client binaries.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && exec 3>&- 3<&-; }

wait_port() {
  local host=$1 port=$2 name=$3
  for _ in $(seq 1 60); do port_open "$host" "$port" && return 0; sleep 0.5; done
  say "$name did not open $host:$port within 30 s"; return 1
}

apt_install() {
  if ! is_root; then return 1; fi
  say "installing $* from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "$@" >/dev/null
}

ensure_mariadb() {
  if port_open "$MYSQL_HOST" "$MYSQL_PORT"; then return 0; fi
  if ! is_local "$MYSQL_HOST"; then
    say "MySQL at $MYSQL_HOST:$MYSQL_PORT is not reachable; start it or fix MYSQL_HOST/MYSQL_PORT in .env"; exit 1
  fi
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    apt_install mariadb-server mariadb-client || {
      say "MariaDB is not installed. Run as root: apt-get update && apt-get install -y mariadb-server redis-server"; exit 1; }
  fi
  if ! is_root; then
    say "MariaDB is installed but not running. Run as root: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"; exit 1
  fi
  if [ ! -d /var/lib/mysql/mysql ]; then
    say "initialising the MariaDB data directory"
    mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
  fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  say "starting MariaDB"
  # Database per tenant: the table caches must hold the tenant tables in use (docs/request-path.md,
  # "Operating MariaDB for many tenants"); the defaults (400 / 2000) are sized for one database.
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- \
    --table-definition-cache=12000 --table-open-cache=12000
  wait_port "$MYSQL_HOST" "$MYSQL_PORT" MariaDB
}

# A fresh Debian MariaDB lets root in only through the unix socket; the local defaults
# (root, empty password, TCP 127.0.0.1) need password login as well.
ensure_mariadb_tcp_root() {
  is_local "$MYSQL_HOST" || return 0
  [ "$MYSQL_USER" = "root" ] && [ -z "${MYSQL_PASSWORD:-}" ] || return 0
  command -v mariadb >/dev/null 2>&1 || return 0
  if mariadb -h 127.0.0.1 -P "$MYSQL_PORT" -uroot -e 'SELECT 1' >/dev/null 2>&1; then return 0; fi
  if is_root && mariadb -uroot -e 'SELECT 1' >/dev/null 2>&1; then
    say "allowing root@localhost to sign in over TCP with the empty local-default password"
    mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;"
  fi
}

ensure_redis() {
  if port_open "$REDIS_HOST" "$REDIS_PORT"; then return 0; fi
  if ! is_local "$REDIS_HOST"; then
    say "Redis at $REDIS_HOST:$REDIS_PORT is not reachable; start it or fix REDIS_URL in .env"; exit 1
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    apt_install redis-server || {
      say "Redis is not installed. Run as root: apt-get update && apt-get install -y redis-server"; exit 1; }
  fi
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >/dev/null
  wait_port "$REDIS_HOST" "$REDIS_PORT" Redis
}

ensure_mariadb
ensure_mariadb_tcp_root
ensure_redis
say "MariaDB $MYSQL_HOST:$MYSQL_PORT and Redis $REDIS_HOST:$REDIS_PORT are ready"
