# Pitlane's own processes (action server and web app). The Rasa server uses the official image.

# Browser libraries the web app serves (Leaflet) and esbuild for the widget package (widget/,
# an npm workspace), pinned in package-lock.json.
FROM node:20-slim AS vendor
WORKDIR /build
COPY package.json package-lock.json ./
COPY widget/package.json ./widget/package.json
RUN npm ci --no-audit --no-fund

FROM python:3.10-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt

COPY alembic.ini ./
COPY core ./core
COPY actions ./actions
COPY channels ./channels
COPY backoffice ./backoffice
COPY webapp ./webapp
COPY transports ./transports
COPY ops ./ops
COPY documents ./documents
COPY data ./data
COPY rasa_project/domain ./rasa_project/domain
# The texts: gettext catalogues compiled here, as `make locale` does (.mo files are not committed).
COPY locale ./locale
COPY scripts/i18n.py ./scripts/i18n.py
RUN python scripts/i18n.py compile --force
COPY --from=vendor /build/node_modules/leaflet/dist ./node_modules/leaflet/dist
# The widget package (docs/widget.md): the join minified by esbuild's own binary (no Node.js
# here), into widget/dist, which /widget.js and /widget/dist/ serve.
COPY widget/package.json widget/README.md ./widget/
COPY scripts/build_widget.py ./scripts/build_widget.py
COPY --from=vendor /build/node_modules/@esbuild /tmp/esbuild
RUN ESBUILD="$(ls /tmp/esbuild/*/bin/esbuild | head -n 1)" python scripts/build_widget.py \
    && rm -rf /tmp/esbuild widget/build

# The app writes under /app/var only (uploads in filesystem mode, the SQLite default). The
# uploads folder exists in the image, owned by the app's user, so that a named volume mounted
# there (docker-compose.yml) starts with that owner and is writable.
RUN useradd --create-home --uid 10001 pitlane \
    && mkdir -p /app/var/uploads && chown -R pitlane:pitlane /app/var
USER pitlane
