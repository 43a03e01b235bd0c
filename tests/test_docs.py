"""The README documents every setting and every command."""

from pathlib import Path

from api.cli import app
from kg.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def test_every_setting_is_in_the_readme_and_has_help():
    for name, field in Settings.model_fields.items():
        assert f"KG_{name.upper()}" in README, name
        assert field.description, name


def test_every_command_is_in_the_readme():
    names = [command.name or command.callback.__name__ for command in app.registered_commands]
    assert names
    for name in names:
        assert f"`kg {name}" in README, name
