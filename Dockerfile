# The Coherence app, for docker-compose.yml (PostgreSQL event store + Neo4j graph).

# The web page's JavaScript libraries, from npm with our lock file (never committed).
FROM node:20-slim AS web-assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

FROM python:3.11-slim
WORKDIR /app
# WeasyPrint's libraries, for the reports' PDF (Pango, HarfBuzz, fontconfig, a font).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml constraints.txt README.md LICENSE ./
COPY src ./src
COPY projections ./projections
COPY graph_queries ./graph_queries
RUN pip install --no-cache-dir -c constraints.txt .
COPY scripts/start ./scripts/start
COPY --from=web-assets /assets/node_modules ./node_modules
ENV COHERENCE_WEB_ASSETS=/app/node_modules
EXPOSE 8000
# scripts/start app: the bootstrap admin token (COHERENCE_ADMIN_TOKEN), then serve on
# 0.0.0.0:8000; scripts/start projector: keep Neo4j following (docker-compose.yml runs both).
CMD ["scripts/start", "app"]
