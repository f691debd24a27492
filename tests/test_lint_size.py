"""``sliderepl lint --size WxH``: the height a slide really takes, from a
headless run drawn through the REPL's screen code."""

from __future__ import annotations

from pathlib import Path

import pytest

from sliderepl import cli
from sliderepl.deck.parser import parse
from sliderepl.tools.lint_size import measure, parse_size, screen_lines

DECK = '''\
### slide::
### title:: Short
x = 1

### slide::
### title:: Prints forty lines
for i in range(40):
    print(i)

### slide::
### title:: One long line
print("y" * 250)

### slide:: x
### title:: Shown, never run
a = 1
b = 2
c = 3

### slide::
### title:: An exercise
### exercise:: make z 3
### check:: z == 3
### solution:: for i in range(100): print(i)
### solution:: z = 3
z = 0
'''


def heights(tmp_path: Path, width: int = 100) -> dict[str, int]:
    path = tmp_path / "d.py"
    path.write_text(DECK)
    deck = parse(DECK, path)
    return {h.slide.title or "": h.lines for h in measure(deck, width)}


def test_printed_output_counts_and_long_lines_wrap(tmp_path: Path) -> None:
    found = heights(tmp_path)
    # header box: 3 lines (border, title, border); ">>> x = 1": 1
    assert found["Short"] == 4
    # header 3, code 2 lines, 40 printed lines
    assert found["Prints forty lines"] == 3 + 2 + 40
    # 250 characters wrap to 3 lines at 100 columns, 4 at 80
    assert found["One long line"] == 3 + 1 + 3
    assert heights(tmp_path, 80)["One long line"] == 3 + 1 + 4
    # display-only code is drawn though it never runs
    assert found["Shown, never run"] == 3 + 3
    # the task is counted; the 100 lines of the solution are not
    assert found["An exercise"] == 3 + 1 + 2


def test_screen_lines_wraps_at_the_width() -> None:
    assert screen_lines("", 10) == 0
    assert screen_lines("a\n", 10) == 1
    assert screen_lines("a" * 21 + "\n\nb", 10) == 3 + 1 + 1


def test_parse_size() -> None:
    assert parse_size("100x30") == (100, 30)
    for bad in ("100", "x30", "10x30", "100x2", "axb"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_cli_names_each_slide_too_tall(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.py"
    path.write_text(DECK)
    assert cli.main(["lint", str(path), "--size", "100x30"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f'{path}:5: slide 2 is 45 lines at 100x30 (room for 28) '
        '"Prints forty lines"'
    ]
    assert f"{path}: 1 of 5 slides too tall at 100x30" in err
    # at 100x50 everything fits
    assert cli.main(["lint", str(path), "--size", "100x50"]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "0 of 5 slides too tall at 100x50" in err


def test_cli_rejects_a_bad_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "d.py"
    path.write_text(DECK)
    assert cli.main(["lint", str(path), "--size", "wide"]) == 2
    assert "expected WIDTHxHEIGHT" in capsys.readouterr().err
