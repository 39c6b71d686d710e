"""Electronic certificates: issued at registration, verified without login, revocable, PDF."""

from __future__ import annotations

import io
from urllib.parse import quote

from pypdf import PdfReader


def registered(client, world):
    pid = world.parcel_in("inspected")
    world.prepare(pid, "register")
    r = client.fire(pid, "register", {"right_holder": "石柱县某实业有限公司"})
    assert r.status_code == 200, r.get_json()
    return pid, r.get_json()


def test_registration_issues_a_certificate_that_verifies(client, world):
    pid, out = registered(client, world)
    cert = out["certificate"]
    assert cert["number"].startswith("渝(2025)石柱县不动产权第") and cert["number"].endswith("号")
    assert out["parcel"]["certificate"]["number"] == cert["number"]
    url = f"/api/v1/certificates/{quote(cert['number'])}/verify"
    ok = client.http.get(url, query_string={"code": cert["verification_code"]})
    assert ok.status_code == 200 and ok.get_json()["valid"] is True
    assert ok.get_json()["right_holder"] != "石柱县某实业有限公司"  # masked for the public
    lower = client.http.get(url, query_string={"code": cert["verification_code"].lower()
                                               .replace("-", "")})
    assert lower.get_json()["valid"] is True


def test_a_wrong_code_or_a_revoked_certificate_does_not_verify(client, world):
    _, out = registered(client, world)
    cert = out["certificate"]
    url = f"/api/v1/certificates/{quote(cert['number'])}"
    wrong = cert["verification_code"][:-1] + ("A" if cert["verification_code"][-1] != "A"
                                              else "B")
    bad = client.http.get(url + "/verify", query_string={"code": wrong}).get_json()
    assert bad["valid"] is False and bad["reason"] == "not valid"
    assert client.post(url + "/revoke", {"date": "2026-01-05", "reason": "x"},
                       who="clerk").status_code == 403
    r = client.post(url + "/revoke", {"date": "2026-01-05", "reason": "登记错误，依法注销"},
                    who="approver")
    assert r.status_code == 200 and r.get_json()["status"] == "revoked"
    gone = client.http.get(url + "/verify",
                           query_string={"code": cert["verification_code"]}).get_json()
    assert gone["valid"] is False and gone["reason"] == "revoked"
    unknown = client.http.get("/api/v1/certificates/nope/verify", query_string={"code": "x"})
    assert unknown.get_json()["valid"] is False


def test_the_pdf_has_chinese_text_and_the_verification_qr_code(client, world):
    _, out = registered(client, world)
    number = out["certificate"]["number"]
    with client.get(f"/api/v1/certificates/{quote(number)}.pdf", who="clerk") as r:
        assert r.status_code == 200 and r.mimetype == "application/pdf"
        pdf = r.get_data()
    assert pdf.startswith(b"%PDF")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    text = page.extract_text()
    # The text extracts as Chinese: the embedded CJK font maps its glyphs back to Unicode.
    assert "中华人民共和国不动产权证书" in text and "石柱县某实业有限公司" in text
    fonts = [f["/BaseFont"] for f in page["/Resources"]["/Font"].values()
             if "/BaseFont" in f.get_object()]
    assert any("WenQuanYi" in str(f) or "CJK" in str(f) for f in fonts), fonts
    assert len(page.images) == 1  # the QR code
    url = "".join(text.split())
    assert "/verify?code=" + out["certificate"]["verification_code"] in url


def test_an_unknown_number_and_a_wrong_code_get_one_answer(client, world):
    _, out = registered(client, world)
    cert = out["certificate"]
    wrong = cert["verification_code"][:-1] + ("A" if cert["verification_code"][-1] != "A"
                                              else "B")
    unknown_number = cert["number"].replace("第", "第9")
    answers = []
    for number, code in ((cert["number"], wrong), (unknown_number, cert["verification_code"])):
        r = client.http.get(f"/api/v1/certificates/{quote(number)}/verify",
                            query_string={"code": code})
        assert r.status_code == 200
        body = r.get_json()
        assert body.pop("number") == number
        answers.append(body)
    assert answers[0] == answers[1]
    assert answers[0]["valid"] is False and answers[0]["message"]["zh"]


def test_wrong_codes_are_limited_per_client(client, world, runtime):
    _, out = registered(client, world)
    cert = out["certificate"]
    url = f"/api/v1/certificates/{quote(cert['number'])}/verify"
    limit = runtime.settings.verify_failures_per_minute

    def check(code, addr="10.3.0.1"):
        return client.http.get(url, query_string={"code": code},
                               environ_base={"REMOTE_ADDR": addr})

    for i in range(limit):
        assert check(f"WRONG-{i:04d}").get_json()["valid"] is False
    r = check("WRONG-LAST")
    assert r.status_code == 429 and r.get_json()["code"] == "RATE_LIMITED"
    assert int(r.headers["Retry-After"]) >= 1
    # Guessing is over for this client, right code or not; other clients are not affected.
    assert check(cert["verification_code"]).status_code == 429
    ok = check(cert["verification_code"], addr="10.3.0.2")
    assert ok.status_code == 200 and ok.get_json()["valid"] is True


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_the_qr_code_opens_a_chinese_page_in_a_browser_and_json_for_programs(client, world):
    """Issue 14 item 3: the QR code's address is a human-readable verification page."""
    _, out = registered(client, world)
    cert = out["certificate"]
    url = f"/api/v1/certificates/{quote(cert['number'])}/verify"
    page = client.http.get(url, query_string={"code": cert["verification_code"]},
                           headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "不动产权证书核验" in html and "证书真实有效" in html and cert["number"] in html
    assert "石柱县某实业有限公司" not in html  # the holder masked, as in JSON
    assert page.headers["Vary"] == "Accept"
    wrong = client.http.get(url, query_string={"code": "AAAA-AAAA-AAAA-AAAA"},
                            headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "证书编号或校验码不正确" in wrong and "证书真实有效" not in wrong
    for accept in ("application/json", "*/*"):
        r = client.http.get(url, query_string={"code": cert["verification_code"]},
                            headers={"Accept": accept})
        assert r.mimetype == "application/json" and r.get_json()["valid"] is True


def test_the_qr_code_points_at_the_public_url(app, client, world, runtime):
    """LANDFLOW_PUBLIC_URL, not 127.0.0.1:8000, is what a certificate's QR code opens."""
    from dataclasses import replace

    _, out = registered(client, world)
    number = out["certificate"]["number"]
    runtime.settings = replace(runtime.settings, public_url="https://landflow.shizhu.example")
    with client.get(f"/api/v1/certificates/{quote(number)}.pdf", who="clerk") as r:
        text = "".join(PdfReader(io.BytesIO(r.get_data())).pages[0].extract_text().split())
    assert "https://landflow.shizhu.example/api/v1/certificates/" in text
    assert "127.0.0.1" not in text
