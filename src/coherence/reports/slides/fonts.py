"""The fonts the slides are drawn with: DejaVu Sans when the system has it (Debian's
``fonts-dejavu-core``: wide Unicode coverage), else Bitstream Vera, which ReportLab
ships (DejaVu's ancestor), so the renderers need nothing from the system."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SYSTEM = Path("/usr/share/fonts/truetype/dejavu")


@cache
def font_files() -> tuple[Path, Path]:
    """The regular and bold TrueType files."""
    regular, bold = SYSTEM / "DejaVuSans.ttf", SYSTEM / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return regular, bold
    import reportlab

    shipped = Path(reportlab.__file__).resolve().parent / "fonts"
    return shipped / "Vera.ttf", shipped / "VeraBd.ttf"
