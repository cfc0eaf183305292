"""Help from one source: every registered command is in 帮助, in its plugin's PluginMetadata and in
the README's command tables, all written from the router's registry."""

from __future__ import annotations

import re

import nonebot

from bot.chat import router
from bot.command_table import markdown_table
from bot.render import render
from tests.support.app_process import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"


def _readme_block(kind: str) -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- commands:{kind} -->\n(.*?)\n<!-- /commands:{kind} -->", text, re.S)
    assert found, f"README.md lacks the <!-- commands:{kind} --> … <!-- /commands:{kind} --> block"
    return found[1]


def test_readme_command_tables_are_the_registry():
    members = [c for c in router.listed(staff=False)]
    staff = [c for c in router.listed(staff=True) if c.staff]
    for kind, commands in (("members", members), ("staff", staff)):
        expected = markdown_table(commands)
        assert _readme_block(kind) == expected, f"paste into README.md's {kind} block:\n{expected}"


class _Actor:
    def __init__(self, staff: bool) -> None:
        self.member = None
        self.is_staff = staff


def test_help_lists_every_command_for_its_audience():
    member_commands, staff_commands = router.listed(staff=False), router.listed(staff=True)
    member_help = render("help/help.j2", actor=_Actor(False), commands=member_commands, private=True)
    staff_help = render("help/help.j2", actor=_Actor(True), commands=staff_commands, private=True)
    for command in router.commands:
        line = f"{command.usage} —— {command.summary}"
        if not command.listed:
            assert line not in staff_help
            continue
        assert line in staff_help, line
        assert (line in member_help) is (not command.staff), line


def test_every_plugin_metadata_lists_its_commands():
    plugins = {plugin.module_name: plugin for plugin in nonebot.get_loaded_plugins()}
    for command in router.commands:
        metadata = plugins[command.plugin].metadata
        assert metadata is not None, command.plugin
        assert (f"{command.usage} —— {command.summary}" in metadata.usage) is command.listed, command.names


def test_every_command_is_described():
    for command in router.commands:
        assert command.usage.startswith(command.names[0]), command.names
        assert command.summary and command.doc, command.names
