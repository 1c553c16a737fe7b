# Does what `make run` does, as a non-root user: install, migrate, load data/, serve.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////var/lib/tidemark/tidemark.db PORT=8000
RUN useradd --create-home --uid 10001 tidemark \
 && mkdir -p /var/lib/tidemark && chown tidemark /var/lib/tidemark
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY data ./data
# Editable, so the app finds templates/, static/ and migrations/ beside its package.
RUN pip install --no-cache-dir -e .
USER tidemark
EXPOSE 8000
# Listen on all interfaces inside the container; publish with `-p 127.0.0.1:8000:8000`.
CMD ["sh", "-c", "tidemark load data/ && tidemark serve --host 0.0.0.0 --port ${PORT}"]
