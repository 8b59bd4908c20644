"""Test helpers: a real S3 server (moto's, on 127.0.0.1), buckets anyone may read, and a
TCP proxy that stalls mid-stream so a publish can be killed in the middle of an upload.

boto3 talks HTTP to the server exactly as it talks to AWS; public reads (`check --remote`)
are anonymous GETs of http://127.0.0.1:PORT/bucket/key, allowed by a bucket policy.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
# Fake credentials for the local server; the tests never see real ones.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIATESTPUBLISH0001", "AWS_SECRET_ACCESS_KEY": "test/secret"}


class S3Server:
    def __init__(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"

    def client(self, **credentials: str) -> Any:
        keys = credentials or {
            "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
            "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        }
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, **keys)

    def reset(self) -> None:
        """Forget every bucket (moto's own reset endpoint)."""
        import urllib.request

        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request) as response:
            assert response.status == 200

    def public_bucket(self, name: str) -> None:
        """A bucket whose objects anyone may GET, as a podcast's bucket is configured."""
        client = self.client()
        client.create_bucket(Bucket=name)
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    # AWS checks HEAD against s3:GetObject; moto against "s3:HeadObject".
                    "Action": ["s3:GetObject", "s3:HeadObject"],
                    "Resource": f"arn:aws:s3:::{name}/*",
                }
            ],
        }
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))

    def objects(self, bucket: str) -> dict[str, dict[str, Any]]:
        """key -> its listing entry (Size, ETag, LastModified)."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return {item["Key"]: item for page in pages for item in page.get("Contents", [])}

    def stop(self) -> None:
        self.server.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class StallingProxy:
    """Forwards TCP to a server until ``stall_after`` bytes went upstream, then holds every
    byte after that (the upload hangs mid-body) and sets ``stalled``."""

    def __init__(self, upstream_port: int, stall_after: int) -> None:
        self.upstream_port = upstream_port
        self.stall_after = stall_after
        self.sent = 0
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pipe, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(server, client, False), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, upstream: bool) -> None:
        try:
            while chunk := source.recv(16384):
                if upstream:
                    with self.lock:
                        allowed = max(0, self.stall_after - self.sent)
                        self.sent += len(chunk)
                    if allowed < len(chunk):
                        sink.sendall(chunk[:allowed])
                        self.stalled.set()
                        self.release.wait()
                        return
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.close()

    def close(self) -> None:
        self.release.set()
        self.listener.close()


@contextmanager
def stalling_proxy(upstream_port: int, stall_after: int) -> Iterator[StallingProxy]:
    proxy = StallingProxy(upstream_port, stall_after)
    try:
        yield proxy
    finally:
        proxy.close()
