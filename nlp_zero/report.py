"""A lexicon report: one self-contained HTML file to look at what discovery learned.

``build_report(prefix, ...)`` reads what ``nlp-zero discover`` wrote for
``prefix`` (``.dict.txt``; ``.tsv`` and ``.meta.json`` when present) and,
when they exist, ``prefix.templates.txt`` (``nlp-zero templates``); it returns
an HTML page that shows

* the corpus and lexicon summary (characters, words, bits per character
  before and after);
* charts drawn here as inline SVG: the word-length distribution, frequency
  against rank on log axes, a histogram of each score;
* every word in a table with its count and scores, sortable by any column,
  searchable, paged by a few lines of plain JavaScript so that 200k words stay
  fast (the data sit in the page as JSON columns; only one page is in the DOM),
  new words against a reference dictionary marked;
* the top words in their contexts (keyword in context) when a corpus is given;
* the top templates with examples and a few parse trees drawn, when templates
  exist.

The page fetches nothing: no external URL, no font, no library.  Its first
page of the table is in the HTML itself, so it reads without JavaScript too.
After the script has run, each chart and the table carry their rendered size
(``data-rendered``), which the tests read from a headless browser's DOM.  The
same inputs give a byte-identical file (no timestamps).
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass, field
from typing import Iterable

from . import __version__
from .fileio import atomic_write
from .lexicon import Lexicon, units
from .text import readable, symbolize

#: Rows per page of the words table.
PAGE_SIZE = 50


@dataclass
class ReportInput:
    """What a report shows, gathered from the files of a prefix (and a corpus, a reference)."""

    name: str
    lexicon: Lexicon
    meta: dict = field(default_factory=dict)
    reference_name: str | None = None
    new_words: set = field(default_factory=set)
    contexts: dict = field(default_factory=dict)  # word -> [(left, right), ...]
    templates: list = field(default_factory=list)  # [(template text, count, [example, ...])]
    trees: list = field(default_factory=list)  # SentTree of example sentences


def gather(prefix: str, corpus: Iterable[str] | None = None, reference: Lexicon | None = None,
           reference_name: str | None = None, top: int = 30, contexts: int = 3,
           max_chars: int = 2_000_000) -> ReportInput:
    """Read ``prefix``'s files and scan at most ``max_chars`` characters of ``corpus``.

    The corpus is segmented with the lexicon; the first ``contexts``
    occurrences of each of the ``top`` most frequent words of two or more
    characters are kept, and (with templates) the first two pieces each top
    template matches strictly.
    """
    lexicon = Lexicon.load_tsv(prefix + ".tsv") if os.path.exists(prefix + ".tsv") else Lexicon.load(prefix + ".dict.txt")
    meta = {}
    if os.path.exists(prefix + ".meta.json"):
        from .errors import FormatError

        try:
            with open(prefix + ".meta.json", encoding="utf-8") as f:
                meta = json.load(f)
        except (ValueError, UnicodeDecodeError) as e:
            raise FormatError(prefix + ".meta.json", f"not JSON ({e})") from None
        if not isinstance(meta, dict):
            raise FormatError(prefix + ".meta.json", "not a JSON object")
    data = ReportInput(os.path.basename(prefix), lexicon, meta)
    if reference is not None:
        data.reference_name = reference_name
        data.new_words = set(lexicon.diff(reference))
    template_set = None
    if os.path.exists(prefix + ".templates.txt"):
        from .templates import TemplateSet

        template_set = TemplateSet.load(prefix + ".templates.txt")
        data.templates = [(str(t), c, []) for t, c in template_set.most_common(20, trivial=False)]
    if corpus is not None:
        _scan(data, corpus, template_set, top, contexts, max_chars)
    return data


def _scan(data: ReportInput, corpus: Iterable[str], template_set, top: int, contexts: int, max_chars: int) -> None:
    from .templates import Template, clean_tokens, pieces, symbol_forms
    from .tokenizer import Tokenizer

    lexicon = data.lexicon
    tokenizer = Tokenizer(lexicon)
    wanted = [w for w in lexicon if units(w) > 1][:top]
    found: dict[str, list] = {w: [] for w in wanted}
    open_words = set(wanted)
    templates = [(Template.parse(t), examples) for t, _, examples in data.templates]
    open_templates = [te for te in templates if len(te[1]) < 2]
    width = 14  # characters of context on each side
    chars = 0
    for line in corpus:
        if chars >= max_chars or not (open_words or open_templates):
            break
        chars += len(line)
        tokens = tokenizer.lcut(line)
        if open_words:
            pos = 0
            for token in tokens:
                end = pos + len(token)
                key = token if token in open_words else None
                if key is None and len(token) > 1:  # 1998年 is an occurrence of <NUM>年 and the like
                    written = readable(symbolize(token))
                    key = written if written in open_words else None
                if key is not None:
                    found[key].append((line[max(0, pos - width):pos], token, line[end:end + width]))
                    if len(found[key]) >= contexts:
                        open_words.discard(key)
                pos = end
        if open_templates:
            for piece in pieces(clean_tokens(tokens)):
                if len(piece) > 40:
                    continue
                forms = symbol_forms(piece)  # templates compare digits and Latin runs by class
                for template, examples in open_templates:
                    if len(examples) < 2 and template.match(forms) is not None:
                        examples.append(piece)
            open_templates = [te for te in open_templates if len(te[1]) < 2]
    data.contexts = {w: found[w] for w in wanted if found[w]}
    if template_set is not None:
        from .parser import Parser

        parser = Parser(template_set)
        shown = []
        for _, _, examples in data.templates:
            if examples and len(shown) < 3 and examples[0] not in shown and len(examples[0]) <= 24:
                shown.append(examples[0])
        data.trees = [parser.parse_tokens(p) for p in shown]


# --------------------------------------------------------------------------
# Charts (inline SVG)


def _num(x: float) -> str:
    return format(x, ".4g")


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _axes(w: int, h: int, left: int, bottom: int, xlabel: str, ylabel: str) -> list[str]:
    return [f'<line x1="{left}" y1="{h - bottom}" x2="{w - 8}" y2="{h - bottom}" class="axis"/>',
            f'<line x1="{left}" y1="8" x2="{left}" y2="{h - bottom}" class="axis"/>',
            f'<text x="{(left + w) // 2}" y="{h - 4}" class="label" text-anchor="middle">{_esc(xlabel)}</text>',
            f'<text x="12" y="{(h - bottom) // 2}" class="label" text-anchor="middle" '
            f'transform="rotate(-90 12 {(h - bottom) // 2})">{_esc(ylabel)}</text>']


def bar_chart(title: str, bars: list[tuple[str, float]], xlabel: str, ylabel: str, w: int = 340, h: int = 220) -> str:
    """A bar chart as an SVG element: one bar per (label, value)."""
    left, bottom = 52, 36
    out = [f'<svg class="chart" data-chart="{_esc(title)}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">',
           f"<title>{_esc(title)}</title>"]
    out += _axes(w, h, left, bottom, xlabel, ylabel)
    top = max((v for _, v in bars), default=0) or 1
    span = (w - left - 12) / max(len(bars), 1)
    for i, (label, value) in enumerate(bars):
        bh = (h - bottom - 14) * value / top
        x = left + 4 + i * span
        out.append(f'<rect x="{_num(x)}" y="{_num(h - bottom - bh)}" width="{_num(max(span - 3, 1))}" '
                   f'height="{_num(bh)}" class="bar"><title>{_esc(label)}: {_esc(_label(value))}</title></rect>')
        if len(bars) <= 12 or i % math.ceil(len(bars) / 6) == 0:
            out.append(f'<text x="{_num(x + span / 2)}" y="{h - bottom + 13}" class="tick" '
                       f'text-anchor="middle">{_esc(label)}</text>')
    out.append(f'<text x="{left - 4}" y="18" class="tick" text-anchor="end">{_esc(_label(top))}</text>')
    out.append("</svg>")
    return "".join(out)


def _label(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else _num(x)


def rank_chart(counts: list[int], w: int = 340, h: int = 220) -> str:
    """Frequency against rank, both on log axes (Zipf's law is a straight line)."""
    left, bottom = 52, 36
    title = "frequency against rank (log-log)"
    out = [f'<svg class="chart" data-chart="{title}" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">',
           f"<title>{title}</title>"]
    out += _axes(w, h, left, bottom, "rank", "count")
    counts = [c for c in counts if c > 0]
    if counts:
        xmax, ymax = math.log10(len(counts)) or 1, math.log10(counts[0]) or 1
        ranks = sorted({min(len(counts), round(10 ** (k / 40))) for k in range(0, int(40 * xmax) + 2)})
        pts = []
        for r in ranks:
            x = left + (w - left - 12) * math.log10(r) / xmax
            y = h - bottom - (h - bottom - 14) * math.log10(counts[r - 1]) / ymax
            pts.append(f"{_num(x)},{_num(y)}")
        out.append(f'<polyline points="{" ".join(pts)}" class="line"/>')
        for k in range(0, int(xmax) + 1):
            x = left + (w - left - 12) * k / xmax
            out.append(f'<text x="{_num(x)}" y="{h - bottom + 13}" class="tick" text-anchor="middle">10{_sup(k)}</text>')
        for k in range(0, int(ymax) + 1):
            y = h - bottom - (h - bottom - 14) * k / ymax
            out.append(f'<text x="{left - 4}" y="{_num(y + 4)}" class="tick" text-anchor="end">10{_sup(k)}</text>')
    out.append("</svg>")
    return "".join(out)


def _sup(k: int) -> str:
    return str(k).translate(str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻"))


def histogram(name: str, values: list[float], bins: int = 30) -> str:
    """The distribution of one score as a bar chart of ``bins`` equal intervals."""
    if not values:
        return bar_chart(f"score: {name}", [], name, "words")
    lo, hi = min(values), max(values)
    step = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - lo) / step), bins - 1)] += 1
    bars = [(format(lo + i * step, ".3g"), c) for i, c in enumerate(counts)]
    return bar_chart(f"score: {name}", bars, name, "words")


# --------------------------------------------------------------------------
# Parse trees (inline SVG)


def tree_svg(tree) -> str:
    """A parse tree drawn top-down: template nodes above, tokens on the bottom row."""
    tokens = tree.tokens
    char_w, pad, row = 16, 10, 46
    xs = [0.0]
    for t in tokens:
        xs.append(xs[-1] + len(t) * char_w + pad)
    depth = tree.depth
    w, h = int(xs[-1]) + 20, (depth + 1) * row + 30
    out = [f'<svg class="tree" data-chart="parse tree" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">',
           f"<title>{_esc(tree.bracket())}</title>"]

    def centre(node) -> float:
        return 10 + (xs[node.start] + xs[node.end]) / 2

    def draw(node, level: int) -> None:
        x, y = centre(node), 20 + level * row
        leaf = not node.children
        if leaf:
            y = 20 + depth * row
        for child in node.children:
            cy = 20 + (depth if not child.children else level + 1) * row
            out.append(f'<line x1="{_num(x)}" y1="{y + 6}" x2="{_num(centre(child))}" y2="{cy - 14}" class="edge"/>')
            draw(child, level + 1)
        label = node.content if leaf else (str(node.template) if node.template is not None else "·")
        cls = "leaf" if leaf else "node"
        out.append(f'<text x="{_num(x)}" y="{y}" class="{cls}" text-anchor="middle">{_esc(readable(label))}</text>')

    draw(tree, 0)
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------
# The page


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse}td,th{padding:2px 8px;text-align:right}
td:nth-child(2),th:nth-child(2){text-align:left}
#words th{cursor:pointer;background:#f3f3f3;user-select:none}#words th.sorted{background:#dde8f5}
#words tbody tr:nth-child(odd){background:#fafafa}.new{color:#b34700;font-weight:bold}
.summary td:first-child{text-align:left;color:#555}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{border:1px solid #eee;background:#fff}
.axis{stroke:#888}.bar{fill:#4a7ab5}.line{fill:none;stroke:#b34700;stroke-width:2}
.tick{font-size:10px;fill:#555}.label{font-size:11px;fill:#333}
.edge{stroke:#999}.node{font-size:12px;fill:#1d4e89}.leaf{font-size:14px;fill:#222}
.kwic-grid{display:flex;flex-wrap:wrap;gap:4px 24px}.kwic{width:500px}.kwic th{text-align:left;padding-top:6px}.kwic td{font-family:monospace}.kwic .l{text-align:right;color:#666}.kwic .r{text-align:left;color:#666}
.kwic .k{text-align:center;font-weight:bold}.templates td,.templates th{text-align:left;vertical-align:top}
#pager button{margin:0 2px}#controls{margin:8px 0}
"""

# The table: data as columns, one page rendered at a time.  Plain JavaScript, no library.
_JS = """
(function(){
var t0=performance.now();
var D=JSON.parse(document.getElementById('lexicon-data').textContent);
var cols=D.columns, n=D.word.length, PAGE=D.page;
var order=[], view=[], page=0, key='count', asc=false;
var body=document.querySelector('#words tbody'), info=document.getElementById('page-info');
var q=document.getElementById('search'), onlyNew=document.getElementById('only-new');
function val(c,i){return D[c][i];}
function refilter(){
  var s=q.value.trim(), nw=onlyNew&&onlyNew.checked; view=[];
  for(var k=0;k<order.length;k++){var i=order[k];
    if(s&&D.word[i].indexOf(s)<0)continue; if(nw&&!D.new[i])continue; view.push(i);}
  page=0; render();
}
function resort(){
  order=new Array(n); for(var i=0;i<n;i++)order[i]=i;
  var a=D[key], sign=asc?1:-1;
  order.sort(function(x,y){var u=a[x],v=a[y];
    if(u===v)return x-y; if(u===null)return 1; if(v===null)return -1; return (u<v?-1:1)*sign;});
  var ths=document.querySelectorAll('#words th');
  for(var j=0;j<ths.length;j++)ths[j].className=ths[j].dataset.key===key?'sorted':'';
  refilter();
}
function cell(c,i){var v=D[c][i]; if(c==='new')return v?'<span class="new">new</span>':'';
  if(v===null)return ''; if(c==='word'){var e=document.createElement('span');e.textContent=v;return e.innerHTML;}
  return String(v);}
function render(){
  var pages=Math.max(1,Math.ceil(view.length/PAGE)); if(page>=pages)page=pages-1; if(page<0)page=0;
  var rows=[], end=Math.min(view.length,(page+1)*PAGE);
  for(var k=page*PAGE;k<end;k++){var i=view[k], r='<td>'+(i+1)+'</td>';
    for(var j=0;j<cols.length;j++)r+='<td>'+cell(cols[j],i)+'</td>'; rows.push('<tr>'+r+'</tr>');}
  body.innerHTML=rows.join('');
  info.textContent='page '+(page+1).toLocaleString('en')+' of '+pages.toLocaleString('en')+' ('+view.length.toLocaleString('en')+' words)';
}
document.querySelector('#words thead').addEventListener('click',function(e){
  var k=e.target.dataset.key; if(!k)return; if(k===key)asc=!asc; else{key=k;asc=(k==='word');} resort();});
q.addEventListener('input',refilter); if(onlyNew)onlyNew.addEventListener('change',refilter);
document.getElementById('first').onclick=function(){page=0;render();};
document.getElementById('prev').onclick=function(){page--;render();};
document.getElementById('next').onclick=function(){page++;render();};
document.getElementById('last').onclick=function(){page=1e9;render();};
resort();
var els=document.querySelectorAll('[data-chart], #words');
for(var j=0;j<els.length;j++){var r=els[j].getBoundingClientRect();
  els[j].setAttribute('data-rendered',Math.round(r.width)+'x'+Math.round(r.height));}
document.body.setAttribute('data-render-ms',String(Math.round(performance.now()-t0)));
})();
"""


def _value(x: float) -> float | int:
    """A score as it goes to the page: four significant digits (the page is for looking, the TSV is exact)."""
    v = float(format(x, ".4g"))
    return int(v) if v.is_integer() and abs(v) < 1e15 else v


def render(data: ReportInput) -> str:
    """The HTML page of a report: summary, charts, the words' table, contexts, templates, trees."""
    lex = data.lexicon
    words = list(lex)
    names = sorted({k for row in lex.scores.values() for k in row})
    has_new = data.reference_name is not None
    columns = ["word", "count", "len"] + names + (["new"] if has_new else [])
    table = {"word": words, "count": [lex[w] for w in words], "len": [units(w) for w in words]}
    for name in names:
        table[name] = [_value(lex.scores[w][name]) if name in lex.scores.get(w, {}) else None for w in words]
    if has_new:
        table["new"] = [1 if w in data.new_words else 0 for w in words]
    payload = dict(table, columns=columns, page=PAGE_SIZE)
    blob = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    blob = blob.replace("<", "\\u003c")  # nothing in the data can close the script element
    out = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8">',
           f"<title>nlp_zero report: {_esc(data.name)}</title>",
           f"<style>{_CSS}</style></head><body>",
           f"<h1>Lexicon report: {_esc(data.name)}</h1>",
           f"<p>Made by nlp_zero {_esc(__version__)}. Everything is in this file; nothing is fetched.</p>"]
    out += _summary(data, table["len"])
    out += _charts(table, names)
    out += _words_table(data, table, columns)
    out += _extras(data)
    out.append(f'<script type="application/json" id="lexicon-data">{blob}</script>')
    out.append(f"<script>{_JS}</script>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _summary(data: ReportInput, lengths: list[int]) -> list[str]:
    """The summary table: the corpus (from the run record) and the lexicon."""
    lex, meta = data.lexicon, data.meta
    rows = []
    if meta:
        for key, label in (("chars", "characters read"), ("lines", "lines"), ("tokens", "tokens after segmentation")):
            if isinstance(meta.get(key), int):
                rows.append((label, f"{meta[key]:,}"))
        before, after = meta.get("bits_per_char_before"), meta.get("bits_per_char_after")
        if isinstance(before, (int, float)) and isinstance(after, (int, float)):
            rows.append(("bits per character, single characters → with the words", f"{before:.3f} → {after:.3f}"))
    rows.append(("words in the lexicon", f"{len(lex):,}"))
    rows.append(("total count N", f"{lex.total:,}"))
    rows.append(("words of two or more characters", f"{sum(1 for n in lengths if n > 1):,}"))
    if data.reference_name is not None:
        rows.append((f"new words (not in {data.reference_name})", f"{len(data.new_words):,}"))
    return (["<h2>Summary</h2>", '<table class="summary">']
            + [f"<tr><td>{_esc(a)}</td><td>{_esc(b)}</td></tr>" for a, b in rows] + ["</table>"])


def _charts(table: dict[str, list], names: list[str]) -> list[str]:
    """Word lengths, frequency against rank, and the distribution of each score."""
    lengths: dict[int, int] = {}
    for n in table["len"]:
        lengths[n] = lengths.get(n, 0) + 1
    out = ['<h2>Charts</h2><div class="charts">',
           bar_chart("words by length", [(str(k), lengths.get(k, 0)) for k in range(1, max(lengths, default=1) + 1)],
                     "length (characters)", "words"),
           rank_chart(table["count"])]
    out += [histogram(name, [v for v in table[name] if v is not None]) for name in names]
    out.append("</div>")
    return out


def _words_table(data: ReportInput, table: dict[str, list], columns: list[str]) -> list[str]:
    """The controls and the first page of the words' table (the script pages, sorts and searches)."""
    out = ["<h2>Words</h2>", '<div id="controls"><input id="search" type="search" placeholder="search a word" size="24"> ']
    if data.reference_name is not None:
        out.append(f'<label><input id="only-new" type="checkbox"> new words only (not in {_esc(data.reference_name)})'
                   "</label> ")
    out.append('<span id="pager"><button id="first">«</button><button id="prev">‹</button>'
               '<button id="next">›</button><button id="last">»</button></span> <span id="page-info"></span></div>')
    out.append('<table id="words"><thead><tr><th>rank</th>')
    out += [f'<th data-key="{_esc(c)}">{_esc(c)}</th>' for c in columns]
    out.append("</tr></thead><tbody>")
    for i in range(min(PAGE_SIZE, len(table["word"]))):  # the first page, for readers without JavaScript
        cells = [str(i + 1)] + [_cell(c, table[c][i]) for c in columns]
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return out


def _extras(data: ReportInput) -> list[str]:
    """Top words in context, top templates with examples, parse trees (each when there are any)."""
    out = []
    if data.contexts:
        out.append('<h2>Top words in context</h2><div class="kwic-grid">')
        for word, rows in data.contexts.items():
            out.append(f'<table class="kwic"><tr><th colspan="3">{_esc(readable(word))} ({data.lexicon[word]:,})'
                       "</th></tr>")
            out += [f'<tr><td class="l">{_esc(left)}</td><td class="k">{_esc(token)}</td>'
                    f'<td class="r">{_esc(right)}</td></tr>' for left, token, right in rows]
            out.append("</table>")
        out.append("</div>")
    if data.templates:
        out.append("<h2>Top templates</h2><table class=\"templates\"><tr><th>template</th><th>count</th>"
                   "<th>examples</th></tr>")
        for text, count, examples in data.templates:
            ex = " / ".join(readable("".join(p)) for p in examples)
            out.append(f"<tr><td>{_esc(readable(text))}</td><td>{count:,}</td><td>{_esc(ex)}</td></tr>")
        out.append("</table>")
    if data.trees:
        out.append("<h2>Parse trees</h2>")
        out += [f'<div class="tree-box"><p>{_esc(readable(t.bracket()))}</p>{tree_svg(t)}</div>' for t in data.trees]
    return out


def _cell(column: str, value) -> str:
    if column == "new":
        return '<span class="new">new</span>' if value else ""
    return "" if value is None else _esc(value)


def save_report(path: str, data: ReportInput) -> int:
    """Write the page atomically; returns its size in bytes."""
    page = render(data)
    with atomic_write(path) as f:
        f.write(page)
    return len(page.encode("utf-8"))


def build_report(prefix: str, corpus: Iterable[str] | None = None, reference: Lexicon | None = None,
                 reference_name: str | None = None, **options) -> str:
    """The HTML of the report of ``prefix`` (see :func:`gather` for the options)."""
    return render(gather(prefix, corpus, reference, reference_name, **options))


