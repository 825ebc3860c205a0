"""``trmgolf report SUBMISSION -o report.html``: one self-contained HTML page of a submission.

A row per task: points, cost (memory + params), examples passed, where the network came
from (the ``source`` / ``family`` of a score table beside the submission or given with
``--scores``) and a thumbnail of one example: input, expected output and the network's
answer (the first failing example, else the first test example), as an inline PNG. A network
whose row a ``cost`` / ``merge`` table already holds (same sha256) is not run again on every
example. The
columns sort by a click on their header (or ``#sort=COLUMN`` / ``#sort=-COLUMN`` in the
address); the page's script also writes the totals row from the rows it shows. No file
besides the page: CSS, script and images are inline.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trmgolf.errors import UserError
from trmgolf.progress import make_progress
from trmgolf.scoring.networks import NetworkScore, read_networks, score_network
from trmgolf.submission.results import write_atomic
from trmgolf.submission.runner import execute
from trmgolf.submission.score_tables import ScoreRow, read_scores
from trmgolf.submission.scorecard import read_network_scores, scores_path_beside
from trmgolf.tasks import load_task_file, resolve_task_path

Echo = Callable[[str], None]
THUMBNAIL_PX = 36  # each grid of a thumbnail at most this many pixels a side


@dataclass
class ReportJob:
    number: int
    data: bytes
    task_path: str
    known: NetworkScore | None = None  # this very network's score from a table (same sha256)


@dataclass
class ReportRow:
    score: NetworkScore
    example: str  # which example the thumbnail shows
    thumbnail: bytes


def report_job(job: ReportJob) -> ReportRow:
    """Score one network on every example, and draw one example with its answer."""
    from trmgolf.scoring.answers import run_examples, task_examples
    from trmgolf.scoring.picture import thumbnail_png
    from trmgolf.tasks import grid_to_onehot

    task = load_task_file(job.task_path)
    score = job.known or score_network(job.number, job.data, task)
    examples = task_examples(task)
    wanted = (score.failed_split, score.failed_index) if score.failed_split else ("test", 0)
    split, index, ex = next((e for e in examples if (e[0], e[1]) == wanted), examples[0])
    try:
        answer = run_examples(job.data, [grid_to_onehot(ex.input)])[0]
    except (RuntimeError, UserError):  # a network that does not load or run has no answer to draw
        answer = None
    return ReportRow(score, f"{split}[{index}]", thumbnail_png(ex.input, ex.output, answer, THUMBNAIL_PX))


def find_scores(source: Path) -> Path | None:
    """A score table that says where the networks came from: ``BEST.scores.csv`` beside a
    merged zip, ``scores.csv`` beside a solve's ``submission.zip`` or inside a folder."""
    folder = source if source.is_dir() else source.parent
    for path in (scores_path_beside(source), folder / "scores.csv"):
        if path.is_file():
            return path
    return None


def build_rows(source: Path, data: str | None, known: dict[int, NetworkScore] | None = None, *,
               jobs: int = 2, progress: bool = False, log: Echo | None = None) -> list[ReportRow]:
    """A row per network; a network whose score ``known`` holds (same sha256) is not run on every
    example again, only on the one its thumbnail shows."""
    networks = read_networks(source)
    known = known or {}
    work = {}
    for n in sorted(networks):
        k = known.get(n)
        same = k is not None and k.sha256 == hashlib.sha256(networks[n]).hexdigest()
        work[n] = ReportJob(n, networks[n], str(resolve_task_path(n, data)), k if same else None)
    rows: dict[int, ReportRow] = {}
    with make_progress("", progress) as bar:
        bar_id = bar.add_task("report", total=len(work))

        def on_done(row: ReportRow) -> None:
            rows[row.score.number] = row
            bar.update(bar_id, advance=1)
            if log is not None and (len(rows) % 50 == 0 or len(rows) == len(work)):
                log(f"report: {len(rows)}/{len(work)} networks")

        execute(report_job, work, jobs, on_done)
    return [rows[n] for n in sorted(rows)]


COLUMNS = (  # (key, header, numeric)
    ("task", "task", False), ("points", "points", True), ("cost", "cost", True),
    ("memory", "memory", True), ("params", "params", True), ("passed", "examples", True),
    ("source", "source", False), ("family", "family", False), ("example", "example", False),
)

STYLE = """
body{font:13px/1.35 system-ui,sans-serif;margin:16px;color:#222;background:#fff}
h1{font-size:18px;margin:0 0 4px}
p.summary{margin:0 0 10px;color:#444}
table{border-collapse:collapse}
th,td{padding:2px 8px;border-bottom:1px solid #e4e4e4;text-align:left;white-space:nowrap}
th{position:sticky;top:0;background:#f2f2f2;cursor:pointer;user-select:none}
th.num,td.num{text-align:right}
th[data-dir=asc]::after{content:" \\25B2"}
th[data-dir=desc]::after{content:" \\25BC"}
tr.zero td{color:#b00}
tfoot td{font-weight:bold;border-top:2px solid #888}
img{image-rendering:pixelated;vertical-align:middle}
"""

