"""The container's health check: ``python -m config.healthcheck`` exits 0 when /healthz answers 200.

It asks the local gunicorn the way the TLS proxy would: with a Host header that Django allows (the
first of DJANGO_ALLOWED_HOSTS, a leading "." or "*" taken off) and ``X-Forwarded-Proto: https``, so
neither the host check (400) nor the HTTPS redirect (301) answers in place of /healthz. Standard
library only; it imports nothing of Django. Environment: HEALTHCHECK_URL (default
http://127.0.0.1:8000/healthz), HEALTHCHECK_TIMEOUT in seconds (default 5)."""
import os
import sys
import urllib.error
import urllib.request


def allowed_host():
    hosts = [host.strip() for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host.strip()]
    return (hosts[0].lstrip(".*") if hosts else "") or "localhost"


def main():
    url = os.environ.get("HEALTHCHECK_URL", "http://127.0.0.1:8000/healthz")
    request = urllib.request.Request(url, headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"})
    try:
        with urllib.request.urlopen(request, timeout=float(os.environ.get("HEALTHCHECK_TIMEOUT", "5"))) as response:
            body = response.read().decode(errors="replace")
            status = response.status
    except urllib.error.HTTPError as error:  # 503: the body names the part that is down
        body, status = error.read().decode(errors="replace"), error.code
    except OSError as error:  # refused, timed out
        body, status = str(error), None
    print(status, body)
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
