#!/usr/bin/python3
"""A single-node OpenStack Swift with s3api on 127.0.0.1 for benchmarks, and what its proxy logged.

The same server as tests/Rsync.Tests/Support/SwiftServer.cs (Debian's python3-swift and memcached,
rings of part power 6 with one replica and one device, tempauth user test:tester / testing, s3api in
us-east-1), run from bash: every server logs to a UDP socket of `serve`, which writes the proxy's
access lines to DIR/access.log, one request a line:

    METHOD PATH STATUS SOURCE BYTES_RECEIVED BYTES_SENT START END

(bytes are bodies, without headers; SOURCE is "-" for a client's own request, else the middleware
that made a subrequest). The other servers' lines go to DIR/swift.log. A TLS twin of the proxy (same
pipeline, backends and log; a self-signed certificate for 127.0.0.1 in DIR/tls.pem) serves clients
that send aws-chunked bodies over plain http, which s3api refuses, and plain ones over https (restic
0.14's minio-go).

  swift-server.py serve DIR            start everything in DIR (empty or new); DIR/endpoint holds
                                       http://127.0.0.1:PORT once the proxies answer, and
                                       DIR/endpoint-tls https://127.0.0.1:PORT; runs until
                                       SIGTERM or SIGINT, then stops what it started, by PID
  swift-server.py mark DIR NAME        a request the proxy answers itself (/info), waited for in the
                                       log: the points between which `requests` counts
  swift-server.py requests DIR FROM TO the clients' requests between two marks, as JSON
  swift-server.py bucket DIR NAME...   make buckets (Swift's own API, tempauth)
  swift-server.py usage DIR BUCKET     "BYTES OBJECTS" a bucket holds (Swift's container counters)
"""
import json
import os
import pwd
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

PYTHON = "/usr/bin/python3"  # Debian's: Swift lives in its dist-packages
MEMCACHED = "/usr/bin/memcached"
USER, KEY = "test:tester", "testing"
MARK = "/info?bench-mark="

BUILD_RINGS = """
import sys
from swift.common.ring import RingBuilder
for name, port in zip(("account", "container", "object"), sys.argv[2:5]):
    builder = RingBuilder(6, 1, 1)
    builder.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 1})
    builder.rebalance()
    builder.get_ring().save(f"{sys.argv[1]}/{name}.ring.gz")
"""

# As swift-*-server would run it, but with swift.conf read from argv[1], not /etc/swift.
RUN_SERVER = """
import sys
from swift.common import storage_policy, utils
utils.set_swift_dir(sys.argv[1])
storage_policy.reload_storage_policies()
from swift.common.wsgi import run_wsgi
sys.exit(run_wsgi(sys.argv[2], sys.argv[3]))
"""


def user():
    return pwd.getpwuid(os.getuid()).pw_name


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def common(directory, port, log_port):
    return f"""[DEFAULT]
bind_ip = 127.0.0.1
bind_port = {port}
workers = 0
user = {user()}
swift_dir = {directory}
devices = {directory}/devices
mount_check = false
log_udp_host = 127.0.0.1
log_udp_port = {log_port}

"""


def backend(kind):
    return f"""[pipeline:main]
pipeline = healthcheck {kind}-server

[filter:healthcheck]
use = egg:swift#healthcheck

[app:{kind}-server]
use = egg:swift#{kind}
"""


def proxy(cache_port):
    filters = "".join(f"\n[filter:{name}]\nuse = egg:swift#{name}\n" for name in (
        "catch_errors", "gatekeeper", "healthcheck", "listing_formats", "bulk", "copy", "slo", "dlo", "versioned_writes", "symlink"))
    return f"""[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth
    copy slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = {KEY} .admin

[filter:proxy-logging]
use = egg:swift#proxy_logging
access_log_name = proxy-access
log_msg_template = {{method}} {{path}} {{status_int}} {{source}} {{bytes_recvd}} {{bytes_sent}} {{start_time}} {{end_time}}

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:{cache_port}
{filters}"""


