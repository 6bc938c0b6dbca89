#!/usr/bin/env bash
# Installs the Debian packages the test suite needs, only when they are missing:
# redis-server (throwaway test Redis), chromium (browser test), spamassassin
# (spam scores), docker-compose (checks docker-compose.yml; Docker itself is not needed).
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v spamassassin >/dev/null 2>&1 || need+=(spamassassin)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
if [ ${#need[@]} -eq 0 ]; then
  echo "system-deps: redis-server, chromium, spamassassin and docker-compose are present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "system-deps: installing ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fonts-dejavu-core
