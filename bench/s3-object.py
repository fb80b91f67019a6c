#!/usr/bin/env python3
"""A plain S3 client for one object: one PUT of a file or one GET into a file, signed with AWS Signature V4
(path-style, UNSIGNED-PAYLOAD, http or https with the CA of SSL_CERT_FILE, credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, region AWS_REGION
or us-east-1), streamed in 1 MiB pieces over one connection. curl's --aws-sigv4 cannot be used with Swift's
tempauth keys: the access key "test:tester" holds a colon, and curl's --user splits at the first.
Usage: bench/s3-object.py put|get ENDPOINT BUCKET/KEY FILE
"""
import datetime
import hashlib
import hmac
import http.client
import os
import ssl
import sys
import urllib.parse

PIECE = 1 << 20


def signed_headers(method, host, path, extra):
    access, secret = os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"]
    region = os.environ.get("AWS_REGION", "us-east-1")
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {"host": host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "x-amz-date": stamp, **extra}
    names = sorted(headers)
    canonical = "\n".join([method, path, "", *(f"{name}:{headers[name]}" for name in names), "", ";".join(names), "UNSIGNED-PAYLOAD"])
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = f"AWS4{secret}".encode()
    for part in (day, region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={access}/{scope}, SignedHeaders={';'.join(names)}, Signature={signature}"
    return headers


def main(verb, endpoint, name, file):
    url = urllib.parse.urlsplit(endpoint)
    path = "/" + urllib.parse.quote(name)
    if url.scheme == "https":
        # The server's certificate from SSL_CERT_FILE, as OpenSSL's default paths take it.
        connection = http.client.HTTPSConnection(url.hostname, url.port, timeout=120, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    if verb == "put":
        size = os.path.getsize(file)
        connection.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for header, value in signed_headers("PUT", url.netloc, path, {"content-length": str(size)}).items():
            connection.putheader(header, value)
        connection.endheaders()
        with open(file, "rb") as source:
            while piece := source.read(PIECE):
                connection.send(piece)
        response = connection.getresponse()
        body = response.read()
    else:
        connection.request("GET", path, headers=signed_headers("GET", url.netloc, path, {}))
        response = connection.getresponse()
        if response.status != 200:
            body = response.read()
        else:
            with open(file, "wb") as target:
                while piece := response.read(PIECE):
                    target.write(piece)
            body = b""
    if response.status != 200:
        raise SystemExit(f"{verb} {name}: {response.status} {response.reason} {body[:500]!r}")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] not in ("put", "get"):
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
