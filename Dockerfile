# Pitlane's own processes (action server and web app). The Rasa server uses the official image.
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
COPY data ./data
COPY rasa_project/domain ./rasa_project/domain

RUN useradd --create-home --uid 10001 pitlane && mkdir -p /app/var && chown pitlane /app/var
USER pitlane
