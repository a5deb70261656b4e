"""Gunicorn's configuration: `gunicorn -c config/gunicorn.py config.wsgi`.

Read by bin/serve (`make serve`) and by each web node of a larger deployment
(docs/deployment.md). Every value can be changed from the environment:

    GUNICORN_BIND      where to listen (default 127.0.0.1:$PORT, PORT default 8000;
                       a web node behind a load balancer uses 0.0.0.0:8000)
    WEB_CONCURRENCY    worker processes (default 2 × CPU cores + 1)
    GUNICORN_THREADS   threads per worker (default 1: sync workers; more threads
                       multiply the database connections a node holds)
    GUNICORN_TIMEOUT   seconds before a silent worker is restarted (default 30)
    FORWARDED_ALLOW_IPS  proxies whose X-Forwarded-* headers are trusted (gunicorn's own)

The access log is one JSON object per request on stdout (config/logging.py), with the
request id that config/request_id.py returns in X-Request-ID.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 30
keepalive = 5  # behind a load balancer that keeps connections open
# Recycle workers now and then, so a slow leak never grows into an outage.
max_requests = 2000
max_requests_jitter = 200
wsgi_app = "config.wsgi:application"

accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "access": {"()": "config.logging.GunicornAccessFormatter"},
        "json": {"()": "config.logging.JsonFormatter"},
    },
    "handlers": {
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "stream": "ext://sys.stdout",
        },
        "error": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"handlers": ["error"], "level": "INFO"},
    "loggers": {
        "gunicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "gunicorn.error": {"handlers": ["error"], "level": "INFO", "propagate": False},
    },
}
