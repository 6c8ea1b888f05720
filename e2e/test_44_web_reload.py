"""SIGHUP reaches the HTTP side of `pixelgate serve`, together with the relay's engine.

Token keys are rotated the documented way (add a line to the key file, point [tokens] key_id at
it, reload): the gate opens the links the relay seals after the reload and the links sealed before
it; retiring the old key (drop its line, reload) makes only the old links answer the GIF, which also
shows the new links were sealed with the new key. API tokens are swapped by the same reload. A
reload whose HTTP settings are bad (an unparseable trusted_proxies) is refused as a whole: the old
API token keeps working and the relay keeps sealing with the key the gate knows.
"""
from __future__ import annotations

import os
import signal

from peers import wait_until
from webutil import API_TOKEN, GIF43, links, request, web_relay  # noqa: F401  (web_relay is a fixture)

ADDR = "rotation@example.org"
NEW_API_TOKEN = "e2e-rotated-api-token-0123456789"


def write_keys(path, *lines: str) -> None:
    path.write_text("".join(l + "\n" for l in lines))
    os.chmod(path, 0o600)


def reload(web, **expect: str) -> dict[str, str]:
    """SIGHUP, then the first `reload` event logged after it."""
    before = len(web.pg.events("reload"))
    web.pg.signal(signal.SIGHUP)
    evs = wait_until(lambda: (lambda e: e if len(e) > before else None)(web.pg.events("reload")), 10, "a reload event")
    ev = evs[before]
    assert web.pg.alive(), web.pg.stderr_text()[-2000:]
    for k, v in expect.items():
        assert ev.get(k) == v, f"reload event {ev}, wanted {k}={v}"
    return ev


def gate_link(web) -> str:
    found = links(web.send_and_read(ADDR, declare="attribute"))
    assert len(found["o"]) == 1, found
    return found["o"][0]


def api_status(web, token: str) -> int:
    return request(web.url("/api/v1/consents/rotation%40example.org"), headers={"Authorization": f"Bearer {token}"}).status


def test_sighup_rotates_token_keys_and_api_tokens(web_relay, workdir):
    keys = workdir / "token.keys"
    write_keys(keys, "1:" + "11" * 32)
    web = web_relay(extra_config=f'\n[tokens]\nkey_file = "{keys}"\nkey_id = 1\n')
    web.consent("grant", ADDR, "open_measurement", "--source", "e2e")
    old_link = gate_link(web)
    assert request(old_link).status == 302
    assert api_status(web, API_TOKEN) == 200

    write_keys(keys, "1:" + "11" * 32, "2:" + "22" * 32)
    cfg = web.pg.config_path.read_text()
    web.pg.config_path.write_text(cfg.replace("key_id = 1", "key_id = 2").replace(API_TOKEN, NEW_API_TOKEN))
    reload(web, status="ok")
    new_link = gate_link(web)
    assert request(new_link).status == 302, "the gate must open a link sealed with the new key"
    assert request(old_link).status == 302, "links sent before the rotation keep working"
    assert api_status(web, API_TOKEN) == 401, "the replaced API token is refused after the reload"
    assert api_status(web, NEW_API_TOKEN) == 200

    write_keys(keys, "2:" + "22" * 32)               # retire key 1
    reload(web, status="ok")
    old = request(old_link)
    assert old.status == 200 and old.body == GIF43, "a link sealed with a retired key is no longer opened"
    assert request(new_link).status == 302, "the new link was sealed with key 2"
    web.assert_healthy()


def test_sighup_with_bad_http_settings_changes_nothing(web_relay, workdir):
    keys = workdir / "token.keys"
    write_keys(keys, "1:" + "11" * 32)
    web = web_relay(extra_config=f'\n[tokens]\nkey_file = "{keys}"\nkey_id = 1\n')
    web.consent("grant", ADDR, "open_measurement", "--source", "e2e")
    write_keys(keys, "1:" + "11" * 32, "2:" + "22" * 32)
    cfg = web.pg.config_path.read_text()
    bad = cfg.replace("key_id = 1", "key_id = 2").replace(API_TOKEN, NEW_API_TOKEN) \
             .replace("[http]\n", '[http]\ntrusted_proxies = ["not-a-network"]\n', 1)
    web.pg.config_path.write_text(bad)
    ev = reload(web)
    assert ev.get("status") == "failed" and "trusted_proxies" in ev.get("error", ""), ev
    assert api_status(web, API_TOKEN) == 200, "a refused reload keeps the old API token"
    link = gate_link(web)
    assert request(link).status == 302, "the relay still seals with a key the gate knows"
    web.assert_healthy()
