"""The nameplate drawing (OUT-2, OUT-6): a 600×400 mm SVG with the official name in the
prescribed fonts and CJK fallbacks, the regulator's name winning, every line within the
plate."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from outlets.services import registry as registry_service
from outlets.services.nameplate import nameplate_lines, nameplate_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg.split("?>", 1)[1])


def texts(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{SVG}text")


def test_out_6_plate_is_600_by_400_mm_with_the_prescribed_fonts(profile_a):
    root = parse(nameplate_svg(profile=profile_a))
    assert root.get("viewBox") == "0 0 600 400"
    assert (root.get("width"), root.get("height")) == ("600mm", "400mm")
    lines = {node.text: node.get("font-family") for node in texts(root)}
    assert set(lines) == {"PICC中国人民保险", "阳山县阳城镇", "三农营销服务部"}
    assert lines["阳山县阳城镇"].startswith("'HYZhongSongJ', '汉仪中宋简'")
    assert lines["三农营销服务部"].startswith("'HYDaHeiJ', '汉仪大黑简'")
    # CJK fallbacks after the Hanyi fonts.
    assert "Noto Serif CJK SC" in lines["阳山县阳城镇"]
    assert "Noto Sans CJK SC" in lines["三农营销服务部"]
    assert "aluminium-plastic" in root.find(f"{SVG}desc").text
    assert root.find(f"{SVG}title").text == profile_a.official_name


def test_out_6_every_line_fits_the_plate(profile_a):
    for node in texts(parse(nameplate_svg(profile=profile_a))):
        assert float(node.get("textLength")) <= 600 - 2 * 40
        assert 0 < float(node.get("y")) < 400


def test_out_2_imposed_name_is_drawn(profile_a, county_manager):
    registry_service.official_name_impose(
        by=county_manager,
        profile=profile_a,
        name="阳山县阳城镇农村保险综合服务站<试点>",
        reason="县金融办要求",
    )
    svg = nameplate_svg(profile=profile_a)
    assert "&lt;试点&gt;" in svg  # escaped
    words = "".join(node.text for node in texts(parse(svg)))
    assert words == "阳山县阳城镇农村保险综合服务站<试点>"
    assert len(nameplate_lines(name=profile_a.official_name)) == 2  # wrapped


@pytest.mark.parametrize("user", ["outlet_head_a", "clerk_a"])
def test_out_6_nameplate_page_downloads_the_svg(profile_a, user, request):
    client = Client()
    client.force_login(request.getfixturevalue(user))
    response = client.get(f"/outlets/{profile_a.outlet_id}/nameplate.svg?download=1")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == 'attachment; filename="nameplate-44182301.svg"'
    assert "阳山县阳城镇" in response.content.decode()


def test_out_6_nameplate_of_another_outlet_is_404(profile_a, clerk_b):
    client = Client()
    client.force_login(clerk_b)
    assert client.get(f"/outlets/{profile_a.outlet_id}/nameplate.svg").status_code == 404
