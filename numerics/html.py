"""``reports/index.html``: the whole report as one self-contained page a person reads in a browser.

Everything is inside the file: the figures as ``data:`` URIs, the style sheet, a little inline
script (sorting and filtering the findings table, and a check that every figure decoded) and
the proof graph as inline SVG; formulas are Unicode text. Nothing is fetched from a network.

Sections: the findings (sortable by impact, ID or verdict; filterable by verdict), how to read a
verdict and a grade, the proof graph (every node marked by its verdict with a colour *and* a
written tag, its kind by its shape), the coverage of the catalogue, and every claim with the
evidence of its sub-checks (the page with the quantities, ``claims/<ID>.md``, is linked).

>>> page = render({"schema": "x", "reproducibility": {"profile": "quick", "seed": 1,
...     "git": {"commit": "c", "dirty": False}, "only": None, "activations": [],
...     "versions": {}}, "volatile": {"date": "d", "seconds_total": 1.0}, "claims": [],
...     "findings": [], "counts": {"findings": {"shown": 0}}, "legend": {"verdicts": [],
...     "grades": []}, "coverage": {"catalogue": [], "related": [], "extension": [],
...     "summary": {"catalogue": 0, "checked": 0, "not checked": 0, "not run": 0}},
...     "graph": {"nodes": [], "edges": [], "checks": {}, "summary": {}}}, ".")
>>> page.startswith("<!DOCTYPE html>") and "<script src" not in page
True
"""

from __future__ import annotations

import base64
import html as _h
from pathlib import Path
from typing import Any

from numerics import proofgraph as pg
from numerics.claims import CORRECTED_AS

__all__ = ["render", "svg_graph", "VERDICT_STYLE"]

#: Verdict → (fill, stroke, written tag). The tag makes the drawing readable without colour.
VERDICT_STYLE: dict[str, tuple[str, str, str]] = {
    "confirmed": ("#e3f2e5", "#2e7d32", "✓ confirmed"),
    "supported": ("#eef7e4", "#558b2f", "✓ supported"),
    "loose": ("#f7f6d8", "#9e9d24", "≈ loose"),
    "notation": ("#e3eefa", "#1565c0", "≡ notation"),
    "inconclusive": ("#eeeeee", "#616161", "? inconclusive"),
    "not-derived": ("#fff0dc", "#e65100", "⊬ not-derived"),
    "not-supported": ("#fde4d4", "#bf360c", "✗ not-supported"),
    "erratum": ("#fbe0e0", "#c62828", "✗ erratum"),
    "refuted": ("#f4c7c7", "#7f0000", "✗✗ refuted"),
    "unchecked": ("#ffffff", "#9e9e9e", "○ unchecked"),
}
GRADE_COLOUR = {"result": "#7f0000", "open": "#c62828", "rate": "#e65100", "proof": "#6a1b9a",
                "constant": "#455a64", "typo": "#607d8b"}

_CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 margin:0 auto;max-width:1280px;padding:0 18px 60px;color:#1d1d1d}
h1{font-size:1.5em;margin:.8em 0 .2em} h2{margin-top:1.8em;border-bottom:1px solid #ddd}
nav a{margin-right:1em} .meta{color:#555;font-size:.9em}
table{border-collapse:collapse;width:100%;margin:.6em 0} th,td{border:1px solid #ddd;
 padding:4px 6px;vertical-align:top;text-align:left} th{background:#f5f5f5}
th button{font:inherit;font-weight:bold;border:0;background:none;cursor:pointer;padding:0}
.grade{font-weight:bold;color:#fff;border-radius:3px;padding:1px 6px;white-space:nowrap}
.v{white-space:nowrap;border:1px solid;border-radius:3px;padding:0 4px}
.muted{color:#777} .small{font-size:.88em} figure img{max-width:100%}
.graph{overflow:auto;border:1px solid #ddd} code{font-size:.92em}
details{margin:.3em 0} td.formula{font-family:"DejaVu Serif",Georgia,serif}
"""

_JS = """
(function(){
 var t=document.getElementById('findings'); if(t){
  var tb=t.tBodies[0], sel=document.getElementById('verdict-filter');
  function sortBy(key){var rows=[].slice.call(tb.rows);
   rows.sort(function(a,b){var x=a.dataset[key],y=b.dataset[key];
    return key==='rank'?(y-x)||(a.dataset.id<b.dataset.id?-1:1):(x<y?-1:x>y?1:0);});
   rows.forEach(function(r){tb.appendChild(r);});}
  [].forEach.call(t.querySelectorAll('th button'),function(b){
   b.addEventListener('click',function(){sortBy(b.dataset.key);});});
  sel.addEventListener('change',function(){[].forEach.call(tb.rows,function(r){
   r.hidden=!(sel.value==='all'||r.dataset.verdict===sel.value);});});
 }
 window.addEventListener('load',function(){var imgs=document.images,ok=0;
  [].forEach.call(imgs,function(i){var good=i.complete&&i.naturalWidth>0;
   i.setAttribute('data-decoded',good?'yes':'no'); if(good){ok++;}});
  document.body.setAttribute('data-images',ok+'/'+imgs.length);
  if(ok<imgs.length){var p=document.getElementById('img-warning');
   if(p){p.hidden=false;p.textContent=(imgs.length-ok)+' figure(s) failed to decode.';}}});
})();
"""


def _e(x: Any) -> str:
    return _h.escape("" if x is None else str(x), quote=True)


def _v(status: str) -> str:
    fill, stroke, tag = VERDICT_STYLE.get(status, VERDICT_STYLE["unchecked"])
    return (f'<span class="v" style="background:{fill};border-color:{stroke}">'
            f'{_e(tag)}</span>')


def _g(grade: str) -> str:
    return f'<span class="grade" style="background:{GRADE_COLOUR[grade]}">{_e(grade)}</span>'


def _data_uri(folder: Path, rel: str) -> str | None:
    p = folder / rel
    if not p.is_file():
        return None
    return "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii")


def _findings(data: dict) -> str:
    rows = [r for r in data["findings"] if r["shown"]]
    verdicts = sorted({r["status"] for r in rows}, key=lambda s: list(VERDICT_STYLE).index(s))
    opts = "".join(f'<option value="{_e(v)}">{_e(v)}</option>' for v in verdicts)
    out = [f'<p>{len(rows)} distinct problems, most severe first. Sort by a column heading; '
           f'filter by verdict: <select id="verdict-filter"><option value="all">all</option>'
           f'{opts}</select></p>',
           '<table id="findings"><thead><tr>'
           '<th><button data-key="id">Finding</button></th>'
           '<th><button data-key="rank">Impact</button></th>'
           '<th><button data-key="verdict">Verdict</button></th>'
           '<th>Where</th><th>Printed</th><th>What holds</th><th>Sub-checks</th>'
           '<th>Reaches</th></tr></thead><tbody>']
    for r in rows:
        subs = ", ".join(f'<a href="#sub-{_e(s["id"])}">{_e(s["id"])}</a>'
                         for s in r["subchecks"] if s["status"] is not None)
        reach = ", ".join(f'{_e(pg.node(x["node"]).label)} ({_e(x["grade"])})'
                          for x in r["reached"]) or "—"
        fid = _e(r["id"]) + ("" if r["classified"] else " <em>(unclassified)</em>")
        out.append(
            f'<tr class="finding" id="{_e(r["id"])}" data-id="{_e(r["id"])}" '
            f'data-rank="{pg.GRADES.index(r["grade"])}" data-verdict="{_e(r["status"])}">'
            f'<td>{fid}</td><td>{_g(r["grade"])}<div class="small muted">{_e(r["why"])}</div>'
            f'</td><td>{_v(r["status"])}</td><td>{_e(r["where"])}</td>'
            f'<td class="formula">{_e(r["printed"])}</td><td class="formula">{_e(r["holds"])}'
            f'</td><td class="small">{subs}</td><td class="small">{reach}</td></tr>')
    out.append("</tbody></table>")
    return "\n".join(out)


def _legend(data: dict) -> str:
    v = "".join(f"<li>{_v(x['word'])} {_e(x['meaning'])}</li>"
                for x in data["legend"]["verdicts"])
    g = "".join(f"<li>{_g(x['grade'])} {_e(x['meaning'])}</li>"
                for x in data["legend"]["grades"])
    return (f"<p>Verdict words, worst first; an ID shows the worst of its sub-checks:</p>"
            f"<ul>{v}</ul><p>Impact grades of a finding, most severe first: the larger of its "
            f"own kind and the worst grade it reaches through the proof graph.</p><ul>{g}</ul>")


_W, _H, _GAP, _ROWH, _MAXROW = 118, 46, 10, 96, 11


def _shape(kind: str, x: float, y: float, fill: str, stroke: str) -> str:
    w, h = _W, _H
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="2"'
    if kind in ("condition", "assumption"):
        return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="20" {style}/>'
    if kind == "external":
        return (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" {style} '
                f'stroke-dasharray="5 3"/>')
    if kind == "check":
        pts = [(x + 10, y), (x + w - 10, y), (x + w, y + h / 2), (x + w - 10, y + h),
               (x + 10, y + h), (x, y + h / 2)]
        return f'<polygon points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}" {style}/>'
    if kind == "passage":
        return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="7" {style}/>'
    if kind == "informal":
        return (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" {style} '
                f'stroke-dasharray="1 3"/>')
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" {style}/>'


def svg_graph(data: dict) -> str:
    """The proof graph as inline SVG: used results below their users; a node per graph node
    (``data-id``), marked by its verdict (fill and border colour, and a written tag), its
    kind by its shape; solid arrows for cited uses, dashed for uses a proof needs without
    citing them, dotted lines from check nodes to what they examine."""
    g = data["graph"]
    nodes = {n["key"]: n for n in g["nodes"]}
    if not nodes:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    layers: dict[int, list[dict]] = {}
    for n in nodes.values():
        layers.setdefault(n["layer"], []).append(n)
    order = sorted((ly for ly in layers if ly >= 0), reverse=True) + \
        ([-1] if -1 in layers else [])
    width = max(min(len(v), _MAXROW) for v in layers.values()) * (_W + _GAP) + 40
    xy: dict[str, tuple[float, float]] = {}
    y = 40.0
    for ly in order:
        row = sorted(layers[ly], key=lambda n: n["position"])
        if ly == -1:
            y += 30
        if len(row) > _MAXROW:  # stagger a wide layer over two lines
            step = (width - 40 - _W) / (len(row) - 1)
            for i, n in enumerate(row):
                xy[n["key"]] = (20 + i * step, y + (i % 2) * (_H + 12))
            y += _ROWH + _H + 12
        else:
            x0 = (width - len(row) * (_W + _GAP) + _GAP) / 2
            for i, n in enumerate(row):
                xy[n["key"]] = (x0 + i * (_W + _GAP), y)
            y += _ROWH
    height = y + 10
    claims = {c["id"] for c in data["claims"]}
    reached: dict[str, list[str]] = {}
    printed_at: dict[str, list[str]] = {}
    for f in data["findings"]:
        if f["shown"]:
            for k in f["nodes"]:
                printed_at.setdefault(k, []).append(f"{f['id']} ({f['grade']})")
            for x in f["reached"]:
                reached.setdefault(x["node"], []).append(f"{f['id']} ({x['grade']})")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" id="proof-graph" width="{width:.0f}" '
           f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" font-size="11" '
           'font-family="DejaVu Sans, sans-serif" role="img" aria-label="proof graph">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
           'fill="#777"/></marker></defs>',
           '<g class="edges" fill="none">']
    for chk, targets in g["checks"].items():
        for t in targets:
            if chk in xy and t in xy:
                (x1, y1), (x2, y2) = xy[chk], xy[t]
                out.append(f'<line class="check" x1="{x1 + _W / 2:.1f}" y1="{y1 + _H:.1f}" '
                           f'x2="{x2 + _W / 2:.1f}" y2="{y2:.1f}" stroke="#bbb" '
                           'stroke-dasharray="1 3"/>')
    for e in g["edges"]:
        (x1, y1), (x2, y2) = xy[e["user"]], xy[e["used"]]
        a, b = (x1 + _W / 2, y1 + _H), (x2 + _W / 2, y2)
        mid = (a[1] + b[1]) / 2
        dash = "" if e["cited"] else ' stroke-dasharray="5 3"'
        tip = f'{pg.node(e["user"]).label} uses {pg.node(e["used"]).label} ({e["pages"]}; ' \
              f'{", ".join(e["uses"])}){": " + e["note"] if e["note"] else ""}'
        out.append(f'<path class="edge" d="M{a[0]:.1f},{a[1]:.1f} C{a[0]:.1f},{mid:.1f} '
                   f'{b[0]:.1f},{mid:.1f} {b[0]:.1f},{b[1]:.1f}" stroke="#888" '
                   f'marker-end="url(#arrow)"{dash}><title>{_e(tip)}</title></path>')
    out.append("</g>")
    for key, n in nodes.items():
        x, y0 = xy[key]
        # colour and tag: the verdict on the statement; a third line: on its derivation
        check = n["kind"] == "check"  # a check node: its own verdict, not split
        shown = n["verdict"] if check else (n.get("statement_verdict") or "unchecked")
        fill, stroke, tag = VERDICT_STYLE.get(shown, VERDICT_STYLE["unchecked"])
        tip = [f"{n['label']} ({n['key']}): {n['title']}, {n['page']}"]
        if n["printed_as"]:
            tip.append(f"cross-references print it as “{n['printed_as']}”")
        tip.append(f"statement: {shown}" + ("; established by a check" if n["established"]
                                             else "") + (
            f"; derivation (proof steps, parameters): {n['derivation_verdict']}"
            if n.get("derivation_verdict") else ""))
        if printed_at.get(key):
            tip.append("findings printed here: " + ", ".join(printed_at[key]))
        if reached.get(key):
            tip.append("findings reaching it: " + ", ".join(reached[key]))
        label = n["label"] if len(n["label"]) <= 18 else n["label"][:17] + "."
        body = (_shape(n["kind"], x, y0, fill, stroke)
                + f'<text x="{x + _W / 2:.1f}" y="{y0 + 16:.1f}" text-anchor="middle" '
                f'font-weight="bold">{_e(label)}</text>'
                f'<text x="{x + _W / 2:.1f}" y="{y0 + 29:.1f}" text-anchor="middle" '
                f'font-size="10" fill="{stroke}">{_e(tag)}</text>')
        if n.get("derivation_verdict") and not check:
            dstroke, dtag = VERDICT_STYLE[n["derivation_verdict"]][1:]
            body += (f'<text x="{x + _W / 2:.1f}" y="{y0 + 41:.1f}" text-anchor="middle" '
                     f'font-size="8.5" fill="{dstroke}">derivation {_e(dtag)}</text>')
        if key in claims:
            body = f'<a href="#claim-{_e(key)}">{body}</a>'
        out.append(f'<g class="node" data-id="{_e(key)}" data-verdict="{_e(n["verdict"])}" '
                   f'data-kind="{_e(n["kind"])}"><title>{_e("; ".join(tip))}</title>{body}</g>')
    if -1 in layers:
        ys = min(xy[n["key"]][1] for n in layers[-1]) - 14
        out.append(f'<text x="20" y="{ys:.1f}" fill="#555">checked on their own (no proof '
                   'above uses them, none below is used):</text>')
    out.append("</svg>")
    return "\n".join(out)


def _graph_section(data: dict) -> str:
    g = data["graph"]
    shapes = ("rectangle: a result; dotted rectangle: an informal theorem; rounded: a "
              "passage (computation, remark); pill: a condition or assumption; dashed: a cited "
              "outside result; hexagon: a check that spans several statements")
    per = ", ".join(f"{pg.node(k).label}: {v}" for k, v in g["summary"].get("edges_from",
                                                                             {}).items())
    return (f"<p>{g['summary'].get('nodes', 0)} nodes, {g['summary'].get('edges', 0)} edges "
            f"“the proof of X uses Y” (arrow from X down to Y; dashed when the proof needs Y "
            f"without citing it); edges from {_e(per)}. Each node shows its verdict in colour "
            f"and in words: the verdict on its statement (○ unchecked: no check of the "
            f"statement yet) and, on a third line, the verdict on its derivation (a printed "
            f"step of its proof, or its printed parameters against the results it cites). "
            f"Shapes: {_e(shapes)}. "
            "Hover a node or an edge for pages and what is used; click a checked node for its "
            f"evidence.</p><div class=\"graph\">{svg_graph(data)}</div>")


def _coverage(data: dict) -> str:
    cov = data["coverage"]
    sm = cov["summary"]
    def row(r: dict) -> str:
        rid = _e(r["id"])
        link = f'<a href="#claim-{rid}">{rid}</a>' if r["checked"] else rid
        status = _v(r["status"]) if r["checked"] else f"<em>{_e(r['status'])}</em>"
        return (f'<tr data-id="{rid}"><td>{link}</td><td>{_e(r["group"])}</td>'
                f'<td>{_e(r["where"])}</td><td>{_e(r["what"])}</td><td>{status}</td></tr>')

    rows = "".join(row(r) for r in cov["catalogue"])
    extra = ""
    for sec in ("related", "extension"):
        if cov[sec]:
            extra += (f"<h3>{sec.capitalize()} (counted apart)</h3><table><tr><th>ID</th>"
                      "<th>where</th><th>what</th><th>verdict</th></tr>" + "".join(
                          f'<tr><td><a href="#claim-{_e(r["id"])}">{_e(r["id"])}</a></td>'
                          f'<td>{_e(r["where"])}</td><td>{_e(r["what"])}</td>'
                          f'<td>{_v(r["status"])}</td></tr>' for r in cov[sec]) + "</table>")
    return (f"<p>Of the catalogue's {sm['catalogue']} IDs, {sm['checked']} have a verdict here "
            f"and {sm['not checked']} are not checked yet"
            + (f"; {sm['not run']} were not run" if sm.get("not run") else "")
            + ". The report says nothing about the IDs not checked.</p>"
            f'<table id="coverage"><tr><th>ID</th><th>group</th><th>where</th><th>what</th>'
            f"<th>status</th></tr>{rows}</table>{extra}")


def _claims(data: dict, folder: Path) -> str:
    out = []
    for c in data["claims"]:
        out.append(f'<section id="claim-{_e(c["id"])}"><h3>{_e(c["id"])}: {_e(c["title"])} '
                   f'{_v(c["status"])}</h3><p class="small muted">{_e(c["location"])}; '
                   f'{_e(c["convention"])}; section {_e(c.get("section", "catalogue"))}. '
                   f'Quantities: <a href="claims/{_e(c["id"])}.md">claims/{_e(c["id"])}.md'
                   '</a></p><table><tr><th>sub-check</th><th>printed</th><th>verdict</th>'
                   '<th>evidence</th></tr>')
        for r in c["subchecks"]:
            extra = ""
            if r.get("corrected"):
                label = CORRECTED_AS.get(r["status"], "corrected form").capitalize()
                extra += f'<div><b>{_e(label)}:</b> {_e(r["corrected"])}</div>'
            if r.get("why"):
                extra += f'<div class="small"><b>Why this verdict:</b> {_e(r["why"])}</div>'
            if r.get("reason"):
                extra += f'<div class="small"><b>Reason:</b> {_e(r["reason"])}</div>'
            for f in r.get("figures", []):
                uri = _data_uri(folder, f)
                if uri:
                    extra += (f'<figure><img src="{uri}" alt="{_e(r["id"])} figure">'
                              f'<figcaption class="small">{_e(f)}</figcaption></figure>')
            out.append(f'<tr id="sub-{_e(r["id"])}"><td>{_e(r["id"])}<div class="small muted">'
                       f'{_e(r["location"])}</div></td><td class="formula small">'
                       f'{_e(" ".join(r["statement"].split()))}</td><td>{_v(r["status"])}</td>'
                       f'<td>{_e(r["summary"])}{extra}<div class="small muted">Tolerance: '
                       f'{_e(r["tolerance"] or "—")}</div></td></tr>')
        out.append("</table></section>")
    return "\n".join(out)


def render(data: dict[str, Any], folder: Path | str) -> str:
    """The page for a report's data (``report.json``'s content); ``folder`` is where its
    ``figures/`` are (they are embedded, so the page needs nothing else)."""
    folder = Path(folder)
    rep, vol = data["reproducibility"], data["volatile"]
    title = ("Proof-check report: Dayi & Chen, “Low-rank fine-tuning lies between lazy "
             "training and feature learning” (COLT 2025)")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p class="meta">Generated by <code>lowrank report --profile {_e(rep["profile"])} '
        f'--seed {_e(rep["seed"])}</code> from commit <code>{_e(rep["git"]["commit"])}</code>, '
        f'{_e(vol["date"])}, {vol["seconds_total"]:.1f} s. Schema <code>{_e(data["schema"])}'
        '</code>; also <a href="README.md">README.md</a>, <a href="report.json">report.json'
        '</a>, <a href="verdicts.tex">verdicts.tex</a>.</p>',
        '<nav><a href="#sec-findings">Findings</a><a href="#sec-legend">How to read</a>'
        '<a href="#sec-graph">Proof graph</a><a href="#sec-coverage">Coverage</a>'
        '<a href="#sec-claims">Claims</a></nav>',
        '<p id="img-warning" hidden></p>',
        '<h2 id="sec-findings">Findings</h2>', _findings(data),
        '<h2 id="sec-legend">How to read this report</h2>', _legend(data),
        '<h2 id="sec-graph">Proof graph</h2>', _graph_section(data),
        '<h2 id="sec-coverage">Coverage</h2>', _coverage(data),
        '<h2 id="sec-claims">Claims and evidence</h2>', _claims(data, folder),
        f"<script>{_JS}</script></body></html>", ""])
