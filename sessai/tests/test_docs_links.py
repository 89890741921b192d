"""The docs point only inside the repository (issue 36): every relative link of README.md and
docs/ resolves to a file here (and its `#anchor` to a heading of it), and no doc names a file the
reader cannot see (the team's working notes, a comparison file, rows of a table elsewhere)."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "bench").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")
OUTSIDE = re.compile(
    r"\.\./shared|shared/[\w-]+\.md|ui-contract-gap|frontend-reference\.md|api-contract\.md|\brow \d+ of\b", re.I
)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    return {_anchor(line.lstrip("#")) for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")}


def test_every_relative_link_resolves_inside_the_repository():
    broken = []
    for doc in DOCS:
        for match in LINK.finditer(doc.read_text(encoding="utf-8")):
            target = match.group(1) or match.group(2)
            if re.match(r"^(?:https?:|mailto:)", target):
                continue
            path, _, anchor = target.partition("#")
            resolved = (doc.parent / path).resolve() if path else doc
            if not resolved.exists() or ROOT not in resolved.parents and resolved != ROOT:
                broken.append(f"{doc.relative_to(ROOT)}: {target}")
            elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
                broken.append(f"{doc.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == []


def test_no_doc_names_a_file_outside_the_repository():
    named = [
        f"{doc.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for doc in DOCS
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert named == []
