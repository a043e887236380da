"""The action server (``wegwijzer actions``) answers only its own Rasa server: token, body limits, loopback."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

from wegwijzer.rasa.action_server import check_call, inflate, is_authorized, run
from wegwijzer.settings import ActionServerSettings
from tests.conftest import REFERRAL_DIR
from tests.servers import free_port, wait_for

VENV_BIN = Path(sys.executable).parent
TOKEN = "test-actions-token"
SETTINGS = ActionServerSettings(token=TOKEN, body_limit=1000)
BEARER = f"Bearer {TOKEN}"


def forged_handoff(sender: str = "someone-else") -> dict:
    """The forged call from issue 11: a made-up tracker with consent given and contact details."""
    slots = {"consent": True, "need": "kennis", "place": "Goor", "municipality": "Hof van Twente",
             "region": "twente", "sector": "industrie", "employees": "35", "language": "nl",
             "contact_name": "Aanvaller", "contact_email": "slachtoffer@example.test",
             "request_text": "spam", "company_name": "geen"}
    return {"next_action": "action_handoff", "sender_id": sender, "version": "3.6.2", "domain": {},
            "tracker": {"sender_id": sender, "slots": slots, "latest_message": {"text": "ja", "intent": {"name": "affirm"}},
                        "events": [], "paused": False, "followup_action": None, "active_loop": {},
                        "latest_action_name": "action_listen"}}


# -- the checks, without a server -------------------------------------------------------------------

def test_the_token_is_required_when_set_and_compared_exactly():
    assert is_authorized(None, None) and is_authorized("anything", None)
    assert is_authorized(BEARER, TOKEN)
    for wrong in (None, "", TOKEN, f"Bearer {TOKEN}x", f"bearer {TOKEN}", "Bearer ", "Bearer t\u00ebst"):
        assert not is_authorized(wrong, TOKEN), wrong


def test_a_call_without_the_token_is_refused_before_its_body_is_looked_at():
    assert check_call(None, "gzip", b"\xff" * 5000, SETTINGS)[1].status == 401


@pytest.mark.parametrize("encoding, body, status", [
    (None, b"x" * 1001, 413),
    ("deflate", zlib.compress(b" " * 100_000), 413),     # 100 kB from a few hundred bytes
    ("deflate", zlib.compress(b"{}")[:-3], 400),          # cut off
    ("deflate", b"not deflate", 400),
    ("gzip", b"\x1f\x8b", 415),
    ("br", b"{}", 415),
    (None, b"[1, 2]", 400),
    (None, b"\xff\xfe{}", 400),
    (None, b"[" * 900, 400),                              # nested too deep to parse, within the limit
    (None, b"", 400),
])
def test_bodies_that_are_too_large_compressed_or_not_objects_are_refused(encoding, body, status):
    call, refusal = check_call(BEARER, encoding, body, SETTINGS)
    assert call is None and refusal.status == status


def test_a_deflate_body_within_the_limit_is_inflated_once():
    call, refusal = check_call(BEARER, "Deflate", zlib.compress(b'{"next_action": "x"}'), SETTINGS)
    assert refusal is None and call == {"next_action": "x"}


def test_inflating_never_holds_more_than_the_limit():
    with pytest.raises(OverflowError):
        inflate(zlib.compress(b"a" * 10_000_000), 1000)
    assert inflate(zlib.compress(b"a" * 1000), 1000) == b"a" * 1000


def test_the_server_refuses_to_listen_beyond_this_machine_without_a_token():
    with pytest.raises(SystemExit, match="ACTIONS_TOKEN"):
        run(ActionServerSettings(host="0.0.0.0"))
    assert ActionServerSettings.from_env({}).host == "127.0.0.1"


# -- the real server --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``wegwijzer actions`` with a token, on a free port, with the referral data loaded."""
    workdir = tmp_path_factory.mktemp("actions")
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "ACTIONS_HOST"}, "DATABASE_URL": f"sqlite:///{workdir / 'w.db'}",
           "TRACKER_DATABASE_URL": f"sqlite:///{workdir / 'tracker.db'}", "ACTIONS_PORT": str(port),
           "ACTIONS_TOKEN": TOKEN, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "RASA_TELEMETRY_ENABLED": "false"}
    subprocess.run([VENV_BIN / "wegwijzer", "data", "load", str(REFERRAL_DIR)], env=env, check=True, capture_output=True)
    log = open(workdir / "actions.log", "wb")
    process = subprocess.Popen([VENV_BIN / "wegwijzer", "actions"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/health", 90, process)
        yield {"url": f"http://127.0.0.1:{port}", "port": port, "env": env, "process": process}
    finally:
        process.terminate()
        process.wait(30)
        log.close()


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def stored_handoffs(server) -> list:
    out = subprocess.run([VENV_BIN / "wegwijzer", "handoffs", "list", "--json"], env=server["env"], check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout)


def test_health_is_open_and_the_server_listens_on_loopback_only(server):
    with urllib.request.urlopen(f"{server['url']}/health", timeout=5) as response:
        assert response.status == 200
    listening = [line.split()[1] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == server["port"]]
    assert listening == [f"0100007F:{server['port']:04X}"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}],
                         ids=["no token", "wrong token", "token without scheme"])
def test_forged_handoff_and_erase_calls_without_the_token_run_no_action(server, headers):
    status, body = post(f"{server['url']}/webhook", json.dumps(forged_handoff()).encode(), headers)
    assert status == 401 and b"events" not in body
    erase = {**forged_handoff(), "next_action": "action_erase_data"}
    assert post(f"{server['url']}/webhook", json.dumps(erase).encode(), headers)[0] == 401
    assert post(f"{server['url']}/webhook", zlib.compress(json.dumps(erase).encode()),
                {**headers, "Content-Encoding": "deflate"})[0] == 401
    assert stored_handoffs(server) == []
    request = urllib.request.Request(f"{server['url']}/actions", headers=headers)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401


def test_with_the_token_actions_run(server):
    call = {**forged_handoff("caller-1"), "next_action": "action_human_contact"}
    status, body = post(f"{server['url']}/webhook", json.dumps(call).encode(), {"Authorization": BEARER})
    assert status == 200 and "responses" in json.loads(body)
    status, body = post(f"{server['url']}/webhook", zlib.compress(json.dumps(call).encode()),
                        {"Authorization": BEARER, "Content-Encoding": "deflate"})
    assert status == 200 and "responses" in json.loads(body)


def test_a_deflate_bomb_and_an_oversized_body_are_refused_and_the_server_stays_up(server):
    bomb = zlib.compress(b" " * 100_000_000, 9)   # about 97 kB that would become 100 MB
    assert len(bomb) < 200_000
    assert post(f"{server['url']}/webhook", bomb, {"Authorization": BEARER, "Content-Encoding": "deflate"})[0] == 413
    assert post(f"{server['url']}/webhook", b" " * 2_000_000, {"Authorization": BEARER})[0] == 413
    assert post(f"{server['url']}/webhook", b"[" * 100_000, {"Authorization": BEARER})[0] == 400
    assert server["process"].poll() is None
    with urllib.request.urlopen(f"{server['url']}/health", timeout=5) as response:
        assert response.status == 200