def wait_for(url, process, name, deadline, context=None):
    while True:
        if process.poll() is not None:
            raise SystemExit(f"Swift's {name} exited with code {process.returncode}; see swift.log")
        try:
            with urllib.request.urlopen(url, timeout=2, context=context):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"Swift's {name} did not answer {url} within 120 s; see swift.log")
            time.sleep(0.05)


def serve(directory):
    directory = os.path.abspath(directory)
    os.makedirs(f"{directory}/devices/d1", exist_ok=True)
    deadline = time.monotonic() + 120
    log_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    log_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    log_socket.bind(("127.0.0.1", 0))
    access = open(f"{directory}/access.log", "a", buffering=1)
    other = open(f"{directory}/swift.log", "a", buffering=1)

    def receive():
        while True:
            line = log_socket.recv(65536).decode("utf-8", "replace").rstrip("\0\n")
            if line.startswith("<") and ">" in line:
                line = line[line.index(">") + 1:]
            if line.startswith("proxy-access: "):
                access.write(line[len("proxy-access: "):] + "\n")
            else:
                other.write(line + "\n")

    threading.Thread(target=receive, daemon=True).start()
    ports = {name: free_port() for name in ("proxy", "proxy-tls", "account", "container", "object", "cache")}
    # A self-signed certificate for 127.0.0.1, for the proxy's TLS twin.
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", f"{directory}/tls.key", "-out", f"{directory}/tls.pem"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{directory}/swift.conf", "w") as f:
        f.write("[swift-hash]\nswift_hash_path_suffix = sqlrsync-bench\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n")
    subprocess.run([PYTHON, "-c", BUILD_RINGS, directory, str(ports["account"]), str(ports["container"]), str(ports["object"])], check=True)
    log_port = log_socket.getsockname()[1]
    for kind in ("account", "container", "object"):
        with open(f"{directory}/{kind}-server.conf", "w") as f:
            f.write(common(directory, ports[kind], log_port) + backend(kind))
    with open(f"{directory}/proxy-server.conf", "w") as f:
        f.write(common(directory, ports["proxy"], log_port) + proxy(ports["cache"]))
    with open(f"{directory}/proxy-tls-server.conf", "w") as f:
        f.write(common(directory, ports["proxy-tls"], log_port).replace("[DEFAULT]\n", f"[DEFAULT]\ncert_file = {directory}/tls.pem\n"
                f"key_file = {directory}/tls.key\n") + proxy(ports["cache"]))

    processes = []

    def stop(*_):
        for _, process in processes:
            if process.poll() is None:
                process.kill()
        for _, process in processes:
            process.wait()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    errors = open(f"{directory}/servers.out", "a")

    def start(name, argv):
        processes.append((name, subprocess.Popen(argv, cwd=directory, stdin=subprocess.DEVNULL, stdout=errors, stderr=errors)))
        return processes[-1][1]

    try:
        # Its own memcached: a system one on 11211 is not ours.
        start("memcached", [MEMCACHED, "-l", "127.0.0.1", "-p", str(ports["cache"]), "-U", "0", "-m", "64", "-t", "1", "-u", user()])
        servers = {name: start(name, [PYTHON, "-c", RUN_SERVER, directory, f"{directory}/{name}.conf", name])
                   for name in ("account-server", "container-server", "object-server", "proxy-server")}
        servers["proxy-tls-server"] = start("proxy-tls-server", [PYTHON, "-c", RUN_SERVER, directory, f"{directory}/proxy-tls-server.conf",
                                                                 "proxy-server"])
        for name in ("account", "container", "object", "proxy"):
            wait_for(f"http://127.0.0.1:{ports[name]}/healthcheck", servers[f"{name}-server"], f"{name}-server", deadline)
        wait_for(f"https://127.0.0.1:{ports['proxy-tls']}/healthcheck", servers["proxy-tls-server"], "proxy-tls-server", deadline,
                 ssl.create_default_context(cafile=f"{directory}/tls.pem"))
    except BaseException:
        for _, process in processes:
            process.kill()
        raise
    with open(f"{directory}/endpoint.tmp", "w") as f:
        f.write(f"http://127.0.0.1:{ports['proxy']}\n")
    with open(f"{directory}/endpoint-tls", "w") as f:
        f.write(f"https://127.0.0.1:{ports['proxy-tls']}\n")
    os.rename(f"{directory}/endpoint.tmp", f"{directory}/endpoint")
    while True:
        for name, process in processes:
            if process.poll() is not None:
                print(f"Swift's {name} exited with code {process.returncode}", file=sys.stderr)
                stop()
        time.sleep(1)


