"""The upload stores (core/file_store.py, PITLANE_UPLOAD_STORE) through the real routes: a
picture the widget uploads is served to staff by `/staff/attachments/<id>`, from the
filesystem or from the database, on SQLite and PostgreSQL; with the database store, a file
one replica saved is served by another (two apps on one PostgreSQL database, each with its
own upload directory), which the filesystem store cannot do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import make_engine, make_session_factory
from core.file_store import DatabaseStore, FilesystemStore, in_database
from core.models import Attachment
from core.seed import DEMO_DATA, load_demo_data
from core.uow import uow_factory
from tests.integration.staff_web_support import ADVISOR, login
from tests.integration.test_widget_upload import PNG, upload, visit
from tests.integration.web_support import local_http_server, web_client

ANSWER = [{"recipient_id": "x", "text": "Merci pour la photo."}]


@pytest.fixture
def rasa() -> Iterator[str]:
    with local_http_server(ANSWER) as (url, _):
        yield url


@pytest.fixture
def seeded_url(migrated_url: str) -> str:
    return seed_demo(migrated_url)


def seed_demo(migrated_url: str) -> str:
    """SQLite or PostgreSQL, migrated and seeded relative to the real clock (staff log in)."""
    engine = make_engine(migrated_url)
    try:
        factory = uow_factory(make_session_factory(engine), timezone="Europe/Paris")
        load_demo_data(factory(), DEMO_DATA, datetime.now(timezone.utc))
    finally:
        engine.dispose()
    return migrated_url


def attachment_keys(url: str) -> dict[int, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Attachment.id, Attachment.storage_path)).all()
    finally:
        engine.dispose()
    return {row.id: row.storage_path for row in rows}


def files_in(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


def send_picture(client: TestClient) -> None:
    visit(client)
    response = upload(client, ("moto.png", PNG, "image/png"), text="voici le bruit")
    assert response.status_code == 200, response.text
    del client.headers["Authorization"]  # the widget's token; staff sign in with a cookie


def staff_get(client: TestClient, attachment_id: int) -> Any:
    login(client, ADVISOR)
    return client.get(f"/staff/attachments/{attachment_id}")


@pytest.mark.parametrize("store", ["filesystem", "database"])
def test_a_widget_picture_is_served_to_staff_from_the_configured_store(
    seeded_url: str, rasa: str, tmp_path: Path, store: str
) -> None:
    uploads = tmp_path / "uploads"
    with web_client(seeded_url, rasa, upload_dir=str(uploads), upload_store=store) as client:
        send_picture(client)
        [(attachment_id, key)] = attachment_keys(seeded_url).items()
        served = staff_get(client, attachment_id)

    assert served.status_code == 200
    assert served.content == PNG
    assert served.headers["content-type"] == "image/png"
    if store == "database":
        assert in_database(key) and files_in(uploads) == []
        assert DatabaseStore(lambda: None).read("../etc/passwd") is None  # not one of its keys
    else:
        assert not in_database(key) and files_in(uploads) == [Path(key)]


def test_a_file_one_replica_saved_is_served_by_another_with_the_database_store(
    seeded_url: str, rasa: str, tmp_path: Path
) -> None:
    if seeded_url.startswith("sqlite"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is one process's")
    settings = {"upload_store": "database"}
    with web_client(seeded_url, rasa, upload_dir=str(tmp_path / "a"), **settings) as replica_a:
        send_picture(replica_a)
    [attachment_id] = attachment_keys(seeded_url)
    with web_client(seeded_url, rasa, upload_dir=str(tmp_path / "b"), **settings) as replica_b:
        served = staff_get(replica_b, attachment_id)

    assert served.status_code == 200 and served.content == PNG
    assert files_in(tmp_path) == []  # nothing on either replica's disk


def test_with_the_filesystem_store_another_replica_cannot_serve_the_file(
    seeded_url: str, rasa: str, tmp_path: Path
) -> None:
    if seeded_url.startswith("sqlite"):
        pytest.skip("replicas share a PostgreSQL database; SQLite is one process's")
    with web_client(seeded_url, rasa, upload_dir=str(tmp_path / "a")) as replica_a:
        send_picture(replica_a)
    [attachment_id] = attachment_keys(seeded_url)
    with web_client(seeded_url, rasa, upload_dir=str(tmp_path / "b")) as replica_b:
        served = staff_get(replica_b, attachment_id)

    assert served.status_code == 404  # why several replicas want PITLANE_UPLOAD_STORE=database


def test_files_saved_before_a_change_of_store_stay_readable(
    seeded_url: str, rasa: str, tmp_path: Path
) -> None:
    uploads = tmp_path / "uploads"
    with web_client(seeded_url, rasa, upload_dir=str(uploads)) as before:
        send_picture(before)
    [attachment_id] = attachment_keys(seeded_url)
    with web_client(seeded_url, rasa, upload_dir=str(uploads), upload_store="database") as after:
        served = staff_get(after, attachment_id)

    assert served.status_code == 200 and served.content == PNG


def test_the_filesystem_store_reads_only_inside_its_directory(tmp_path: Path) -> None:
    store = FilesystemStore(tmp_path / "uploads")
    key = store.save(PNG, "image/png")
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)

    assert store.read(key) == PNG
    assert store.read(str(outside)) is None
    assert store.read(str(tmp_path / "uploads" / ".." / "secret.png")) is None
    assert store.remove([key, "db:0123"]) == 1 and store.read(key) is None
