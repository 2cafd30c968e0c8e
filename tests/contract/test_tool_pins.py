"""The tools a fresh machine installs are pinned once: uv's version is the same wherever it
is installed (the scripts' prerequisites and the image), and every script the README and CI
run starts by installing what is missing."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PREREQUISITES = ROOT / "scripts" / "lib" / "prerequisites.sh"


def _pinned_uv() -> str:
    found = re.search(r"^HOURBANK_UV_VERSION=([0-9.]+)$", PREREQUISITES.read_text(), re.M)
    assert found, "scripts/lib/prerequisites.sh must pin HOURBANK_UV_VERSION"
    return found.group(1)


def test_the_image_installs_the_same_uv_as_the_scripts() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert re.findall(r"uv==([0-9.]+)", dockerfile) == [_pinned_uv()]


def test_every_entry_script_installs_its_prerequisites_before_using_uv() -> None:
    for name in ("run-local", "test", "bench", "chaos"):
        text = (ROOT / "scripts" / name).read_text()
        install = text.find("hourbank_ensure_prerequisites")
        first_uv = re.search(r"^\s*(?:exec )?uv (?:sync|run)\b", text, re.M)
        assert install != -1, f"scripts/{name} does not install its prerequisites"
        assert first_uv, f"scripts/{name} does not run uv"
        assert install < first_uv.start(), f"scripts/{name} uses uv before installing it"


def test_ci_is_a_thin_wrapper_around_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in readme.split("```")[1], "the README's first lines name scripts/test"
    commands = [
        line for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    assert any(line.startswith("exec bash scripts/test") for line in commands)
    assert not any("apt-get" in line or "pip install" in line for line in commands)
