"""A Trace as one self-contained HTML page: the graph as inline SVG.

The page needs no network: the style, the script and the trace's numbers
(JSON) are inside it. The graph is laid out here (layout.py) and drawn as
SVG: one ``<g data-node-id>`` per node, a solid arrow per forward edge
(values flow from an input to the op that reads it) and a dashed arrow the
other way per backward edge (the gradient flows back), each set toggled by a
checkbox. The script (templates/trace.js) fills the details panel when a node
is clicked.

>>> import chainrule
>>> from chainrule import explain
>>> x = chainrule.tensor([1.0, 2.0], requires_grad=True)
>>> page = explain.trace(lambda x: (x * x).sum(), x).to_html()
>>> page.count(' data-node-id="')  # one <g> per node in the SVG
3
"""

import html
import json
from importlib import resources
from string import Template

from .layout import coordinates

NODE_WIDTH = 156
NODE_HEIGHT = 64


def template(name):
    """The text of a file in templates/."""
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


def trace_page(trace):
    """The whole page as a string."""
    # <, > and & as JSON escapes: no name can then end the script element or open an HTML comment in it
    # ("<!--<script" would leave the browser's parser in a state where the page's script never runs).
    data = json.dumps(trace.to_dict(), ensure_ascii=False, allow_nan=False)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Template(template("trace.html")).substitute(
        description=html.escape(trace.description),
        loss=f"{trace.loss:.6g}",
        node_count=len(trace.nodes),
        style=template("page.css"),
        svg=graph_svg(trace),
        parameters=parameter_table(trace),
        data=data,
        script=template("trace.js"),
    )


def graph_svg(trace):
    """The graph: nodes as boxes in columns, forward and backward edges as arrows."""
    inputs = [[source for source, _ in node.inputs] for node in trace.nodes]
    loss = trace.loss_node.id if trace.loss_node is not None else None
    points, (width, height) = coordinates(inputs, loss, NODE_WIDTH, NODE_HEIGHT, gap_x=54)
    edges = []
    for node in trace.nodes:
        for slot, (source, output_nr) in enumerate(node.inputs):
            edges.append(
                _edges(points[source], points[node.id], source, node.id, slot, len(node.inputs), output_nr)
            )
    boxes = [_node_box(node, points[node.id]) for node in trace.nodes]
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" id="graph-svg" '
            f'width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="computational graph">',
            "<defs>",
            _marker("arrow-forward", "var(--forward)"),
            _marker("arrow-backward", "var(--backward)"),
            "</defs>",
            '<g class="edges">',
            *edges,
            "</g>",
            '<g class="nodes">',
            *boxes,
            "</g>",
            "</svg>",
        ]
    )


def _marker(name, colour):
    return (
        f'<marker id="{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9" '
        f'markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" style="fill:{colour}"/></marker>'
    )


def _edges(source_point, target_point, source, target, slot, slots, output_nr):
    """A solid forward arrow (source -> target) and a dashed backward one (target -> source)."""
    x0 = source_point[0] + NODE_WIDTH
    y0 = source_point[1] + NODE_HEIGHT / 2
    x1 = target_point[0]
    # several inputs enter one node at different heights, in argument order
    y1 = target_point[1] + NODE_HEIGHT * (slot + 1) / (slots + 1)
    bend = max(30.0, (x1 - x0) / 2)
    forward = _curve((x0, y0 - 4), (x0 + bend, y0 - 4), (x1 - bend, y1 - 4), (x1, y1 - 4))
    backward = _curve((x1, y1 + 4), (x1 - bend, y1 + 4), (x0 + bend, y0 + 4), (x0, y0 + 4))
    label = f"#{source}" + (f"[{output_nr}]" if output_nr else "") + f" → #{target} (argument {slot})"
    return (
        f'<path class="edge forward" data-from="{source}" data-to="{target}" d="{forward}">'
        f"<title>value {html.escape(label)}</title></path>\n"
        f'<path class="edge backward" data-from="{target}" data-to="{source}" d="{backward}">'
        f"<title>gradient ∂L/∂#{source} ← #{target}</title></path>"
    )


