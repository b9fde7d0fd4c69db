#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter, or explains how to get one.
# rasa 3.6 supports Python < 3.11 only, so both virtual environments use 3.10.
set -u
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }

candidates=()
if [ -n "${PYTHON310:-}" ]; then candidates+=("$PYTHON310"); fi
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
for p in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*/bin/python /root/.pyenv/versions/3.10.*/bin/python \
         /usr/local/bin/python3.10 /usr/bin/python3.10; do
  [ -x "$p" ] && candidates+=("$p")
done

for c in "${candidates[@]}"; do
  if is_310 "$c"; then echo "$c"; exit 0; fi
done

cat >&2 <<'MSG'
error: Python 3.10 was not found.
Pitlane runs rasa 3.6, which supports Python 3.10 at most. Install Python 3.10
(e.g. `pyenv install 3.10.13`, or your OS package python3.10 with venv), then
either put `python3.10` on PATH or set PYTHON310=/path/to/python3.10.
MSG
exit 1
