"""reports/index.html opened in a real headless browser, and report.json against its schema.

The browser is Chromium from Debian's packages (``.ci/run`` installs it), driven directly:
``--dump-dom`` gives the page after its scripts ran, ``--screenshot`` keeps a picture in the
test's temporary folder. Without a browser the test is skipped, except under CI (``CI`` set),
where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import matplotlib.image
import pytest

from numerics.claims.catalogue import IDS

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "schemas" / "report.schema.json"


def test_report_json_validates_against_its_schema(quick_report):
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads((quick_report.path / "report.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    bad = dict(data, claims=[dict(data["claims"][0], status="wrong-word")])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(bad)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    if os.environ.get("CI"):
        pytest.fail("CI is set but no Chromium is installed (.ci/run installs Debian's "
                    "chromium package)")
    pytest.skip("no Chromium on PATH (apt-get install -y chromium) — the HTML report is not "
                "tested in a browser here")


class _Dom(HTMLParser):
    """What the test reads off the DOM: findings rows, images, graph nodes, external URLs."""

    def __init__(self):
        super().__init__()
        self.rows, self.images, self.nodes, self.external = [], [], [], []
        self.body: dict[str, str | None] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        if tag == "tr" and "finding" in (a.get("class") or ""):
            self.rows.append(a["data-id"])
        if tag == "img":
            self.images.append(a)
        if tag == "g" and a.get("class") == "node":
            self.nodes.append(a["data-id"])
        for k in ("src", "href"):
            if (a.get(k) or "").startswith(("http:", "https:", "//")):
                self.external.append(a[k])


def test_html_report_in_headless_chromium(quick_report, tmp_path):
    exe = _chromium()
    page = quick_report.path / "index.html"
    flags = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True,
                         text=True, timeout=180, check=True).stdout
    parsed = _Dom()
    parsed.feed(dom)
    data = quick_report.data
    expected = [f["id"] for f in data["findings"] if f["shown"]]
    assert parsed.rows == expected and len(expected) >= 21  # most severe first, as in the JSON
    figures = [f for c in data["claims"] for s in c["subchecks"] for f in s["figures"]]
    assert figures and len(parsed.images) == len(figures)
    assert all(i["src"].startswith("data:image/png;base64,") for i in parsed.images)
    assert all(i.get("data-decoded") == "yes" for i in parsed.images)  # set by the page
    assert parsed.body.get("data-images") == f"{len(figures)}/{len(figures)}"
    assert set(IDS) <= set(parsed.nodes)  # a node per catalogue ID
    assert len(parsed.nodes) == len(set(parsed.nodes)) == len(data["graph"]["nodes"])
    assert not parsed.external and "<script src" not in page.read_text()
    shot = tmp_path / "index.png"
    subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1400,2400", page.as_uri()],
                   capture_output=True, timeout=180, check=True)
    img = matplotlib.image.imread(shot)
    assert img.shape[:2] == (2400, 1400) and img.std() > 0  # a picture, not a blank page
