# Tidemark as a container: migrate, load data/ when the database is empty, serve on $PORT,
# as the non-root user 10001, with the database (and the data files) on a volume.
#
#   docker build -t tidemark .
#   docker run -d --name tidemark -p 127.0.0.1:8000:8000 -v tidemark:/var/lib/tidemark tidemark
#
# BASE: any Debian-based image with Python >= 3.11 and its venv module. Users keep the
# official image; the tests pass a Debian bookworm base they make with debootstrap
# (--build-arg BASE=localhost/tidemark-test-base:…). See the README, "Docker".
ARG BASE=python:3.11-slim

# ---- build stage: a virtual environment with the app and its dependencies ----
FROM ${BASE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
# The dependencies first, in a layer of their own: a change of code does not reinstall them.
# (The package is installed editable over empty stand-ins, then again over the real code.)
COPY pyproject.toml ./
RUN python3 -m venv /opt/venv \
 && mkdir -p app/extract && touch README.md app/__init__.py app/extract/__init__.py \
 && /opt/venv/bin/pip install --quiet -e . \
 && rm -rf app README.md
COPY README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY data ./data
# Editable, so the app finds templates/, static/ and migrations/ beside its package. Then
# byte-compile our code (the runtime user cannot write __pycache__) and drop the installers.
RUN /opt/venv/bin/pip install --quiet --no-deps -e . \
 && /opt/venv/bin/python -m compileall -q app migrations \
 && /opt/venv/bin/pip uninstall --quiet -y pip setuptools wheel

# ---- final stage: the base, the environment and the code; no pip, no build tools ----
FROM ${BASE}
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 PORT=8000 ASSETS=cdn LOAD_ON_START=empty \
    DATABASE_URL=sqlite:////var/lib/tidemark/tidemark.db DATA_DIR=/var/lib/tidemark/data
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/tidemark \
            --shell /usr/sbin/nologin tidemark \
 && mkdir -p /var/lib/tidemark && chown 10001:10001 /var/lib/tidemark
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
VOLUME ["/var/lib/tidemark"]
EXPOSE 8000
# Needs the Docker image format (`podman build --format docker`); OCI images have no HEALTHCHECK.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Migrate; load DATA_DIR when the database holds no conflict yet (LOAD_ON_START); serve.
CMD ["python3", "-m", "app.startup"]
