"""Writes the type stubs of mlx.core for a freshly built extension.

    python tools/stubgen.py EXTENSION OUT_DIR

EXTENSION is the built module (core.cpython-*.so at the top of the build
tree). It is loaded under its installed name, mlx.core, without importing the
Python package around it, and pybind11-stubgen describes it and its
submodules (random, fft, linalg, fast, metal, cuda, distributed) in
OUT_DIR/mlx/core/__init__.pyi and OUT_DIR/mlx/core/<submodule>.pyi, which
are installed next to the extension.

Any error that pybind11-stubgen reports (a C++ type name it cannot turn into
Python, an unresolved name) fails this step, so that the stubs stay valid
Python; CMake's MLX_BUILD_STUBS=OFF skips the step altogether.
"""

import ast
import importlib.util
import logging
import re
import shutil
import sys
import types
from pathlib import Path

import pybind11_stubgen as sg
from pybind11_stubgen.printer import Printer
from pybind11_stubgen.structs import Attribute, ResolvedType
from pybind11_stubgen.writer import Writer

MODULE = "mlx.core"

# A C++ name in a signature that pybind11 could not name in Python (the type
# was bound after the function that uses it): mlx::core::array -> mlx.core.array.
_CXX_NAME = re.compile(r"\bmlx::core::(\w+)\b")


# py::tuple, py::list, py::dict and py::function arguments come out as bare
# generic names; they get their parameters spelled out (as mypy --strict wants).
_BARE_GENERICS = {
    "tuple": "tuple[typing.Any, ...]",
    "list": "list[typing.Any]",
    "dict": "dict[typing.Any, typing.Any]",
    "collections.abc.Callable": "collections.abc.Callable[..., typing.Any]",
}


class Annotations:
    """Parser mixin: C++ names of mlx types become their Python names, bare
    generics get parameters, and *args/**kwargs are annotated."""

    def _with_parameters(self, annotation):
        if isinstance(annotation, ResolvedType) and not annotation.parameters:
            full = _BARE_GENERICS.get(str(annotation.name))
            if full is not None:
                return self.parse_annotation_str(full)
        return annotation

    def parse_annotation_str(self, annotation_str):
        annotation_str = _CXX_NAME.sub(r"mlx.core.\1", annotation_str)
        # py::capsule (what __dlpack__ returns): pybind11 names it
        # typing_extensions.CapsuleType, which the build environment need not
        # have (types.CapsuleType is Python 3.13+); a capsule is opaque anyway.
        annotation_str = annotation_str.replace("typing_extensions.CapsuleType", "typing.Any")
        return self._with_parameters(super().parse_annotation_str(annotation_str))

    def handle_attribute(self, path, attr):
        result = super().handle_attribute(path, attr)
        if result is not None:
            result.annotation = self._with_parameters(result.annotation)
        return result

    def parse_args_str(self, args_str):
        args = super().parse_args_str(args_str)
        for arg in args:
            if (arg.variadic or arg.kw_variadic) and arg.annotation is None:
                arg.annotation = self.parse_annotation_str("typing.Any")
        return args


class StubPrinter(Printer):
    """`__hash__ = None` (an unhashable class) is written as typeshed writes it."""

    def print_attribute(self, attr: Attribute) -> list[str]:
        lines = super().print_attribute(attr)
        if attr.name == "__hash__" and lines[0].endswith(" = None"):
            lines[0] = lines[0][: -len(" = None")] + "  # type: ignore[assignment]"
        return lines


def load_extension(path: Path) -> types.ModuleType:
    # An empty stand-in for the mlx package: the extension needs only a parent.
    parent = types.ModuleType("mlx")
    parent.__path__ = []
    sys.modules["mlx"] = parent
    spec = importlib.util.spec_from_file_location(MODULE, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module
    spec.loader.exec_module(module)
    parent.core = module
    return module


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    extension, out_dir = Path(argv[0]).resolve(), Path(argv[1])
    logging.basicConfig(level=logging.WARNING, format="stubgen: [%(levelname)s] %(message)s")
    load_extension(extension)

    args = sg.arg_parser().parse_args(["--exit-code", MODULE], namespace=sg.CLIArgs())
    base = type(sg.stub_parser_from_args(args))
    parser = type("Parser", (Annotations, base), {})()

    target = out_dir / "mlx" / "core"
    if target.exists():
        shutil.rmtree(target)
    try:
        sg.run(
            parser,
            StubPrinter(invalid_expr_as_ellipses=True),
            [MODULE],
            str(out_dir),
            root_suffix=None,
            dry_run=False,
            writer=Writer(),
        )
    except SystemExit as e:
        if e.code:
            sys.exit(
                "stubgen: pybind11-stubgen reported errors (above); fix the signatures, "
                "or configure with -DMLX_BUILD_STUBS=OFF to build without stubs"
            )
        raise

    stubs = sorted(target.glob("*.pyi"))
    if not (target / "__init__.pyi").exists():
        sys.exit(f"stubgen: no {target / '__init__.pyi'} was written")
    for stub in stubs:
        ast.parse(stub.read_text(), filename=str(stub))
    print(f"stubgen: {len(stubs)} stubs for {MODULE} in {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
