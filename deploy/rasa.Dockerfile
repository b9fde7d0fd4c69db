# The Rasa server with Pitlane's project and its trained model, for Kubernetes (docker-compose
# mounts rasa_project/ into the official image instead).
#   docker build -f deploy/rasa.Dockerfile -t pitlane-rasa:<version> .
FROM rasa/rasa:3.6.21 AS train
USER root
WORKDIR /app
COPY rasa_project/ /app/
RUN rasa train --fixed-model-name pitlane --out models

FROM rasa/rasa:3.6.21
WORKDIR /app
# Rasa's user (1001, group root as in the official image) owns its working folder.
COPY --from=train --chown=1001:0 /app /app
COPY deploy/rasa-endpoints.yml /etc/pitlane/endpoints.yml
ENV RASA_TELEMETRY_ENABLED=false
USER 1001
ENTRYPOINT ["python", "/app/serve_rasa.py"]
CMD ["--port", "5005", "--model", "models/pitlane.tar.gz", \
     "--endpoints", "/etc/pitlane/endpoints.yml", "--credentials", "credentials.yml", \
     "--logging-config-file", "logging.yml"]
