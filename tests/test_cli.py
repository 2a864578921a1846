"""Every command has -h/--help with a one-line summary and an example; user errors are one
clear message naming the agency, file or plan, with exit status 1."""
import click
import pytest
from click.testing import CliRunner

from portalize.cli import cli


def all_commands(group=cli, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from all_commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [p for p, _ in all_commands()], ids=" ".join)
def test_help_has_summary_and_example(path):
    for flag in ("-h", "--help"):
        result = CliRunner().invoke(cli, [*path, flag])
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output
        assert "portalize " in result.output.split("Example:")[1]
    command = dict(all_commands())[path]
    assert command.get_short_help_str(200).strip()


def test_unknown_agency_is_one_clear_error(workspace):
    result = CliRunner().invoke(cli, ["transform", "so-khong-co"])
    assert result.exit_code == 1
    assert "Unknown agency 'so-khong-co'. Registered agencies: stnmt, xa-hoaxuan." in result.output
    assert "Traceback" not in result.output


def test_missing_plan_is_one_clear_error(workspace):
    result = CliRunner().invoke(cli, ["apply", "999", "--yes"])
    assert result.exit_code == 1
    assert "There is no plan 999." in result.output and "portalize plan AGENCY" in result.output


def test_a_command_needs_agencies_or_all(workspace):
    result = CliRunner().invoke(cli, ["crawl"])
    assert result.exit_code == 2 and "name one or more agencies, or pass --all" in result.output


def test_bad_origin_is_explained(workspace):
    result = CliRunner().invoke(cli, ["crawl", "stnmt", "--origin", "nonsense"])
    assert result.exit_code == 2 and "should be HOST=URL" in result.output


def test_readme_documents_every_command():
    from pathlib import Path
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for path, command in all_commands():
        if not isinstance(command, click.Group):
            assert f"portalize {' '.join(path)}" in readme, f"README does not document `portalize {' '.join(path)}`"