def endpoint(directory):
    with open(f"{directory}/endpoint") as f:
        return f.read().strip()


def entries(directory):
    with open(f"{directory}/access.log") as f:
        for line in f:
            # Swift's logger appends " (txn: ID)".
            fields = line.split()
            if len(fields) >= 8:
                method, path, status, source, received, sent, start, end = fields[:8]
                yield {"method": method, "path": urllib.parse.unquote(path), "status": int(status), "source": source,
                       "received": 0 if received == "-" else int(received), "sent": 0 if sent == "-" else int(sent),
                       "start": float(start), "end": float(end)}


def mark(directory, name):
    with urllib.request.urlopen(endpoint(directory) + MARK + urllib.parse.quote(name), timeout=10):
        pass
    deadline = time.monotonic() + 10
    while not any(entry["path"] == MARK + name for entry in entries(directory)):
        if time.monotonic() > deadline:
            raise SystemExit(f"the mark {name} did not reach the access log within 10 s")
        time.sleep(0.01)


def kind(entry):
    """GET, HEAD, PUT, POST, DELETE, or LIST: a GET of a bucket (ListObjects) or of the service (ListBuckets)."""
    path = entry["path"].split("?", 1)[0]
    if entry["method"] == "GET" and path.strip("/").count("/") == 0:
        return "LIST"
    return entry["method"]


def requests(directory, start, stop):
    log = list(entries(directory))
    names = [entry["path"] for entry in log]
    first, last = names.index(MARK + start), names.index(MARK + stop)
    # The clients' own S3 requests: not the marks, not middleware's subrequests, not Swift's own API (/auth, /v1).
    chosen = [entry for entry in log[first + 1:last] if entry["source"] == "-" and not entry["path"].startswith(("/info", "/auth", "/v1/"))]
    counts = {name: 0 for name in ("GET", "HEAD", "PUT", "POST", "DELETE", "LIST")}
    for entry in chosen:
        counts[kind(entry)] = counts.get(kind(entry), 0) + 1
    # The most requests in flight at once, from their start and end times.
    events = sorted([(entry["start"], 1) for entry in chosen] + [(entry["end"], -1) for entry in chosen])
    in_flight = most = 0
    for _, step in events:
        in_flight += step
        most = max(most, in_flight)
    print(json.dumps({
        "requests": len(chosen),
        **counts,
        "received": sum(entry["received"] for entry in chosen),
        "sent": sum(entry["sent"] for entry in chosen),
        "most_in_flight": most,
        "errors": sum(1 for entry in chosen if entry["status"] >= 500),
        "lists": [entry["path"] for entry in chosen if kind(entry) == "LIST"],
        "paths": [f'{entry["method"]} {entry["path"]} {entry["status"]}' for entry in chosen],
    }))


def swift_token(directory):
    request = urllib.request.Request(endpoint(directory) + "/auth/v1.0", headers={"X-Auth-User": USER, "X-Auth-Key": KEY})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers["X-Storage-Url"], response.headers["X-Auth-Token"]


def bucket(directory, names):
    url, token = swift_token(directory)
    for name in names:
        with urllib.request.urlopen(urllib.request.Request(f"{url}/{name}", method="PUT", headers={"X-Auth-Token": token}), timeout=10):
            pass


def usage(directory, name):
    url, token = swift_token(directory)
    with urllib.request.urlopen(urllib.request.Request(f"{url}/{name}", method="HEAD", headers={"X-Auth-Token": token}), timeout=10) as r:
        print(r.headers["X-Container-Bytes-Used"], r.headers["X-Container-Object-Count"])


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "serve":
        serve(*args)
    elif command == "mark":
        mark(*args)
    elif command == "requests":
        requests(*args)
    elif command == "bucket":
        bucket(args[0], args[1:])
    elif command == "usage":
        usage(*args)
    else:
        raise SystemExit(__doc__)
