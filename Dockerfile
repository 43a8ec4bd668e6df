# reviewbot production image: slim, non-root, runs `reviewbot serve`.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY checks ./checks
COPY prompts ./prompts
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 reviewbot
COPY --from=build /install /usr/local
USER reviewbot
WORKDIR /home/reviewbot
ENV DATABASE_URL=sqlite:////home/reviewbot/data/reviewbot.db \
    SEMGREP_ENABLE_VERSION_CHECK=0 \
    PYTHONUNBUFFERED=1
RUN mkdir -p /home/reviewbot/data
VOLUME ["/home/reviewbot/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"
CMD ["reviewbot", "serve", "--host", "0.0.0.0", "--port", "8000"]
