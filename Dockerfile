# The Coherence app, for docker-compose.yml (PostgreSQL event store + Neo4j graph).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .
ENV COHERENCE_STORE=postgresql://coherence:coherence@postgres:5432/coherence
CMD ["sh", "-c", "coherence demo --no-history && coherence plans"]
