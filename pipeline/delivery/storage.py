"""Where `essaycast publish` puts the site: an S3-compatible bucket or a local folder.

Both sit behind one small interface, `Storage`, whose keys are paths relative to the
target's prefix ("episodes/001-a/001-a.mp3"). Nothing here can reach outside the prefix:
every key is checked, listings ask only for the prefix, and deletes take listed keys.

S3 credentials come from boto3's standard chain (environment, shared profile, instance
role). They are never written anywhere, and every error message is scrubbed of them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pipeline.core import atomic
from pipeline.core.errors import PipelineError
from pipeline.settings.target import parse_target

MIB = 1024 * 1024
MULTIPART_THRESHOLD = 16 * MIB  # files above this go up in parts, several at once


class PublishError(PipelineError):
    """The publish target cannot be reached, read or written."""


@dataclass(frozen=True)
class RemoteObject:
    """What a listing says about one stored object.

    ``version`` changes whenever the object is rewritten: S3's ETag, or a file's
    modification time and size. The publish manifest records it, so an object rewritten by
    anything but essaycast no longer counts as up to date.
    """

    size: int
    version: str


class Storage(Protocol):
    """One publish target. Keys are "/"-separated paths under the target's prefix."""

    description: str  # how messages name the target: "s3://bucket/prefix", "file:///srv/x"
    serves_folder_index: bool  # does "episodes/x/" serve "episodes/x/index.html" by itself?

    def listing(self) -> dict[str, RemoteObject]: ...

    def tidy(self) -> list[str]:
        """Remove what an interrupted publish left half-written; say what was removed."""
        ...

    def head(self, key: str) -> RemoteObject | None: ...

    def read(self, key: str) -> bytes | None: ...

    def put(
        self, key: str, source: Path | bytes, content_type: str, cache_control: str
    ) -> RemoteObject: ...

    def delete(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """A key that stays under the prefix, or ValueError.

    >>> check_key("episodes/001-a/001-a.mp3"), check_key("episodes/001-a/")
    ('episodes/001-a/001-a.mp3', 'episodes/001-a/')
    >>> check_key("../x")
    Traceback (most recent call last):
    ValueError: key leaves the publish prefix: '../x'
    """
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in (".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"key leaves the publish prefix: {key!r}")
    return key


def open_storage(
    target: str,
    endpoint_url: str = "",
    region: str = "",
    *,
    multipart_threshold: int = MULTIPART_THRESHOLD,
) -> Storage:
    scheme, bucket, place = parse_target(target)
    if scheme == "file":
        return FileStorage(Path(place))
    return S3Storage(bucket, place, endpoint_url, region, multipart_threshold)


# ---------------------------------------------------------------- a folder


class FileStorage:
    """A folder a web server serves (or a static-site repository). Writes are atomic."""

    serves_folder_index = True  # web servers answer "x/" with "x/index.html"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = root.as_uri()
        if not root.is_dir():
            raise PublishError(f"{root}: the publish folder does not exist; create it first")

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*check_key(key).split("/"))

    @staticmethod
    def _describe(path: Path) -> RemoteObject:
        stat = path.stat()
        return RemoteObject(stat.st_size, f"{stat.st_mtime_ns}-{stat.st_size}")

    def tidy(self) -> list[str]:
        # A publish killed mid-copy leaves a hidden temporary file; the publish holds the
        # project's lock, so none of them is still being written.
        removed = atomic.remove_leftovers(self.root)
        return [path.relative_to(self.root).as_posix() for path in removed]

    def listing(self) -> dict[str, RemoteObject]:
        found = {}
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root).as_posix()
            if path.is_file() and not path.name.endswith(atomic.PART_SUFFIX):
                found[relative] = self._describe(path)
        return found

    def head(self, key: str) -> RemoteObject | None:
        path = self._path(key)
        return self._describe(path) if path.is_file() else None

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def put(
        self, key: str, source: Path | bytes, content_type: str, cache_control: str
    ) -> RemoteObject:
        # Content-Type and Cache-Control are the web server's business for a folder.
        path = self._path(key)
        try:
            with atomic.replacing(path) as tmp:
                if isinstance(source, bytes):
                    tmp.write_bytes(source)
                else:
                    shutil.copyfile(source, tmp)
        except OSError as exc:
            raise PublishError(f"{path}: cannot write: {exc.strerror}") from None
        return self._describe(path)

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        folder = path.parent
        while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()  # leave no empty episode folders behind
            folder = folder.parent


# ---------------------------------------------------------------- S3 and its look-alikes

# S3 error code -> what the producer should do. Anything else is shown with its code.
S3_ADVICE: dict[str, str] = {
    "InvalidAccessKeyId": "the access key was refused; check AWS_ACCESS_KEY_ID or AWS_PROFILE",
    "SignatureDoesNotMatch": "the secret key does not match the access key; check "
    "AWS_SECRET_ACCESS_KEY or AWS_PROFILE",
    "InvalidToken": "the session token is invalid; refresh your credentials",
    "ExpiredToken": "the credentials have expired; refresh them",
    "AccessDenied": "access denied; the credentials need s3:ListBucket, s3:GetObject, "
    "s3:PutObject and s3:DeleteObject on this bucket",
    "Forbidden": "access denied; check the credentials and the bucket's permissions",
    "NoSuchBucket": "the bucket does not exist; create it or fix 'target' in feed/show.toml",
    "AuthorizationHeaderMalformed": "the region is wrong; set 'region' in feed/show.toml",
    "PermanentRedirect": "the bucket is in another region; set 'region' in feed/show.toml",
}


# Answers to "list multipart uploads" that mean "not here": tidying is then skipped.
UNSUPPORTED = frozenset({"NotImplemented", "AccessDenied", "501"})


