"""Open a page in headless Chromium, offline, and report what rendered and what went wrong."""

import html
import json
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))
                 if p), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not found: install Debian's `chromium` package "
    "(.ci/run does) to check the plots page in a real browser")

# Injected into a copy of the page: records console errors, failed loads and uncaught errors,
# and, every 250 ms until the page is dumped, how much each chart drew (inked canvas pixels,
# SVG marks).
PROBE = """<script>
window.__errors = [];
const __consoleError = console.error;
console.error = (...args) => { window.__errors.push(args.join(" ")); __consoleError(...args); };
window.addEventListener("error", e => window.__errors.push(
  "error: " + (e.message || (e.target && (e.target.src || e.target.href)))), true);
window.addEventListener("unhandledrejection", e => window.__errors.push("rejection: " + e.reason));
function __probe() {
  const charts = [...document.querySelectorAll("canvas.marks, svg.marks")].map(el => {
    if (el.tagName.toLowerCase() !== "canvas") return el.querySelectorAll("path, rect, line").length;
    if (!el.width || !el.height) return 0;
    const px = el.getContext("2d").getImageData(0, 0, el.width, el.height).data;
    let inked = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
    return inked;
  });
  let out = document.getElementById("probe");
  if (!out) {
    out = document.createElement("pre");
    out.id = "probe";
    document.body.appendChild(out);
  }
  out.textContent = JSON.stringify({errors: window.__errors, charts: charts});
}
document.addEventListener("DOMContentLoaded", () => { __probe(); setInterval(__probe, 250); });
</script>"""
# Only turns a hang into a failure: a render takes seconds (the page's time is virtual, above).
HANG_S = 1200
OFFLINE = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
           "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND"]


def render(page: Path) -> dict:
    """{"errors": [...], "charts": [ink per chart]} of `page`, with no network."""
    probed = page.with_name(f"probed-{page.name}")
    probed.write_text(page.read_text().replace("<head>", "<head>" + PROBE, 1))
    dom = subprocess.run([CHROMIUM, *OFFLINE, "--window-size=1300,2400", "--dump-dom",
                          probed.as_uri()], check=True, capture_output=True, text=True,
                         timeout=HANG_S).stdout
    start = dom.index('<pre id="probe">') + len('<pre id="probe">')
    return json.loads(html.unescape(dom[start:dom.index("</pre>", start)]))
