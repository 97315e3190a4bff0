# helsebro: one image for the API (`helsebro serve`, the default) and the delivery worker (`helsebro worker`).
#   docker build -t helsebro .
#   docker run --rm -p 8080:8080 helsebro                 # SQLite in the volume /data
# compose.yaml runs it on PostgreSQL with a separate worker. scripts/check-image builds and runs it with podman,
# from a Debian base made locally when the registry cannot be reached:  --build-arg BASE=localhost/helsebro-base:bookworm
# Any base with Python 3.11+ and its venv module will do.
ARG BASE=python:3.11-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# A virtual environment, the same on python:3.11-slim and on a plain Debian base (whose own Python refuses
# pip installs into it, PEP 668).
RUN python3 -m venv /opt/helsebro
ENV PATH=/opt/helsebro/bin:$PATH

# The dependencies first, pinned by requirements.lock, in a layer of their own that changes only with the
# lock or pyproject.toml. The lock also pins the dev and bench extras (pytest, playwright, matplotlib); used
# as constraints it installs exactly the locked versions of what the server needs and nothing else.
# (An empty README stands in for the real one, which the package metadata names: editing it rebuilds nothing.)
COPY pyproject.toml requirements.lock ./
RUN mkdir -p src/helsebro && touch src/helsebro/__init__.py README.md \
    && pip install --constraint requirements.lock . \
    && pip uninstall --yes helsebro \
    && rm -rf src build

# Then helsebro itself (no dependency changes here).
COPY README.md ./
COPY src ./src
RUN pip install --no-deps . && rm -rf src build

# Not root. /data holds the SQLite file when no HELSEBRO_DATABASE_URL is given.
RUN useradd --system --uid 10001 --home-dir /data --create-home helsebro
USER helsebro
ENV HELSEBRO_HOST=0.0.0.0 \
    HELSEBRO_PORT=8080 \
    HELSEBRO_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080

# The image has no curl: Python asks /healthz (200 while the database answers).
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('HELSEBRO_PORT', '8080'), timeout=4)"]

ENTRYPOINT ["helsebro"]
CMD ["serve"]
