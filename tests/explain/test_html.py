"""The trace as an HTML page: the graph laid out left to right, self-contained,
and (in headless Chromium) drawn, clickable and free of console errors."""

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest

import chainrule
from chainrule import explain, nn
from chainrule.explain.layout import layered_layout

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def mlp_trace():
    chainrule.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Sigmoid(), nn.Linear(3, 1))
    x = chainrule.randn(4, 2)
    return explain.trace(model, x, target=chainrule.randn(4, 1), loss_fn=nn.MSELoss())


def embedded_data(page):
    match = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def test_the_page_draws_one_svg_group_per_node_and_carries_every_number():
    trace = mlp_trace()
    page = trace.to_html()
    ids = re.findall(r'<g class="node[^"]*" data-node-id="(\d+)"', page)
    assert sorted(map(int, ids)) == [node.id for node in trace.nodes]
    data = embedded_data(page)
    assert [n["label"] for n in data["nodes"]] == [n.label for n in trace.nodes]
    weight = next(n for n in data["nodes"] if n["label"] == "0.weight")
    assert weight["grads"][0]["values"] == trace.node("0.weight").grad.values.tolist()
    assert weight["check"]["passed"] is True


def test_names_with_html_markup_cannot_break_out_of_the_embedded_data():
    name = "a<!--<script>&</script>"
    chainrule.manual_seed(0)
    model = nn.Sequential()
    model.add_module(name, nn.Linear(2, 1))
    trace = explain.trace(model, chainrule.randn(4, 2), target=chainrule.randn(4, 1), loss_fn=nn.MSELoss())
    page = trace.to_html()
    script = re.search(r'<script type="application/json" id="trace-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in script and ">" not in script and "&" not in script
    data = embedded_data(page)
    assert data == json.loads(json.dumps(trace.to_dict()))
    assert f"{name}.weight" in [node["label"] for node in data["nodes"]]


def test_every_edge_is_drawn_forward_and_backward():
    trace = mlp_trace()
    page = trace.to_html()
    forward = re.findall(r'class="edge forward" data-from="(\d+)" data-to="(\d+)"', page)
    backward = re.findall(r'class="edge backward" data-from="(\d+)" data-to="(\d+)"', page)
    expected = sorted((str(source), str(node.id)) for node in trace.nodes for source, _ in node.inputs)
    assert sorted(forward) == expected
    assert sorted((to, frm) for frm, to in backward) == expected


def test_the_page_needs_no_network():
    page = mlp_trace().to_html()
    assert "<link" not in page and "src=" not in page and "@import" not in page
    urls = set(re.findall(r"https?://[^\s\"')]+", page))
    assert urls <= {"http://www.w3.org/2000/svg"}  # the SVG namespace name, never fetched


def test_inputs_and_parameters_lie_left_of_their_ops_and_the_loss_is_rightmost():
    trace = mlp_trace()
    inputs = [[source for source, _ in node.inputs] for node in trace.nodes]
    columns = layered_layout(inputs, trace.loss_node.id)
    for node in trace.nodes:
        for source in inputs[node.id]:
            assert columns[source] < columns[node.id]
    assert columns[trace.loss_node.id] == max(columns.values())
    assert {columns[n.id] for n in trace.nodes if n.label in ("input", "0.weight", "0.bias")} == {0}


def test_a_node_with_a_nan_value_is_marked_on_the_graph():
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    with pytest.warns(RuntimeWarning):
        page = explain.trace(lambda x: x.log().sum(), x, check=False).to_html()
    assert re.search(r'<g class="node kind-op[^"]*\bbad\b[^"]*" data-node-id="1"', page)


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None, reason="Chromium and chromedriver are not installed"
)
def test_the_page_in_headless_chromium_draws_every_node_and_shows_a_clicked_node():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    trace = mlp_trace()
    ARTIFACTS.mkdir(exist_ok=True)
    page_path = ARTIFACTS / "trace_page.html"
    trace.save_html(page_path)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}",
        "--window-size=1500,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.get(page_path.resolve().as_uri())
        drawn = driver.find_elements(By.CSS_SELECTOR, "[data-node-id]")
        assert len(drawn) == len(trace.nodes)
        assert all(element.is_displayed() for element in drawn)
        sizes = driver.execute_script(
            "return Array.from(document.querySelectorAll('[data-node-id] rect'))"
            ".map(r => r.getBoundingClientRect().width)"
        )
        assert min(sizes) > 50  # really drawn, not collapsed

        sigmoid = trace.node("Sigmoid")
        driver.find_element(By.CSS_SELECTOR, f'[data-node-id="{sigmoid.id}"]').click()
        details = driver.find_element(By.ID, "details").text
        assert f"#{sigmoid.id} Sigmoid" in details
        assert "SigmoidBackward0" in details and "1 (Sigmoid)" in details
        first_value = float(sigmoid.value.values[0, 0])
        first_grad = float(sigmoid.grad.values[0, 0])
        assert f"{first_value:.5g}" in details and f"{first_grad:.5g}" in details
        selected = driver.find_elements(By.CSS_SELECTOR, "g.node.selected")
        assert [g.get_attribute("data-node-id") for g in selected] == [str(sigmoid.id)]

        weight = trace.node("0.weight")
        driver.find_element(By.CSS_SELECTOR, f'[data-node-id="{weight.id}"]').click()
        details = driver.find_element(By.ID, "details").text
        assert "finite-difference check" in details and "✓" in details

        driver.find_element(By.ID, "show-backward").click()
        dashed = driver.find_element(By.CSS_SELECTOR, "path.edge.backward")
        assert dashed.value_of_css_property("display") == "none"
        driver.find_element(By.ID, "show-backward").click()
        assert dashed.value_of_css_property("display") != "none"

        screenshot = ARTIFACTS / "trace_page.png"
        driver.find_element(By.CSS_SELECTOR, f'[data-node-id="{sigmoid.id}"]').click()
        driver.save_screenshot(str(screenshot))
        print(f"screenshot: {screenshot.resolve()}")
        errors = [entry for entry in driver.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]
        assert errors == []
    finally:
        driver.quit()
    assert screenshot.stat().st_size > 10_000
