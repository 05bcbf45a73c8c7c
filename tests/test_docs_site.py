"""The documentation site: it builds in strict mode, and says what the code says.

A broken link or anchor, a page missing from the nav or a missing included
file fails `mkdocs build --strict` (mkdocs.yml's `validation`), so one build
checks every page.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from orgwh.cli import app

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for this module, strictly."""
    site_dir = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert built.returncode == 0, built.stderr + built.stdout
    return site_dir


def test_every_command_is_in_the_cli_reference(site: Path) -> None:
    page = (site / "reference" / "cli" / "index.html").read_text()
    group = typer.main.get_command(app)
    commands = group.list_commands(typer.Context(group, info_name="orgwh"))
    assert commands
    for name in commands:
        assert f'id="orgwh-{name}"' in page, f"orgwh {name} is missing from the CLI reference"


def test_the_python_reference_documents_the_public_api(site: Path) -> None:
    page = (site / "reference" / "python" / "index.html").read_text()
    import orgwh

    for name in orgwh.__all__:
        assert f'id="orgwh.{name}"' in page or f'id="orgwh.errors.{name}"' in page, name


def test_the_benchmarks_page_includes_the_generated_results(site: Path) -> None:
    page = (site / "benchmarks" / "index.html").read_text()
    results = (ROOT / "benchmarks" / "RESULTS.md").read_text()
    first_heading = next(line for line in results.splitlines() if line.startswith("## "))
    assert first_heading.removeprefix("## ").split(" ", 1)[1] in page


def test_pages_load_nothing_from_the_network(site: Path) -> None:
    """Diagrams and fonts come with the site: no page asks a CDN for them."""
    assert (site / "assets" / "javascripts" / "mermaid.min.js").is_file()
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert "fonts.googleapis" not in html, page
        assert not re.search(r"<script[^>]+src=\"https?://", html), page


def test_every_cited_spec_section_is_in_the_contract() -> None:
    """A comment's "SPEC 4" (or "SPEC 4.3") is a numbered section of docs/contract.md."""
    contract = (ROOT / "docs" / "contract.md").read_text()
    sections = set(re.findall(r"^#+ ([0-9.]+) .*\{#spec-[0-9-]+\}$", contract, re.MULTILINE))
    sections = {number.rstrip(".") for number in sections}
    cited = set()
    for folder in ("orgwh", "models", "macros", "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".sql", ".yml"}:
                cited |= set(re.findall(r"SPEC ([0-9]+(?:\.[0-9]+)?)", path.read_text()))
    assert cited and cited <= sections, f"cited but not in the contract: {cited - sections}"


def test_the_readme_is_short_and_stays_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert "../shared" not in readme
