# The one image for every role (web, worker, migrations); the Helm chart picks the command.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 SATUPINTU_HOME=/app SATUPINTU_VAR_DIR=/app/var
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
COPY migrations ./migrations
COPY templates ./templates
COPY tenants ./tenants
COPY onboarding ./onboarding
RUN useradd --uid 10001 --create-home satupintu && mkdir -p /app/var && chown 10001 /app/var
USER 10001
EXPOSE 8000
CMD ["satupintu", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-worker"]
