# The Coherence app, for docker-compose.yml (PostgreSQL event store + Neo4j graph).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
COPY projections ./projections
COPY graph_queries ./graph_queries
RUN pip install --no-cache-dir .
EXPOSE 8000
# Loads the demo, projects it into Neo4j, then serves (it needs a token to listen on 0.0.0.0).
CMD ["sh", "-c", "coherence demo --no-history && coherence project neo4j && coherence serve --host 0.0.0.0 --port 8000"]
