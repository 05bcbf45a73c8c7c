"""MkDocs hook: the command-line reference, rendered from the Typer app at build time.

A page holding the line `<!-- orgwh-cli-reference -->` gets, in its place, one
section per command of `orgwh.cli:app`: its help, its usage line and a table of
its arguments and options. The reference therefore cannot drift from the code;
tests/test_docs_site.py checks that every command is in the built page.
"""

from __future__ import annotations

import enum

import typer

MARKER = "<!-- orgwh-cli-reference -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _is_argument(parameter) -> bool:
    return parameter.param_type_name == "argument"


def _kind(parameter) -> str:
    """The value a parameter takes, in words: a flag, a type's name, or the choices."""
    if not _is_argument(parameter) and parameter.is_flag:
        return "flag"
    # Typer 0.2x keeps the annotation; click-based Typer versions had `.type`.
    descriptor = getattr(parameter, "type_descriptor", None)
    annotation = descriptor.annotation if descriptor else None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " \\| ".join(member.value for member in annotation)
    if annotation is not None:
        return {"str": "text", "Path": "path", "int": "integer"}.get(
            annotation.__name__, annotation.__name__
        )
    return parameter.type.name


def _default(parameter) -> str:
    if _is_argument(parameter) or parameter.default is None:
        return ""
    if parameter.is_flag:
        return "on" if parameter.default else "off"
    return f"`{getattr(parameter.default, 'value', parameter.default)}`"


def _parameter_rows(command, context: typer.Context) -> list[str]:
    rows = ["| argument or option | type | default | what |", "|---|---|---|---|"]
    for parameter in command.get_params(context):
        if getattr(parameter, "hidden", False):
            continue
        if _is_argument(parameter):
            name = f"`{parameter.name.upper()}`"
        else:
            names = [*parameter.opts, *parameter.secondary_opts]
            name = ", ".join(f"`{option}`" for option in names)
        help_text = getattr(parameter, "help", None) or ""
        rows.append(f"| {name} | {_kind(parameter)} | {_default(parameter)} | {_cell(help_text)} |")
    return rows


def _command_section(name: str, command, parent: typer.Context) -> list[str]:
    context = typer.Context(command, info_name=name, parent=parent)
    usage = " ".join(command.collect_usage_pieces(context)).replace("{", "").replace("}", "")
    lines = [f"## orgwh {name}", "", "```text", f"orgwh {name} {usage}", "```", ""]
    help_text = (command.help or "").strip()
    for paragraph in help_text.split("\n\n"):
        text = " ".join(line.strip() for line in paragraph.splitlines())
        if text.startswith("Example:"):
            lines += ["Example:", "", "```sh", text.removeprefix("Example:").strip(), "```", ""]
        else:
            lines += [text, ""]
    return [*lines, *_parameter_rows(command, context), ""]


def render_reference() -> str:
    """The reference's Markdown: one section per command of the orgwh app."""
    from orgwh.cli import app

    group = typer.main.get_command(app)
    root = typer.Context(group, info_name="orgwh")
    lines: list[str] = []
    for name in group.list_commands(root):
        lines += _command_section(name, group.get_command(root, name), root)
    return "\n".join(lines)


def on_page_markdown(markdown: str, page, config, files) -> str:  # noqa: ARG001 (MkDocs' signature)
    if MARKER not in markdown:
        return markdown
    return markdown.replace(MARKER, render_reference())
