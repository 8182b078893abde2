# syntax=docker/dockerfile:1
# The one image for every role (web, worker, scheduler, migrations); the Helm chart picks the command.
# The base is pinned by digest; to move to a newer one, look its digest up with
# `docker buildx imagetools inspect python:3.11-slim-bookworm` and pass it here (or edit the default).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91

# Build stage: wheels for the locked dependencies (hash-checked) and for SatuPintu itself.
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY requirements.lock ./
RUN pip wheel --require-hashes --wheel-dir /wheels -r requirements.lock
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip wheel --no-deps --wheel-dir /wheels .

# Runtime stage: no compiler, no pip cache, an init process, a user without privileges.
FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SATUPINTU_HOME=/app SATUPINTU_VAR_DIR=/app/var
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels satupintu
WORKDIR /app
COPY migrations ./migrations
COPY templates ./templates
COPY tenants ./tenants
COPY onboarding ./onboarding
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /app satupintu \
 && mkdir -p /app/var && chown 10001:10001 /app/var
USER 10001:10001
EXPOSE 8000
# tini reaps children and forwards SIGTERM, so workers finish their jobs on a rolling update.
ENTRYPOINT ["tini", "--", "satupintu"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]
