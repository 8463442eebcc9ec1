"""A small HTTP client on the standard library: a cookie jar, CSRF form posts, timings."""

import http.client
import math
import re
import statistics
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


@dataclass
class Client:
    """One browser-like session against host:port (gunicorn's sync workers close each connection,
    so every request opens a new one, as a browser behind no proxy would)."""

    host: str
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 60.0

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            seconds = time.perf_counter() - started
        finally:
            conn.close()
        for value in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(value)
            for key, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value
        return Response(response.status, {k.lower(): v for k, v in response.getheaders()}, data, seconds)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str], csrf_from: str | None = None) -> Response:
        """POST a form the way a browser does: fetch the page for its CSRF token first (untimed)."""
        page = self.get(csrf_from or path)
        match = CSRF_INPUT.search(page.body)
        if match:
            fields = {**fields, "csrfmiddlewaretoken": match.group(1).decode()}
        body = urlencode(fields).encode()
        return self.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://{self.host}:{self.port}{path}",
            },
        )


def summary(seconds: list[float], errors: int) -> dict:
    """p50/p95/mean/min/max in milliseconds over the timed requests."""
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"requests": 0, "errors": errors}

    def pct(p: float) -> float:
        # nearest-rank percentile
        rank = max(1, min(len(ms), math.ceil(p / 100 * len(ms))))
        return ms[rank - 1]

    return {
        "requests": len(ms),
        "errors": errors,
        "p50_ms": round(pct(50), 2),
        "p95_ms": round(pct(95), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "min_ms": round(ms[0], 2),
        "max_ms": round(ms[-1], 2),
        "per_second": round(len(ms) / (sum(ms) / 1000), 1),
    }
