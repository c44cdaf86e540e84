# agendabot in a container: `docker compose up -d` (compose.yaml) or
#   docker build -t agendabot . && docker run -v agendabot-data:/data -e TELEGRAM_BOT_TOKEN=… agendabot
# Slim base, non-root user, the database on a volume, a health check on /healthz.
# PYTHON_IMAGE: any image with python 3.11 and pip on PATH (a local mirror's, say).
ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY digests ./digests
COPY templates ./templates
COPY data ./data
# A wheel of the app and of every dependency (kiwipiepy's model package included), built
# once here so the final image needs no compiler and no network.
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM ${PYTHON_IMAGE}
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin agendabot \
    && mkdir /data && chown agendabot /data && chmod 0700 /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels agendabot && rm -rf /wheels \
    # the Kiwi model is inside the image: load it once at build time to prove it
    && python -c "import kiwipiepy; kiwipiepy.Kiwi()"
ENV AGENDABOT_DB=/data/agendabot.json \
    AGENDABOT_HTTP_HOST=0.0.0.0 \
    AGENDABOT_HTTP_PORT=3000 \
    AGENDABOT_LOG_FORMAT=json \
    PYTHONUNBUFFERED=1
USER agendabot
WORKDIR /data
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4).status != 200)"]
# SIGTERM (docker stop) drains answers in flight and stops cleanly.
STOPSIGNAL SIGTERM
ENTRYPOINT ["agendabot"]
CMD ["run"]
