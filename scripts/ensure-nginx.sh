#!/usr/bin/env bash
# `make run-scaled` and the scale tests (tests/scale/) put Debian's nginx in front of the web
# and Rasa replicas. Installs it with apt when missing and we are root, without starting the
# system's nginx service (RUNLEVEL=1: Debian's scripts start no service); otherwise says how,
# and the scale tests are skipped.
set -u
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> Installing nginx for the scaled run (apt-get)..."
  export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
  apt-get update -q && apt-get install -y -q nginx && exit 0
fi
echo "warning: nginx is not installed: make run-scaled cannot start and tests/scale is skipped." >&2
echo "         install it with: sudo apt-get install nginx" >&2
exit 0
