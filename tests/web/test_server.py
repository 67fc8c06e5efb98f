"""The page server without a browser: the clinic's numbers come from the clinic profile at serve time, the
widget's config says where the Rasa server is, nothing outside static/ is served."""
from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
import requests

from bot.clinic import load_profile
from bot.web import server

PROFILE = load_profile()


@pytest.fixture(scope="module")
def base_url():
    httpd = server.make_server("127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_page_shows_the_clinic_profile_with_tap_to_call_links(base_url):
    response = requests.get(base_url + "/", timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    page = response.text
    assert "$" not in page.split("<body>")[1]  # every placeholder was filled
    for number in (PROFILE.office_phone, PROFILE.on_call_phone, PROFILE.emergency_number):
        assert f'<a href="{server.tel_href(number)}">{number}</a>' in page
    assert "Riverside Spine Center" in page and "Kyphoplasty and Vertebroplasty" in page
    assert '<script src="/static/widget.js" defer></script>' in page


def test_no_phone_number_is_written_into_the_static_files():
    web = Path(server.__file__).parent
    for path in [server.TEMPLATE, *sorted((web / "static").iterdir())]:
        text = path.read_text(encoding="utf-8")
        for number in (PROFILE.office_phone, PROFILE.on_call_phone):
            assert number not in text, f"{number} written into {path.name}"
        assert not re.search(r"\(?\b\d{3}\)?[ .-]\d{3}-\d{4}\b", text), f"a phone number in {path.name}"


def test_the_widget_config_comes_from_the_profile_and_the_environment(base_url, monkeypatch):
    monkeypatch.setenv("RASA_PORT", "5999")
    config = requests.get(base_url + "/config.json", timeout=5).json()
    assert config["rasa_port"] == 5999 and config["rasa_url"] is None
    assert config["clinic"]["emergency_number"] == PROFILE.emergency_number
    assert config["clinic"]["number_for_now"] in (PROFILE.office_phone, PROFILE.on_call_phone)
    csp = requests.get(base_url + "/", timeout=5).headers["Content-Security-Policy"]
    assert "connect-src 'self' http://127.0.0.1:5999 https://127.0.0.1:5999;" in csp
    assert "script-src 'self';" in csp

    monkeypatch.setenv("WEB_RASA_URL", "https://chat.clinic.example")
    assert requests.get(base_url + "/config.json", timeout=5).json()["rasa_url"] == "https://chat.clinic.example"
    assert "connect-src 'self' https://chat.clinic.example;" in requests.get(base_url + "/", timeout=5).headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/static/../server.py", "/static/%2e%2e/server.py", "/static/", "/templates/index.html",
                                  "/static/nothing.js", "/../README.md", "/etc/passwd"])
def test_only_the_static_files_are_served(base_url, path):
    response = requests.get(base_url + path, timeout=5)
    assert response.status_code == 404
    assert "import" not in response.text


def test_a_hostile_host_header_does_not_reach_the_policy(base_url):
    response = requests.get(base_url + "/", headers={"Host": "evil.example; script-src *"}, timeout=5)
    assert "connect-src 'self';" in response.headers["Content-Security-Policy"]
    assert json.loads(requests.get(base_url + "/config.json", timeout=5).text)["clinic"]["name"] == PROFILE.name


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_other_methods_get_405_with_the_security_headers(base_url, method):
    response = requests.request(method, base_url + "/", data=b"<script>x</script>", timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_a_malformed_request_gets_400_and_the_server_stays_up(base_url):
    import socket

    host, port = base_url.rsplit("//", 1)[1].split(":")
    for raw in (b"\x00\xff\xfe garbage\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", b"GET\r\n\r\n"):
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(raw)
            answer = sock.recv(200)
        assert answer == b"" or answer.startswith(b"HTTP/1.") and b" 400 " in answer[:20] or b" 414 " in answer[:20]
    assert requests.get(base_url + "/health", timeout=5).status_code == 200
