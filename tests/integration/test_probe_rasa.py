"""rasa_project/probe_rasa.py, the Rasa containers' readiness probe: ready only when /status
names a loaded model, the token read from the environment and never printed."""

from __future__ import annotations

from rasa_project import probe_rasa
from tests.integration.probe_support import probe_server, rasa_answer

TOKEN = "probe-secret-0123456789abcdef"


def port_of(url: str) -> str:
    return url.rsplit(":", 1)[1]


def test_a_loaded_model_is_ready_and_the_token_is_not_printed(monkeypatch, capsys) -> None:
    monkeypatch.setenv("PITLANE_RASA_TOKEN", TOKEN)
    with probe_server(rasa_answer(TOKEN)) as (url, asked):
        code = probe_rasa.main(["--port", port_of(url)])

    assert code == 0
    assert asked == [f"/status?token={TOKEN}"]
    assert TOKEN not in capsys.readouterr().out


def test_no_model_a_wrong_token_or_no_server_is_not_ready(monkeypatch, capsys) -> None:
    monkeypatch.setenv("PITLANE_RASA_TOKEN", TOKEN)
    with (
        probe_server(rasa_answer(TOKEN, model_id=None)) as (no_model, _),
        probe_server(rasa_answer("another-secret-0123456789")) as (other, _),
    ):
        codes = [probe_rasa.main(["--port", port_of(url)]) for url in (no_model, other)]
    codes.append(probe_rasa.main(["--port", "1", "--timeout", "0.5"]))

    assert codes == [1, 1, 1]
    out = capsys.readouterr().out
    assert "409" in out and "401" in out and TOKEN not in out
