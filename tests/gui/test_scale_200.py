"""Text fits and icons are sharp at 200 % scale: runs tests/gui/scale_walk.py in a child
pytest, since Qt reads QT_SCALE_FACTOR only when its QApplication is made."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: One 1920x1080 screen for Qt's offscreen platform (its default is 800x600).
_SCREEN = {
    "screens": [
        {
            "name": "laptop",
            "x": 0,
            "y": 0,
            "width": 1920,
            "height": 1080,
            "logicalDpi": 96,
            "logicalBaseDpi": 96,
            "dpr": 1,
        }
    ]
}
_ROOT = Path(__file__).resolve().parents[2]


def test_every_screen_and_dialog_fits_at_200_percent(tmp_path: Path) -> None:
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(_SCREEN))
    env = dict(os.environ)
    env.update(QT_SCALE_FACTOR="2", QT_QPA_PLATFORM=f"offscreen:configfile={config}")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(Path(__file__).with_name("scale_walk.py")),
        ],
        cwd=_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout
