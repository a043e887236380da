# One image for every Wegwijzer process; compose.yaml chooses the command of each container.
# It is built with the steps scripts/start uses: the RUN lines source scripts/lib.sh and call its functions
# (ensure_venv: the pinned install; train_model: the model), so the image cannot drift from the tested scripts
# (tests/unit/test_deployment_files.py checks this).
FROM python:3.10-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    RASA_TELEMETRY_ENABLED=false \
    WEGWIJZER_VENV=/app/.venv \
    PATH=/app/.venv/bin:$PATH

# A user without privileges runs everything, also the build steps below.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin wegwijzer \
    && mkdir /app && chown wegwijzer:wegwijzer /app
USER wegwijzer
WORKDIR /app

COPY --chown=wegwijzer:wegwijzer . /app
RUN bash -c 'source scripts/lib.sh && ensure_venv'
RUN bash -c 'source scripts/lib.sh && cd "$ROOT" && train_model' && rm -rf /app/.rasa

EXPOSE 8000
CMD ["wegwijzer", "web"]
