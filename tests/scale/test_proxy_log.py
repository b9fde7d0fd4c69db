"""nginx in front of the replicas (deploy/nginx/pitlane.conf.template): every request gets
one id from the edge, which the replica that answers sends back, and one JSON line in
nginx's access log, without query strings or secrets (the hub's calls to the Rasa replicas
through nginx carry Rasa's `?token=`); the hub's call to Rasa for a customer's request
carries that request's id."""

from __future__ import annotations

import json
import re

import httpx

from tests.scale.live import API_TOKEN, REST_TOKEN, RestCustomer

NGINX_ID = re.compile(r"[0-9a-f]{32}")


async def test_each_request_gets_one_id_from_the_edge_and_one_json_line_without_secrets(
    scaled,
) -> None:
    customer = RestCustomer()
    async with httpx.AsyncClient(timeout=120) as client:
        kept = await client.get(f"{scaled.proxy}/readyz", headers={"X-Request-ID": "client-0001"})
        made = await client.get(f"{scaled.proxy}/readyz")
        refused = await client.get(f"{scaled.proxy}/readyz", headers={"X-Request-ID": "bad id!"})
        await customer.say(scaled.proxy, "bonjour", client)
        turn = await client.post(
            f"{scaled.proxy}/webhooks/rest/webhook",
            json={"sender": customer.sender, "message": "merci"},
            headers={"Authorization": f"Bearer {REST_TOKEN}", "X-Request-ID": "turn-00000001"},
        )
        await client.get(f"{scaled.proxy}/api/bookings?token={API_TOKEN}")

    assert kept.headers["x-request-id"] == "client-0001"
    assert NGINX_ID.fullmatch(made.headers["x-request-id"])
    assert NGINX_ID.fullmatch(refused.headers["x-request-id"])  # not the client's

    text = (scaled.config.nginx_dir / "access.log").read_text()
    lines = [json.loads(line) for line in text.splitlines()]  # every line is JSON
    by_id = {line["request_id"]: line for line in lines}
    for response in (kept, made, refused):
        line = by_id[response.headers["x-request-id"]]
        assert (line["process"], line["path"], line["status"]) == ("nginx", "/readyz", 200)
    paths = {line["path"] for line in lines}
    assert "/webhooks/rest/webhook" in paths and "/api/bookings" in paths
    rasa = [f"127.0.0.1:{port}" for port in scaled.config.rasa_replicas]
    assert any(line["upstream"] in rasa for line in lines), "the hub's calls to Rasa"
    # the customer's request and the hub's call to Rasa for it carry the same id
    assert turn.status_code == 200 and turn.headers["x-request-id"] == "turn-00000001"
    same_turn = [line for line in lines if line["request_id"] == "turn-00000001"]
    assert {line["path"] for line in same_turn} == {"/webhooks/rest/webhook"}
    assert {line["upstream"] in rasa for line in same_turn} == {True, False}
    rasa_token = scaled.stack.environment()["PITLANE_RASA_TOKEN"]
    for secret in ("token=", "?", API_TOKEN, REST_TOKEN, rasa_token, "bad id!"):
        assert secret not in text
