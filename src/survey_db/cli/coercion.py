"""Start-up: fast conversion of command-line values, and building only the command that runs.

Typer converts every option value (str, int, Path, list[str]) through a pydantic TypeAdapter, which
imports pydantic: about 0.1 s of every command's start-up, a quarter of `survey query`. `install()` gives
typer's parameters a small converter for the plain annotations (str, int and float with min/max, Path
without checks, and lists of these), with the messages typer's own converter gives; anything else (enums,
custom parsers, clamped numbers, paths that must exist) still goes through typer's pydantic path. If typer's
internals are not the ones this was written for, `install()` changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin


class _Fallback(Exception):
    """A value the fast converter leaves to typer's own."""


def _leaf(annotation: Any, info: Any):
    """A function converting one value of a plain annotation, or None when typer must do it."""
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    if annotation is str:

        def to_str(value: Any) -> str:
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")
            return str(value)

        return to_str
    if annotation is bool:

        def to_bool(value: Any) -> bool:
            if isinstance(value, bool):
                return value
            raise _Fallback

        return to_bool
    if annotation in (int, float):
        if getattr(info, "clamp", False):
            return None
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        kind = "integer" if annotation is int else "number"

        def to_number(value: Any) -> int | float:
            try:
                number = annotation(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Input should be a valid {kind}, unable to parse string as an {kind}"
                    if annotation is int
                    else "Input should be a valid number, unable to parse string as a number"
                ) from None
            if low is not None and number < low:
                raise ValueError(f"Input should be greater than or equal to {low}")
            if high is not None and number > high:
                raise ValueError(f"Input should be less than or equal to {high}")
            return number

        return to_number
    if annotation is Path:
        plain = (
            not getattr(info, "exists", False)
            and getattr(info, "file_okay", True)
            and getattr(info, "dir_okay", True)
            and not getattr(info, "writable", False)
            and not getattr(info, "resolve_path", False)
            and not getattr(info, "allow_dash", False)
            and getattr(info, "path_type", None) is None
        )
        if not plain:
            return None
        return lambda value: value if isinstance(value, Path) else Path(value)
    return None


def install() -> None:
    """Give typer parameters the fast converters (once; a no-op with an unexpected typer)."""
    try:
        from typer import _coercion, core
        from typer._click.exceptions import BadParameter
    except ImportError:  # pragma: no cover - another typer
        return
    parameter = getattr(core, "_TyperParameter", None)
    runtime = getattr(_coercion, "RuntimeParam", None)
    original = getattr(parameter, "get_runtime_param", None)
    if parameter is None or runtime is None or original is None or getattr(original, "_survey_fast", False):
        return

    @dataclass(frozen=True)
    # The base is typer's RuntimeParam, looked up at run time (getattr), which mypy cannot check.
    class FastRuntimeParam(runtime):  # type: ignore[misc, valid-type]
        """A RuntimeParam converting with a plain function."""

        convert: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self.convert(value)
            except _Fallback:
                return _coercion.build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None

    def converter(descriptor: Any):
        annotation, info = descriptor.annotation, descriptor.parameter_info
        if getattr(descriptor, "file_annotation", None) is not None:
            return None
        if get_origin(annotation) is list:
            args = get_args(annotation)
            item = _leaf(args[0], info) if len(args) == 1 else None
            if item is None:
                return None
            return lambda value: [item(v) for v in (value if isinstance(value, list | tuple) else [value])]
        return _leaf(annotation, info)

    def get_runtime_param(self):
        if self._runtime_param is None:
            descriptor = self.type_descriptor
            convert = converter(descriptor)
            if convert is None:
                return original(self)
            self._runtime_param = FastRuntimeParam(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, convert=convert
            )
        return self._runtime_param

    # A mark on the function itself, so that a second install() sees it: functions take attributes.
    get_runtime_param._survey_fast = True  # type: ignore[attr-defined]
    parameter.get_runtime_param = get_runtime_param

