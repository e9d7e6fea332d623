"""Build plots/offline.html: DVC's plots page with vega, vega-lite and vega-embed inlined.

    python plots/build_offline.py          # needs npm (the npm registry) once

DVC's own page loads these three libraries from a CDN, so offline it stays blank. This
template carries them (the versions dvc-render asks for), so `dvc plots show` / `dvc plots
diff` pages work with no network; .dvc/config points `plots.html_template` at it. Their
licences are copied next to it, in plots/licenses/.
"""

import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "plots"
PACKAGES = {  # npm package -> its browser build; versions as in dvc_render/vega.py
    "vega@5.20.2": "build/vega.min.js",
    "vega-lite@5.2.0": "build/vega-lite.min.js",
    "vega-embed@6.18.2": "build/vega-embed.min.js",
}
PAGE = """<!DOCTYPE html>
<html>
<head>
    {{refresh_tag}}
    <meta charset="utf-8">
    <title>DVC plots (offline)</title>
{scripts}
    <style>
        body {{ font-family: sans-serif; }}
        table {{ border-spacing: 15px; }}
    </style>
</head>
<body>
    {{plot_divs}}
</body>
</html>
"""


def main() -> None:
    scripts = []
    (OUT / "licenses").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for package, build in PACKAGES.items():
            name = subprocess.run(["npm", "pack", "-q", package], cwd=tmp, check=True,
                                  capture_output=True, text=True).stdout.split()[-1]
            with tarfile.open(Path(tmp) / name) as tgz:
                code = tgz.extractfile(f"package/{build}").read().decode()
                licence = tgz.extractfile("package/LICENSE").read().decode()
            short = package.split("@")[0]
            (OUT / "licenses" / f"{short}-LICENSE").write_text(licence)
            code = code.replace("</script", "<\\/script")  # cannot end the element early
            scripts.append(f"    <!-- {package} ({build}), licence: licenses/{short}-LICENSE -->\n"
                           f"    <script>{code}</script>")
    (OUT / "offline.html").write_text(PAGE.format(scripts="\n".join(scripts)))
    print(f"wrote {OUT / 'offline.html'} ({(OUT / 'offline.html').stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
