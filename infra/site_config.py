#!/usr/bin/env python3
"""Write the static site's config.js for a deployed stack (the deploy step after the stack).

    python infra/site_config.py --api-base https://abc123.execute-api.us-east-1.amazonaws.com/api > build/config.js

Same shape as static_site/config.example.js; `apiBase` is the stack's ApiBaseUrl output. What
uploads accept and their limits the site reads from the API itself (GET /kinds).
infra/README.md shows it fed from `aws cloudformation describe-stacks` and uploaded.
"""
from __future__ import annotations

import argparse
import json
import sys
from urllib.parse import urlparse


def security_headers(api_origin: str, storage_origin: str) -> dict[str, str]:
    """The site's response headers, one definition for the local server and CloudFront.

    The page runs only its own scripts and styles, talks only to the API and to the bucket
    (presigned uploads, images, recordings; `blob:` for what it makes itself), and is framed by
    nobody. The microphone is allowed for the page itself (recording speech to upload). WebAssembly
    may compile ('wasm-unsafe-eval': the live reader's onnxruntime-web, never `eval`)."""
    sources = f"'self' {api_origin} {storage_origin}"
    csp = "; ".join([
        "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "object-src 'none'",
        f"connect-src {sources}", f"img-src 'self' data: blob: {storage_origin}",
        f"media-src 'self' blob: {storage_origin}", "font-src 'self'", "frame-ancestors 'none'",
        "base-uri 'self'", "form-action 'self'",
    ])
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
            "Permissions-Policy": "camera=(self), microphone=(self), geolocation=()"}


def render(api_base: str) -> str:
    url = urlparse(api_base)
    if url.scheme not in ("https", "http") or not url.netloc:
        raise ValueError(f"not an http(s) URL: {api_base!r}")
    config = {"apiBase": api_base.rstrip("/")}
    return ("// Written by infra/site_config.py at deploy time: see infra/README.md.\n"
            f"window.PAGEVOICE_CONFIG = {json.dumps(config, indent=2)};\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the site's config.js for a deployed API.")
    parser.add_argument("--api-base", required=True, help="the stack's ApiBaseUrl output")
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(render(args.api_base))
    except ValueError as exc:
        print(f"site_config: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