SCRIPT = """
(function(){
var table=document.getElementById('tasks'),body=table.tBodies[0];
var heads=Array.prototype.slice.call(table.tHead.rows[0].cells);
function value(row,i,num){var v=row.cells[i].getAttribute('data-v');return num?parseFloat(v):v;}
function sortBy(key,desc){
 var i=heads.findIndex(function(h){return h.getAttribute('data-key')===key;});
 if(i<0)return;
 var num=heads[i].classList.contains('num');
 var rows=Array.prototype.slice.call(body.rows);
 rows.sort(function(a,b){var x=value(a,i,num),y=value(b,i,num);
  var c=num?x-y:(x<y?-1:x>y?1:0);if(c===0)c=a.id<b.id?-1:1;return desc?-c:c;});
 rows.forEach(function(r){body.appendChild(r);});
 heads.forEach(function(h){h.removeAttribute('data-dir');});
 heads[i].setAttribute('data-dir',desc?'desc':'asc');
 document.body.setAttribute('data-sorted',(desc?'-':'')+key);
}
heads.forEach(function(h){h.addEventListener('click',function(){
 sortBy(h.getAttribute('data-key'),h.getAttribute('data-dir')==='asc');});});
var rows=body.rows,points=0,exact=0;
for(var k=0;k<rows.length;k++){points+=parseFloat(rows[k].cells[1].getAttribute('data-v'));
 if(rows[k].getAttribute('data-exact')==='true')exact++;}
document.getElementById('total-tasks').textContent=rows.length+' tasks';
document.getElementById('total-points').textContent=points.toFixed(3);
document.getElementById('total-points').setAttribute('data-v',points.toFixed(3));
document.getElementById('total-exact').textContent=exact+' exact';
var m=/sort=(-?)(\\w+)/.exec(location.hash);
if(m)sortBy(m[2],m[1]==='-');
document.body.setAttribute('data-ready','1');
})();
"""


def _cell(text: str, value: object, numeric: bool) -> str:
    cls = ' class="num"' if numeric else ""
    return f'<td{cls} data-v="{html.escape(str(value))}">{text}</td>'


def _row(r: ReportRow, origin: ScoreRow | None) -> str:
    s = r.score
    earned = round(s.earned, 3)
    src = origin.source if origin else ""
    fam = origin.family if origin else ""
    png = base64.b64encode(r.thumbnail).decode()
    title = html.escape(f"{r.example}: input, expected, answer", quote=True)
    note = "" if s.valid else f" ({s.rule})"
    cells = [
        _cell(s.task, s.task, False),
        _cell(f"{earned:.3f}", f"{s.earned:.6f}", True),  # the script's total sums these
        _cell("-" if s.cost is None else f"{s.cost:,}", -1 if s.cost is None else s.cost, True),
        _cell("-" if s.memory is None else f"{s.memory:,}", s.memory or 0, True),
        _cell("-" if s.params is None else f"{s.params:,}", s.params or 0, True),
        _cell(f"{s.passed}/{s.examples}{html.escape(note)}", s.passed, True),
        _cell(html.escape(src), src, False),
        _cell(html.escape(fam), fam, False),
        _cell(f'<img src="data:image/png;base64,{png}" alt="{title}" title="{title}">',
              r.example, False),
    ]
    zero = ' class="zero"' if earned == 0 else ""
    return f'<tr id="{s.task}" data-exact="{str(bool(s.exact)).lower()}"{zero}>{"".join(cells)}</tr>'


def render_html(title: str, rows: list[ReportRow], origins: dict[str, ScoreRow]) -> str:
    """The page: summary line, the sortable table with a totals row, inline CSS and script."""
    points = round(sum(r.score.earned for r in rows), 3)
    exact = sum(1 for r in rows if r.score.exact)
    heads = "".join(
        f'<th data-key="{key}"{" class=num" if num else ""}>{head}</th>' for key, head, num in COLUMNS)
    body = "\n".join(_row(r, origins.get(r.score.task)) for r in rows)
    foot = ('<tr><td id="total-tasks"></td><td class="num" id="total-points"></td>'
            '<td></td><td></td><td></td><td id="total-exact"></td><td></td><td></td><td></td></tr>')
    t = html.escape(title)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>trmgolf report: {t}</title>'
            f"<style>{STYLE}</style></head>\n<body>\n<h1>{t}</h1>\n"
            f'<p class="summary" id="summary" data-tasks="{len(rows)}" data-points="{points:.3f}" '
            f'data-exact="{exact}">{len(rows)} tasks, {exact} exact on every example, {points:.3f} points. '
            "Click a column to sort.</p>\n"
            f'<table id="tasks"><thead><tr>{heads}</tr></thead>\n<tbody>\n{body}\n</tbody>\n'
            f"<tfoot>{foot}</tfoot></table>\n<script>{SCRIPT}</script>\n</body></html>\n")


@dataclass
class ReportOutcome:
    tasks: int
    exact: int
    points: float
    scores: Path | None
    bytes: int


def write_report(source: Path, out: Path, data: str | None, scores: Path | None = None, *,
                 jobs: int = 2, progress: bool = False, log: Echo | None = None) -> ReportOutcome:
    """Score ``source``, draw a thumbnail per task, and write the page atomically."""
    table = scores or find_scores(source)
    origins = read_scores(table).rows if table is not None else {}
    known = read_network_scores(table) if table is not None and table.suffix == ".csv" else {}
    rows = build_rows(source, data, known, jobs=jobs, progress=progress, log=log)
    page = render_html(source.name, rows, origins)
    write_atomic(out, page.encode())
    return ReportOutcome(len(rows), sum(1 for r in rows if r.score.exact),
                         round(sum(r.score.earned for r in rows), 3), table, len(page.encode()))