class S3Storage:
    """A bucket and prefix on AWS S3 or any S3-compatible service (R2, B2, MinIO...)."""

    serves_folder_index = False  # the S3 API serves keys, not folders

    def __init__(
        self, bucket: str, prefix: str, endpoint_url: str, region: str, multipart_threshold: int
    ) -> None:
        import boto3
        from boto3.s3.transfer import TransferConfig
        from botocore.config import Config

        self.bucket, self.prefix = bucket, prefix
        self.description = f"s3://{bucket}/{prefix}".rstrip("/")
        self.endpoint = endpoint_url or "AWS S3"
        self.session: Any = None
        config = Config(
            connect_timeout=10,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"} if endpoint_url else {},
        )
        with self._errors():  # a profile that does not exist, for one
            self.session = boto3.session.Session(region_name=region or None)
            self.client = self.session.client(
                "s3", endpoint_url=endpoint_url or None, config=config
            )
        self.transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_threshold, 8 * MIB),
            max_concurrency=4,
        )

    def _full(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _secrets(self) -> list[str]:
        if self.session is None:
            return []
        try:
            credentials = self.session.get_credentials()
        except Exception:  # a broken profile: nothing of it can be in a message then
            return []
        if credentials is None:
            return []
        frozen = credentials.get_frozen_credentials()
        return [s for s in (frozen.access_key, frozen.secret_key, frozen.token) if s]

    def _scrub(self, text: str) -> str:
        for secret in self._secrets():
            text = text.replace(secret, "***")
        return text

    @contextlib.contextmanager
    def _errors(self, key: str | None = None) -> Iterator[None]:
        """botocore's exceptions -> one PublishError line with no credentials in it."""
        from boto3.exceptions import S3UploadFailedError
        from botocore import exceptions as bce

        where = self.description + (f"/{key}" if key else "")
        try:
            yield
        except bce.NoCredentialsError:
            raise PublishError(
                f"{where}: no credentials found; set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"
            ) from None
        except bce.ProfileNotFound as exc:
            raise PublishError(f"{where}: {exc}; check AWS_PROFILE") from None
        except (bce.EndpointConnectionError, bce.ConnectTimeoutError) as exc:
            del exc  # its text repeats the URL; the endpoint below says it once
            raise PublishError(
                f"{where}: cannot reach {self.endpoint}; check 'endpoint_url' in "
                "feed/show.toml and the network"
            ) from None
        except bce.ClientError as exc:
            raise PublishError(f"{where}: {self._explain(exc.response)}") from None
        except S3UploadFailedError as exc:
            raise PublishError(f"{where}: upload failed: {self._scrub(str(exc))}") from None
        except (bce.BotoCoreError, OSError) as exc:
            raise PublishError(f"{where}: {self._scrub(str(exc))}") from None

    def _explain(self, response: Any) -> str:
        error = response.get("Error", {})
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", "?")
        code = str(error.get("Code") or status)
        code = {"403": "Forbidden"}.get(code, code)
        advice = S3_ADVICE.get(code) or self._scrub(str(error.get("Message") or "failed"))
        return f"{advice} ({code} at {self.endpoint})"

    def tidy(self) -> list[str]:
        """Abort multipart uploads under the prefix that a killed publish left unfinished
        (their parts are stored, and billed, until then)."""
        from botocore.exceptions import ClientError

        start = f"{self.prefix}/" if self.prefix else ""
        aborted = []
        with self._errors():
            try:
                pages = self.client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket, Prefix=start
                )
                uploads = [u for page in pages for u in page.get("Uploads", [])]
            except ClientError as exc:
                if str(exc.response.get("Error", {}).get("Code")) in UNSUPPORTED:
                    return []  # a service or policy without it: a lifecycle rule must do it
                raise
            for upload in uploads:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
                aborted.append(upload["Key"][len(start) :])
        return aborted

    def listing(self) -> dict[str, RemoteObject]:
        found: dict[str, RemoteObject] = {}
        start = f"{self.prefix}/" if self.prefix else ""
        with self._errors():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start
            )
            for page in pages:
                for item in page.get("Contents", []):
                    key = item["Key"][len(start) :]
                    try:
                        check_key(key)
                    except ValueError:
                        continue  # "prefix//x" and the like: not ours, never touched
                    found[key] = RemoteObject(int(item["Size"]), str(item["ETag"]))
        return found

    def head(self, key: str) -> RemoteObject | None:
        from botocore.exceptions import ClientError

        with self._errors(key):
            try:
                response = self.client.head_object(Bucket=self.bucket, Key=self._full(key))
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise
        return RemoteObject(int(response["ContentLength"]), str(response["ETag"]))

    def read(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        with self._errors(key):
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise
            data: bytes = response["Body"].read()
        return data

    def put(
        self, key: str, source: Path | bytes, content_type: str, cache_control: str
    ) -> RemoteObject:
        extra = {"ContentType": content_type, "CacheControl": cache_control}
        with self._errors(key):
            if isinstance(source, bytes):
                self.client.put_object(
                    Bucket=self.bucket, Key=self._full(key), Body=source, **extra
                )
            else:
                # upload_file goes multipart above the threshold, parts in parallel.
                self.client.upload_file(
                    os.fspath(source), self.bucket, self._full(key), extra, Config=self.transfer
                )
        stored = self.head(key)
        if stored is None:
            raise PublishError(
                f"{self.description}/{key}: uploaded, but the bucket does not have it"
            )
        return stored

    def delete(self, key: str) -> None:
        with self._errors(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._full(key))


def _missing(exc: Any) -> bool:
    """Is this ClientError "no such key" (and not "no such bucket")?"""
    return str(exc.response.get("Error", {}).get("Code")) in ("404", "NoSuchKey", "NotFound")
