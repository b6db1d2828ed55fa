"""Open a supportrm report in headless Chromium: screenshot, no console errors, every image loaded.

Usage::

    python bench/report_screenshot.py                 # builds a report from a synthetic run dir
    python bench/report_screenshot.py runs/default    # checks RUN_DIR/report.html (built if missing)

Installs Debian's ``chromium`` with apt-get when no Chromium is on PATH. Two browser runs:

1. An instrumented copy of the report (a small script prepended to ``<head>``) records console
   errors, uncaught exceptions and failed resource loads, and after ``load`` writes for every
   ``<img>`` whether it decoded (``complete && naturalWidth > 0``) into the DOM, which
   ``--dump-dom`` prints. The report itself contains no script; the copy only observes it.
2. The unmodified report with ``--enable-logging=stderr``: any ``CONSOLE`` error line Chromium logs
   counts as a console error too. This run takes the screenshot (page height from run 1).

Writes ``bench/results/report_screenshot.json`` (machine, versions, command, findings) and
``bench/results/report_screenshot.png``; exits 1 when an image failed or a console error occurred.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]
WIDTH = 1280
MAX_HEIGHT = 16000

PROBE = """<script>
(function () {
  var errors = [];
  var origError = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return origError.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) {
      errors.push("failed to load: " + String(t.src || t.href).slice(0, 80));
    } else {
      errors.push("uncaught: " + e.message);
    }
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    errors.push("unhandled rejection: " + e.reason);
  });
  window.addEventListener("load", function () {
    var imgs = Array.prototype.map.call(document.images, function (img) {
      return {alt: img.alt, loaded: img.complete && img.naturalWidth > 0,
              width: img.naturalWidth, height: img.naturalHeight,
              data_uri: img.src.indexOf("data:image/") === 0};
    });
    var out = document.createElement("pre");
    out.id = "__supportrm_probe";
    out.textContent = JSON.stringify({errors: errors, images: imgs,
                                      height: document.documentElement.scrollHeight});
    document.body.appendChild(out);
  });
})();
</script>"""


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    if shutil.which("apt-get"):
        print("chromium not found: installing Debian's chromium with apt-get", file=sys.stderr)
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run([*sudo, "apt-get", "update", "-q"], check=True)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-q", "chromium"], check=True)
        path = shutil.which("chromium")
        if path:
            return path
    raise SystemExit("no Chromium available and apt-get could not install it")


def run_chromium(binary: str, args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    cmd = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180)


def console_errors_from_log(stderr: str) -> list[str]:
    # Chromium logs page console messages as e.g. `...:INFO:CONSOLE(12)] "msg", source: ...`;
    # the log level of console.error messages is ERROR, and uncaught exceptions say "Uncaught".
    out = []
    for line in stderr.splitlines():
        if "CONSOLE" in line and (":ERROR:" in line or "Uncaught" in line):
            out.append(line.strip()[:300])
    return out


def ensure_report(run_dir: Path | None, workdir: Path) -> Path:
    sys.path.insert(0, str(REPO / "src"))
    from supportrm.report import build_report
    from supportrm.report.synthetic import make_synthetic_run

    if run_dir is None:
        run_dir = make_synthetic_run(workdir / "synthetic-run")
        return build_report(run_dir).html
    html = run_dir / "report.html"
    return html if html.exists() else build_report(run_dir).html


def main(argv: list[str]) -> int:
    run_dir = Path(argv[1]).resolve() if len(argv) > 1 else None
    binary = find_chromium()
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    RESULTS.mkdir(parents=True, exist_ok=True)
    shot = RESULTS / "report_screenshot.png"
    with tempfile.TemporaryDirectory(prefix="supportrm-shot-") as tmp:
        tmpdir = Path(tmp)
        html = ensure_report(run_dir, tmpdir)
        text = html.read_text(encoding="utf-8")
        probe_html = tmpdir / "probe.html"
        probe_html.write_text(text.replace("<head>", "<head>\n" + PROBE, 1), encoding="utf-8")

        t0 = time.perf_counter()
        dom = run_chromium(
            binary,
            ["--virtual-time-budget=10000", "--dump-dom", probe_html.as_uri()],
            tmpdir / "profile-probe",
        )
        m = re.search(r'<pre id="__supportrm_probe">(.*?)</pre>', dom.stdout, flags=re.S)
        if not m:
            print(dom.stderr[-3000:], file=sys.stderr)
            raise SystemExit("probe output not found in the dumped DOM (page did not load?)")
        probe = json.loads(
            m.group(1)
            .replace("&quot;", '"')
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
        )
        height = min(MAX_HEIGHT, max(800, int(probe["height"])))
        shot_run = run_chromium(
            binary,
            [
                "--enable-logging=stderr",
                "--v=0",
                f"--window-size={WIDTH},{height}",
                f"--screenshot={shot}",
                html.as_uri(),
            ],
            tmpdir / "profile-shot",
        )
        wall = time.perf_counter() - t0
    if shot.exists():
        try:  # 256-colour PNG: the page is mostly flat colours; keeps bench/results small
            from PIL import Image

            Image.open(shot).convert("RGB").quantize(256).save(shot, optimize=True)
        except ImportError:
            pass
    log_errors = console_errors_from_log(shot_run.stderr) + console_errors_from_log(dom.stderr)
    images = probe["images"]
    failed = [i for i in images if not i["loaded"]]
    ok = bool(images) and not failed and not probe["errors"] and not log_errors and shot.exists()
    result = {
        "command": " ".join([sys.executable, *argv]),
        "report": str(html),
        "ok": ok,
        "n_images": len(images),
        "n_images_loaded": len(images) - len(failed),
        "all_images_data_uris": all(i["data_uri"] for i in images),
        "failed_images": failed,
        "console_errors": probe["errors"] + log_errors,
        "page_height_px": probe["height"],
        "screenshot": str(shot.relative_to(REPO)),
        "screenshot_size": [WIDTH, height],
        "chromium_wall_s": round(wall, 2),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
        },
        "versions": {"chromium": version},
        "flags": FLAGS,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    (RESULTS / "report_screenshot.json").write_text(json.dumps(result, indent=2) + "\n")
    print(
        json.dumps(
            {
                k: result[k]
                for k in ("ok", "n_images", "n_images_loaded", "console_errors", "screenshot")
            },
            indent=2,
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
