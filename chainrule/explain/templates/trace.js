// chainrule.explain trace page: click a node to see its values and gradient.
// The graph itself is drawn in Python (inline SVG); this script only reads
// the JSON the page carries and fills the details panel.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var nodes = {};
  data.nodes.forEach(function (node) { nodes[node.id] = node; });
  var consumers = {};
  data.nodes.forEach(function (node) {
    node.inputs.forEach(function (edge) {
      (consumers[edge[0]] = consumers[edge[0]] || []).push(node.id);
    });
  });
  var details = document.getElementById("details");

  function el(tag, attrs, children) {
    var element = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { element.textContent = attrs[key]; } else { element.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { if (child) { element.appendChild(child); } });
    return element;
  }

  function formatNumber(value) {
    if (typeof value === "string") { return value; }
    if (typeof value === "boolean") { return value ? "true" : "false"; }
    if (value === 0) { return "0"; }
    var abs = Math.abs(value);
    if (abs >= 1e5 || abs < 1e-4) { return value.toExponential(3); }
    return String(Number(value.toPrecision(5)));
  }

  function shapeText(shape) { return shape.length ? shape.join("×") : "scalar"; }

  function cell(value) {
    var nonfinite = typeof value === "string";
    return el("td", { "class": nonfinite ? "nonfinite" : "", text: formatNumber(value) });
  }

  function matrix(snapshot) {
    if (!snapshot) { return el("p", { "class": "muted", text: "—" }); }
    var values = snapshot.values;
    if (values === null) {
      var s = snapshot.stats;
      var text = shapeText(snapshot.shape) + " (" + snapshot.shape.reduce(function (a, b) { return a * b; }, 1) +
        " values): mean " + formatNumber(s.mean) + ", std " + formatNumber(s.std) + ", min " + formatNumber(s.min) +
        ", max " + formatNumber(s.max) + ", norm " + formatNumber(s.norm);
      if (s.zeros) { text += ", " + Math.round(100 * s.zeros) + "% zeros"; }
      if (snapshot.nonfinite) { text += ", " + snapshot.nonfinite + " NaN/Inf"; }
      return el("div", {}, [el("p", { "class": "mono", text: text }),
        el("p", { "class": "muted", text: "first values: " + snapshot.head.map(formatNumber).join(", ") })]);
    }
    if (!Array.isArray(values)) { values = [[values]]; }
    else if (!Array.isArray(values[0])) { values = [values]; }
    else if (Array.isArray(values[0][0])) {
      return el("pre", { "class": "mono", text: JSON.stringify(values) });
    }
    var table = el("table", { "class": "matrix" });
    values.forEach(function (row) { table.appendChild(el("tr", {}, row.map(cell))); });
    return table;
  }

  function nodeLink(id) {
    var node = nodes[id];
    var shape = node.outputs[0] ? " (" + shapeText(node.outputs[0].shape) + ")" : "";
    var link = el("a", { "class": "node-link", text: "#" + id + " " + node.label + shape });
    link.addEventListener("click", function () { select(id); });
    return link;
  }

  function checkTable(check) {
    var rows = [el("tr", {}, ["entry", "autograd", "numeric", ""].map(function (h) { return el("th", { text: h }); }))];
    check.indices.forEach(function (index, k) {
      rows.push(el("tr", {}, [
        el("td", { "class": "mono", text: "[" + index.join(", ") + "]" }),
        el("td", { "class": "num", text: formatNumber(check.autograd[k]) }),
        el("td", { "class": "num", text: formatNumber(check.numeric[k]) }),
        el("td", { "class": check.passed ? "ok" : "fail", text: k === 0 ? (check.passed ? "✓" : "✗") : "" })
      ]));
    });
    return el("div", {}, [
      el("table", { "class": "list" }, rows),
      el("p", { "class": "muted", text: "numeric = (L(w+ε) − L(w−ε)) / 2ε with ε = " + check.eps + " in " + check.dtype +
        "; max difference " + formatNumber(check.max_abs_diff) })
    ]);
  }

  function render(node) {
    var about = [], forward = [], backward = [], check = [];
    var title = "#" + node.id + " " + node.label + (node.is_loss ? " (loss)" : node.is_output ? " (output)" : "");
    var facts = el("table", { "class": "list" });
    function fact(name, value) { facts.appendChild(el("tr", {}, [el("th", { text: name }), el("td", {}, [value])])); }
    fact("kind", document.createTextNode(node.kind));
    if (node.op) { fact("grad_fn", el("code", { text: node.op })); }
    if (node.module) { fact("layer", document.createTextNode(node.module)); }
    if (node.location) {
      fact("created at", el("span", {}, [el("code", { text: node.location.file + " in " + node.location["function"] }),
        el("br"), el("code", { text: node.location.code })]));
    }
    var value = node.outputs[0];
    if (value) { fact("shape", document.createTextNode(shapeText(value.shape) + " (" + value.dtype + ")")); }
    about.push(facts);
    if (node.inputs.length) {
      var list = el("p", {});
      node.inputs.forEach(function (edge, k) {
        if (k) { list.appendChild(document.createTextNode(", ")); }
        list.appendChild(nodeLink(edge[0]));
      });
      about.push(el("h3", { text: "inputs" }), list);
    }
    node.outputs.forEach(function (output, k) {
      var suffix = node.outputs.length > 1 ? " [output " + k + "]" : "";
      forward.push(el("h3", { text: "value (forward)" + suffix }), matrix(output));
    });
    backward.push(el("h3", { text: node.kind === "op" ? "∂L/∂ this node (backward: what arrived here)" : "∂L/∂ " + node.label + " (accumulated into .grad)" }));
    if (!node.requires_grad) {
      backward.push(el("p", { "class": "muted", text: "requires no gradient (a constant for backward)" }));
    } else if (!node.grads.length || node.grads.every(function (g) { return g === null; })) {
      backward.push(el("p", { "class": "fail", text: "no gradient reached this node: nothing on its way to the loss carries one back" }));
    } else {
      node.grads.forEach(function (grad) { backward.push(matrix(grad)); });
    }
    if (node.grad_inputs.length) {
      backward.push(el("h3", { text: "chain rule: what it sent back to each input" }));
      node.grad_inputs.forEach(function (grad, k) {
        if (!grad || k >= node.inputs.length) { return; }
        var source = nodes[node.inputs[k][0]];
        backward.push(el("p", {}, [document.createTextNode("to "), nodeLink(source.id)]), matrix(grad));
        var sourceValue = source.outputs[node.inputs[k][1]];
        if (sourceValue && shapeText(sourceValue.shape) !== shapeText(grad.shape)) {
          backward.push(el("p", { "class": "muted", text: "the input was broadcast to " + shapeText(grad.shape) +
            ", so the engine sums this over the broadcast axes back to " + shapeText(sourceValue.shape) }));
        }
      });
    }
    if (node.check) {
      check.push(el("h3", { text: "finite-difference check" }), checkTable(node.check));
    }
    var columns = [about, forward, backward, check].filter(function (part) { return part.length; }).map(function (part) {
      return el("div", {}, part);
    });
    details.replaceChildren(el("h2", { id: "details-title", text: title }), el("div", { "class": "columns" }, columns));
  }

  function select(id) {
    document.querySelectorAll("g.node.selected").forEach(function (g) { g.classList.remove("selected"); });
    document.querySelectorAll("path.edge.highlight").forEach(function (p) { p.classList.remove("highlight"); });
    var group = document.querySelector('g.node[data-node-id="' + id + '"]');
    if (group) { group.classList.add("selected"); }
    document.querySelectorAll('path.edge[data-from="' + id + '"], path.edge[data-to="' + id + '"]').forEach(function (p) {
      p.classList.add("highlight");
    });
    render(nodes[id]);
  }

  document.querySelectorAll("g.node[data-node-id]").forEach(function (group) {
    var id = Number(group.getAttribute("data-node-id"));
    group.addEventListener("click", function () { select(id); });
    group.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); select(id); }
    });
  });
  document.querySelectorAll("[data-select]").forEach(function (row) {
    row.addEventListener("click", function () { select(Number(row.getAttribute("data-select"))); });
  });
  // A graph a little wider than the window is shrunk to fit (down to 65%);
  // a larger one keeps a readable size and scrolls.
  var svg = document.getElementById("graph-svg");
  var naturalWidth = Number(svg.getAttribute("width"));
  function fit() {
    var room = document.getElementById("graph").clientWidth - 2;
    svg.style.width = (naturalWidth > room ? Math.max(room, 0.65 * naturalWidth) : naturalWidth) + "px";
    svg.style.height = "auto";
  }
  fit();
  window.addEventListener("resize", fit);
  ["forward", "backward"].forEach(function (direction) {
    var box = document.getElementById("show-" + direction);
    box.addEventListener("change", function () { document.body.classList.toggle("hide-" + direction, !box.checked); });
  });
}());