def _curve(start, control1, control2, end):
    """An SVG path: a cubic Bezier from ``start`` to ``end``."""
    (a, b), (c, d), (e, f), (g, h) = start, control1, control2, end
    return f"M{a:.1f},{b:.1f} C{c:.1f},{d:.1f} {e:.1f},{f:.1f} {g:.1f},{h:.1f}"


def _node_box(node, point):
    x, y = point
    classes = ["node", f"kind-{node.kind}"]
    if node.is_loss:
        classes.append("loss")
    if not node.requires_grad:
        classes.append("no-grad")
    value, grad = node.value, node.grad
    if (value is not None and value.has_nonfinite) or (grad is not None and grad.has_nonfinite):
        classes.append("bad")
    title = node.label + (" = L" if node.is_loss else "")
    shape = "×".join(str(d) for d in value.shape) if value is not None and value.shape else "scalar"
    sub = f"#{node.id} · {shape}"
    if node.module:
        name = node.module.split(" ")[0]
        sub += " · loss" if name == "loss_fn" else f" · layer {name}"
    line3 = ""
    if value is not None and value.values is not None and value.values.size == 1:
        line3 = f"= {_single(value)}"
        if grad is not None and grad.values is not None and grad.values.size == 1:
            line3 += f"   ∂L/∂ = {_single(grad)}"
    elif node.requires_grad and grad is None:
        line3 = "no gradient"
    elif grad is not None:
        line3 = f"‖∂L/∂·‖ = {grad.norm:.4g}"
    where = f"{node.location}  {node.location.code}" if node.location is not None else node.kind
    return (
        f'<g class="{" ".join(classes)}" data-node-id="{node.id}" tabindex="0" role="button" '
        f'transform="translate({x:.1f},{y:.1f})">'
        f"<title>{html.escape(where)}</title>"
        f'<rect width="{NODE_WIDTH}" height="{NODE_HEIGHT}"></rect>'
        f'<text class="title" x="10" y="19">{html.escape(_clip(title, 22))}</text>'
        f'<text class="sub" x="10" y="36">{html.escape(_clip(sub, 30))}</text>'
        f'<text class="sub" x="10" y="53">{html.escape(_clip(line3, 30))}</text>'
        "</g>"
    )


def _single(snapshot):
    """The one number of a one-element snapshot."""
    return f"{float(snapshot.values.reshape(-1)[0]):.4g}"


def _clip(text, length):
    return text if len(text) <= length else text[: length - 1] + "…"


def parameter_table(trace):
    """Each parameter's gradient beside the numeric check (static HTML)."""
    rows = [
        "<tr><th>parameter</th><th>shape</th><th>gradient ∂L/∂w</th><th>entries checked</th>"
        "<th>autograd</th><th>numeric</th><th>check</th></tr>"
    ]
    for node in trace.parameters:
        grad = node.grad
        grad_text = html.escape(grad.text(width=50)) if grad is not None else "no gradient"
        check = node.check
        shape = "×".join(str(d) for d in node.value.shape) or "scalar"
        if check is None:
            cells = "<td></td><td></td><td></td><td class='muted'>not checked</td>"
        else:
            mark = "<span class='ok'>✓</span>" if check.passed else "<span class='fail'>✗</span>"
            cells = (
                f"<td class='mono'>{'<br>'.join(html.escape(str(list(i))) for i in check.indices)}</td>"
                f"<td class='num'>{'<br>'.join(f'{v:.6g}' for v in check.autograd)}</td>"
                f"<td class='num'>{'<br>'.join(f'{v:.6g}' for v in check.numeric)}</td>"
                f"<td>{mark} max difference {check.max_abs_diff:.1e} ({check.dtype})</td>"
            )
        rows.append(
            f'<tr data-select="{node.id}"><td><code>{html.escape(node.label)}</code></td><td>{shape}</td>'
            f"<td><pre class='mono'>{grad_text}</pre></td>{cells}</tr>"
        )
    return '<table class="list">' + "\n".join(rows) + "</table>"
