"""The PDF rendition of an electronic certificate: Chinese text in an embedded CJK font and a
QR code of the verification URL."""

from __future__ import annotations

import io
import subprocess
from functools import lru_cache
from typing import Any

FONT_NAME = "LandflowCJK"
CANDIDATES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
              "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


@lru_cache(maxsize=1)
def _font() -> str:
    from pathlib import Path

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    paths = [p for p in CANDIDATES if Path(p).exists()]
    if not paths:
        found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True,
                               text=True, check=False).stdout.strip()
        if found and Path(found).exists():
            paths = [found]
    if not paths:
        from api.charts import FontMissing

        raise FontMissing("no CJK font installed (Debian: fonts-wqy-microhei)")
    pdfmetrics.registerFont(TTFont(FONT_NAME, paths[0], subfontIndex=0))
    return FONT_NAME


USE_ZH = {"industrial": "工业用地", "commercial": "商业服务业用地",
          "commodity_housing": "城镇住宅用地", "residential": "城镇住宅用地", "tourism": "旅游用地",
          "public_service": "公共管理与公共服务用地", "infrastructure": "公用设施用地",
          "education": "教育用地"}


def render(cert: dict[str, Any], verify_url: str) -> bytes:
    import qrcode
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    font = _font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    c.setTitle(cert["number"])
    c.setAuthor("石柱土家族自治县规划和自然资源局")
    width, height = A4
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 40 * mm, "中华人民共和国不动产权证书")
    c.setFont(font, 12)
    c.drawCentredString(width / 2, height - 50 * mm, cert["number"])
    rows = [
        ("权利人", cert["right_holder"]),
        ("不动产单元", f"{cert['parcel_code']}（{cert['township']}）"),
        ("权利类型", "国有建设用地使用权"),
        ("用途", USE_ZH.get(cert["use"], cert["use"])),
        ("面积", f"{cert['area_m2']} 平方米"),
        ("使用期限", f"{cert['term_from']} 起 {cert['term_years']} 年，至 {cert['term_to']}"
         if cert.get("term_years") else "划拨（无固定期限）"),
        ("登簿日期", cert["issued_on"]),
        ("状态", "有效" if cert["status"] == "valid" else "已注销"),
        ("核验码", cert["verification_code"]),
    ]
    y = height - 70 * mm
    for label, value in rows:
        c.setFont(font, 12)
        c.drawString(25 * mm, y, label)
        c.drawString(60 * mm, y, str(value))
        y -= 10 * mm
    image = qrcode.make(verify_url, box_size=6, border=2)
    png = io.BytesIO()
    image.save(png, format="PNG")
    png.seek(0)
    c.drawImage(ImageReader(png), width - 70 * mm, 30 * mm, 45 * mm, 45 * mm)
    c.setFont(font, 9)
    c.drawString(25 * mm, 62 * mm, "扫描二维码或访问以下地址核验本证书的真实性与有效性：")
    line_y = 57 * mm
    for start in range(0, len(verify_url), 70):  # the whole URL, wrapped
        c.drawString(25 * mm, line_y, verify_url[start:start + 70])
        line_y -= 4.5 * mm
    c.drawString(25 * mm, 22 * mm, "石柱土家族自治县不动产登记中心（电子证照）")
    c.showPage()
    c.save()
    return buf.getvalue()
