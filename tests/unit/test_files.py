"""Uploaded files: judged by their first bytes, size-limited, stored under random names."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidValue
from core.file_store import FilesystemStore
from core.files import MAX_UPLOAD_BYTES, store_upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64
OGG = b"OggS" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 32
EXE = b"MZ\x90\x00" + b"\x00" * 64
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("data", "declared", "suffix"),
    [
        (PNG, "image/png", ".png"),
        (JPEG, "image/jpeg", ".jpg"),
        (PDF, "application/pdf", ".pdf"),
        (OGG, "audio/ogg; codecs=opus", ".ogg"),
        (WEBP, "image/webp", ".webp"),
        (PNG, None, ".png"),
    ],
)
def test_an_allowed_file_is_stored_with_its_real_type(tmp_path, data, declared, suffix) -> None:
    path, size = store_upload(data, declared, FilesystemStore(tmp_path / "uploads"))
    assert Path(path).read_bytes() == data
    assert size == len(data)
    assert Path(path).suffix == suffix
    assert Path(path).parent == (tmp_path / "uploads").resolve()


def test_a_renamed_executable_is_refused_whatever_its_declared_type(tmp_path) -> None:
    with pytest.raises(InvalidValue) as refused:
        store_upload(EXE, "image/jpeg", FilesystemStore(tmp_path))
    assert refused.value.code == "file_type_not_allowed"
    assert list(tmp_path.iterdir()) == []


def test_a_declared_type_that_disagrees_with_the_bytes_is_refused(tmp_path) -> None:
    with pytest.raises(InvalidValue) as refused:
        store_upload(PDF, "image/png", FilesystemStore(tmp_path))
    assert refused.value.code == "file_type_mismatch"


def test_an_oversized_or_empty_file_is_refused(tmp_path) -> None:
    with pytest.raises(InvalidValue) as refused:
        store_upload(PNG + b"\x00" * MAX_UPLOAD_BYTES, "image/png", FilesystemStore(tmp_path))
    assert refused.value.code == "file_too_large"
    with pytest.raises(InvalidValue) as refused:
        store_upload(b"", "image/png", FilesystemStore(tmp_path))
    assert refused.value.code == "empty_file"
    assert list(tmp_path.iterdir()) == []


def test_every_file_gets_a_fresh_random_name(tmp_path) -> None:
    names = {
        Path(store_upload(PNG, "image/png", FilesystemStore(tmp_path))[0]).name for _ in range(20)
    }
    assert len(names) == 20
    assert all(len(Path(name).stem) == 32 for name in names)


def test_the_default_upload_directory_is_outside_the_served_directories() -> None:
    from webapp.settings import WebSettings

    uploads = (ROOT / WebSettings().upload_dir).resolve()
    for served in (ROOT / "channels" / "static", ROOT / "backoffice" / "static"):
        assert not uploads.is_relative_to(served.resolve())
