"""A layered left-to-right layout for a traced graph.

Each op goes one column right of its right-most input, so data flows left to
right and the loss ends in the last column. A leaf (input, parameter,
constant) sits one column left of the first op that uses it: inputs and
parameters are on the left of everything they feed, and a parameter of the
last layer is drawn next to that layer rather than far away in column 0.
Within a column, nodes are ordered by the average row of their neighbours
(the barycenter heuristic, a few sweeps each way), which removes most edge
crossings in the small graphs a learner looks at.

>>> columns = layered_layout([[], [], [0, 1], [2]], loss=3)
>>> columns
{0: 0, 1: 0, 2: 1, 3: 2}
"""


def layered_layout(inputs, loss=None):
    """Column of each node. ``inputs[i]`` lists the node ids node i reads
    (ids are in creation order, so inputs come first)."""
    n = len(inputs)
    consumers = [[] for _ in range(n)]
    for i, sources in enumerate(inputs):
        for s in sources:
            consumers[s].append(i)
    column = [0] * n
    for i, sources in enumerate(inputs):
        if sources:
            column[i] = 1 + max(column[s] for s in sources)
    for i in range(n):
        if not inputs[i] and consumers[i]:
            column[i] = max(0, min(column[c] for c in consumers[i]) - 1)
    if loss is not None:
        column[loss] = max(column)
    return dict(enumerate(column))


def order_rows(inputs, columns, sweeps=4):
    """Row order inside each column: {column: [node ids top to bottom]}."""
    n = len(inputs)
    consumers = [[] for _ in range(n)]
    for i, sources in enumerate(inputs):
        for s in sources:
            consumers[s].append(i)
    by_column = {}
    for node in range(n):
        by_column.setdefault(columns[node], []).append(node)
    position = {}

    def remember():
        for nodes in by_column.values():
            for row, node in enumerate(nodes):
                position[node] = row - (len(nodes) - 1) / 2

    remember()
    ordered = sorted(by_column)
    for _ in range(sweeps):
        for neighbours, sequence in ((inputs, ordered), (consumers, ordered[::-1])):
            for col in sequence:
                nodes = by_column[col]

                def key(node, neighbours=neighbours):
                    near = neighbours[node]
                    return sum(position[m] for m in near) / len(near) if near else position[node]

                nodes.sort(key=key)
                remember()
    return by_column


def coordinates(inputs, loss=None, width=170, height=64, gap_x=70, gap_y=26):
    """(x, y) of each node's top-left corner, and the total (width, height)."""
    columns = layered_layout(inputs, loss)
    rows = order_rows(inputs, columns)
    tallest = max((len(nodes) for nodes in rows.values()), default=0)
    total_height = tallest * (height + gap_y) + gap_y
    points = {}
    for col, nodes in rows.items():
        top = (total_height - len(nodes) * (height + gap_y) + gap_y) / 2
        for row, node in enumerate(nodes):
            points[node] = (gap_x / 2 + col * (width + gap_x), top + row * (height + gap_y))
    total_width = (max(columns.values(), default=0) + 1) * (width + gap_x)
    return points, (total_width, total_height)
