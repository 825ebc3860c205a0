"""trmgolf report: one self-contained HTML page of a submission, checked as HTML and, in the slow
tier, in headless Chromium (screenshot and the table after the page's script ran)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from submission_fixtures import make_subs

from trmgolf.cli import cli


class Table(HTMLParser):
    """The rows (id, cells' data-v), the totals cells and every external reference of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self.totals: dict[str, str] = {}
        self.external: list[str] = []
        self.body: dict[str, str] = {}
        self._in_body = self._total = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        for key in ("src", "href"):
            if key in a and not a[key].startswith(("data:", "#")):
                self.external.append(a[key])
        if tag == "body":
            self.body = a
        if tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body and a.get("id"):
            self.rows.append((a["id"], []))
        elif tag == "td" and self._in_body and self.rows:
            self.rows[-1][1].append(a.get("data-v", ""))
        elif tag == "td" and a.get("id", "").startswith("total-"):
            self._total = a["id"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        if tag == "td":
            self._total = None

    def handle_data(self, data: str) -> None:
        if self._total:
            self.totals[self._total] = self.totals.get(self._total, "") + data


def parse(text: str) -> Table:
    t = Table()
    t.feed(text)
    return t


@pytest.fixture()
def merged(tmp_path):
    subs = make_subs(tmp_path)
    best = tmp_path / "best.zip"
    res = CliRunner().invoke(cli, ["merge", str(subs.a), str(subs.b), "-o", str(best), "--data",
                                   str(subs.data), "--jobs", "1", "--no-thread-check"])
    assert res.exit_code == 0, res.output
    return subs, best


def write_page(merged, page):
    """``trmgolf report`` of the merged zip into ``page``; the command's output."""
    subs, best = merged
    res = CliRunner().invoke(cli, ["report", str(best), "-o", str(page), "--data", str(subs.data),
                                   "--jobs", "1"])
    assert res.exit_code == 0, res.output
    return res.output


def test_report_page_rows_sources_and_no_external_file(merged, tmp_path) -> None:
    subs, best = merged
    page = tmp_path / "report.html"
    output = write_page(merged, page)
    assert "3 tasks, 3 exact" in output and "best.scores.csv" in output
    text = page.read_text()
    t = parse(text)
    assert [r[0] for r in t.rows] == ["task001", "task002", "task003"]
    assert t.external == []  # CSS, script and images are all inline
    assert text.count("data:image/png;base64,") == 3
    sources = {task: cells[6] for task, cells in t.rows}
    assert sources == {"task001": str(subs.b), "task002": str(subs.a), "task003": str(subs.b)}
    summary = re.search(r'data-points="([\d.]+)"', text).group(1)
    assert float(summary) == pytest.approx(sum(float(c[1]) for _, c in t.rows), abs=2e-3)
    again = tmp_path / "again.html"
    write_page(merged, again)
    assert again.read_bytes() == page.read_bytes()


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return name
    pytest.skip("no headless Chromium (Debian: apt-get install -y chromium)")


def _headless(*args: str) -> subprocess.CompletedProcess:
    cmd = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--virtual-time-budget=5000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True)


@pytest.mark.slow
def test_report_opens_in_headless_chromium(merged, tmp_path) -> None:
    from matplotlib.image import imread

    page = tmp_path / "report.html"
    write_page(merged, page)
    shot = tmp_path / "shot.png"
    _headless(f"--screenshot={shot}", "--window-size=1000,600", page.as_uri())
    img = imread(io.BytesIO(shot.read_bytes()))
    assert img.shape[:2] == (600, 1000)
    assert img[..., :3].std() > 0.05  # not blank: text, lines and thumbnails
    assert len({tuple(p) for p in (img[::7, ::7, :3] * 255).astype(int).reshape(-1, 3)}) > 8
    # after the page's script ran: totals row written, rows sorted by the address's #sort=-points
    dom = parse(_headless("--dump-dom", page.as_uri() + "#sort=-points").stdout)
    assert dom.body.get("data-ready") == "1" and dom.body.get("data-sorted") == "-points"
    points = [float(cells[1]) for _, cells in dom.rows]
    assert points == sorted(points, reverse=True) and len(points) == 3
    assert dom.totals["total-tasks"] == "3 tasks" and dom.totals["total-exact"] == "3 exact"
    assert float(dom.totals["total-points"]) == pytest.approx(sum(points), abs=2e-3)
    assert Path(page).stat().st_size < 40_000


def test_report_reuses_the_scores_of_the_same_networks_from_the_merge_table(merged, tmp_path) -> None:
    """A row of best.scores.csv whose sha256 is the network's is not run again on every example
    (here its points are edited to show which value the page took); another sha256 is rescored."""
    import csv

    subs, best = merged
    table = tmp_path / "best.scores.csv"
    with open(table, newline="") as f:
        rows = list(csv.DictReader(f))
    real = {r["task"]: r["points"] for r in rows}
    rows[2]["points"] = "24.5"  # task003: same network, edited points
    rows[0]["points"], rows[0]["sha256"] = "1.0", "0" * 64  # task001: another network's row
    with open(table, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    page = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["report", str(best), "-o", str(page), "--data", str(subs.data),
                                   "--jobs", "1"])
    assert res.exit_code == 0, res.output
    points = {task: cells[1] for task, cells in parse(page.read_text()).rows}
    assert float(points["task003"]) == 24.5
    assert float(points["task001"]) == pytest.approx(float(real["task001"]), abs=1e-3)


def test_score_table_round_trip(tmp_path) -> None:
    from trmgolf.scoring.networks import NetworkScore
    from trmgolf.submission.scorecard import read_network_scores, scores_csv

    scores = {5: NetworkScore("task005", 5, "ab" * 32, True, memory=12, params=3, points=22.3, exact=False,
                              passed=4, examples=6, consistent=True, failure="test[0]", failed_split="test",
                              failed_index=0),
              6: NetworkScore("task006", 6, "cd" * 32, False, rule="ops", reason="Loop is banned")}
    path = tmp_path / "t.csv"
    path.write_text(scores_csv(scores))
    back = read_network_scores(path)
    assert back[6] == scores[6]
    assert back[5].earned == 0.0 and back[5].failed_index == 0 and back[5].memory == 12
    lines = path.read_text().splitlines()  # without the optional columns (first failure's place)
    cut = [",".join(c for i, c in enumerate(line.split(",")) if i not in (14, 15)) for line in lines]
    assert lines[0].split(",")[14:16] == ["failed_split", "failed_index"]
    path.write_text("\n".join(cut) + "\n")
    assert read_network_scores(path)[5].failed_index is None and read_network_scores(path)[6] == scores[6]
