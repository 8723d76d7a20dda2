"""A task's work folder, and moving objects between moto's S3 and it.

An s3://bucket/key maps to <sandbox>/s3/bucket/key, so a job's s3:// arguments become local
paths that keep their meaning: a prefix is a folder, a key a file.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from dagspec_standin.settings import Settings

# Files Hadoop's local file system writes beside each output; S3 has none.
SKIPPED_SUFFIXES = (".crc",)


def split_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise ValueError(f"not an s3:// URI: {uri!r}")
    bucket, _, key = uri[len("s3://") :].partition("/")
    return bucket, key


@dataclass
class Sandbox:
    settings: Settings
    path: Path

    @classmethod
    def for_task(cls, settings: Settings, task_instance) -> "Sandbox":
        path = (
            settings.run_dir
            / "tasks"
            / task_instance.dag_id
            / task_instance.task_id
            / f"try-{task_instance.try_number}"
        )
        path.mkdir(parents=True, exist_ok=True)
        return cls(settings, path)

    def client(self, service: str):
        return self.settings.client(service)

    def local(self, uri: str) -> Path:
        bucket, key = split_uri(uri)
        return self.path / "s3" / bucket / key

    def local_text(self, uri: str) -> str:
        """The local path for an argument, keeping a trailing / (a folder)."""
        path = str(self.local(uri))
        return path + "/" if uri.endswith("/") else path

    def download(self, uri: str, to: Path | None = None) -> list[Path]:
        """Downloads the object `uri` names, or the objects under it as a prefix, to `to`
        (default: its local path); returns the files written."""
        bucket, key = split_uri(uri)
        target = to or self.local(uri)
        s3 = self.client("s3")
        written = []
        for item in list_objects(s3, bucket, key):
            name = item["Key"]
            if name == key:
                dest = target if not key.endswith("/") else target / Path(name).name
            elif name.startswith(key.rstrip("/") + "/"):
                dest = target / name[len(key.rstrip("/")) + 1 :]
            else:
                continue  # abalone/raw/abalone.data.bak is not under abalone/raw/abalone.data
            if name.endswith("/"):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, name, str(dest))
            written.append(dest)
        return written

    def upload_tree(self, folder: Path, uri: str) -> list[str]:
        """Uploads the files under `folder` to the prefix `uri`; returns the keys written."""
        bucket, key = split_uri(uri)
        prefix = key if key.endswith("/") or not key else key + "/"
        s3 = self.client("s3")
        keys = []
        for file in sorted(p for p in folder.rglob("*") if p.is_file() and keep(p)):
            name = prefix + file.relative_to(folder).as_posix()
            s3.upload_file(str(file), bucket, name)
            keys.append(name)
        return keys


def list_objects(s3, bucket: str, prefix: str) -> list[dict]:
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out.extend(page.get("Contents", []))
    return out


def keep(path: Path) -> bool:
    return not path.name.endswith(SKIPPED_SUFFIXES)


def snapshot(roots: list[Path]) -> dict[Path, str]:
    """The digest of every file under the roots (files or folders)."""
    files: dict[Path, str] = {}
    for root in roots:
        candidates = [root] if root.is_file() else root.rglob("*") if root.is_dir() else []
        for file in candidates:
            if file.is_file() and keep(file):
                files[file] = hashlib.sha256(file.read_bytes()).hexdigest()
    return files
