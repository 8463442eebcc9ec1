"""`salesdept bench --requests N` takes a whole number of at least 1; anything else is argparse's
usage error (exit 2), never a benchmark of zero or negative requests."""

import pytest

from salesdept.cli import build_parser


def test_requests_is_a_positive_whole_number():
    assert build_parser().parse_args(["bench", "--requests", "12"]).requests == 12
    assert build_parser().parse_args(["bench"]).requests is None  # the default: 500, or 50 with --quick


@pytest.mark.parametrize("bad", ["0", "-3", "x", "1.5"])
def test_other_requests_are_refused(bad, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["bench", "--requests", bad])
    assert exit_.value.code == 2
    assert "at least 1" in capsys.readouterr().err
