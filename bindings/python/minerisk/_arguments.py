"""pybind11's TypeError for an argument of the wrong type lists the whole signature and every
value given (a numpy array in full): the functions of the C++ module are wrapped so that such an
error names the argument and what it takes, as minerisk's own messages do."""
from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping

import numpy as np

from ._paths import NUL_REFUSAL

_INCOMPATIBLE = "incompatible function arguments"


def _zero_dimensional_of_kind(value, kinds: str) -> bool:
    """A single value as numpy or xarray hold one (np.array(True), xr.DataArray(2), a reduction's
    result) of numpy's dtype kind among `kinds` ("b" bool, "iu" integers)."""
    dtype = getattr(value, "dtype", None)
    return getattr(value, "ndim", None) == 0 and getattr(dtype, "kind", None) is not None and dtype.kind in kinds


def _fits(value, annotation: str) -> bool:
    """Whether `value` is of the kind a pybind11 signature's annotation names (a best reading:
    an annotation it does not know is taken to fit, so the message then shows the signature)."""
    annotation = annotation.strip()
    optional = re.fullmatch(r"Optional\[(.*)\]", annotation)
    if optional:
        return value is None or _fits(value, optional[1])
    # As pybind11 converts: numpy's bool, anything with __index__ for an int, with __float__ for a
    # float (a Decimal), bytes for a str.
    if annotation == "bool":
        return isinstance(value, (bool, np.bool_)) or _zero_dimensional_of_kind(value, "b")
    if annotation == "int":
        return (hasattr(value, "__index__") and not isinstance(value, (bool, np.bool_))) or \
            _zero_dimensional_of_kind(value, "iu")
    if annotation == "float":
        return (hasattr(value, "__float__") or hasattr(value, "__index__")) and not isinstance(value, (str, bytes))
    if annotation == "str":
        return isinstance(value, (str, bytes))
    if annotation == "os.PathLike":
        return isinstance(value, (str, bytes, os.PathLike))
    if annotation.startswith("List[str]"):
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    return True


def _annotations(signature: str) -> dict[str, str]:
    """name -> annotation of each parameter of one pybind11 signature line, in order, with "*"
    where the keyword-only ones begin; a parameter with a default has its annotation marked by
    a trailing "=" (so a missing one can be told from an optional one)."""
    inside = signature[signature.find("(") + 1:signature.rfind(") ->")]
    found, depth, part = {}, 0, ""
    for ch in inside + ",":
        depth += ch == "[" or ch == "("
        depth -= ch == "]" or ch == ")"
        if ch == "," and depth == 0:
            name, _, rest = part.partition(":")
            annotation, default, _ = rest.partition("=")
            found[name.strip()] = annotation + ("=" if default else "")
            part = ""
        else:
            part += ch
    return found


def _expected(name: str, key: str, annotation: str, value) -> TypeError:
    # The value itself when it is short and on one line (an xarray value's repr spans several).
    shown = f" {value!r}" if len(repr(value)) <= 40 and "\n" not in repr(value) else ""
    return TypeError(f"{name}(): {key}: expected {annotation}, got {type(value).__name__}{shown}")


def _wrong_argument(name: str, error: TypeError, args: tuple, kwargs: dict) -> Exception:
    lines = str(error).splitlines()
    signature = next((line.split(". ", 1)[1] for line in lines if re.match(r"\s+1\. \(", line)), "")
    annotations = _annotations(signature)
    names = list(annotations)
    positional = names[:names.index("*")] if "*" in names else names
    if len(args) > len(positional):
        return TypeError(f"{name}() takes {len(positional)} positional argument{'s' * (len(positional) != 1)} "
                         f"({', '.join(positional)}); give the others by name")
    given = dict(zip(positional, args), **kwargs)
    for key, value in given.items():
        if key not in annotations or key == "*":
            return TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        annotation = annotations[key].rstrip("=").strip()
        if not _fits(value, annotation):
            return _expected(name, key, annotation, value)
    # Every argument of its kind: then a whole number beyond the C++ int's range (threads=10**20)
    # is what pybind11 refused, a value out of range, as the command line says of --threads.
    for key, value in given.items():
        annotation = annotations[key].rstrip("=").strip()
        if annotation in ("int", "Optional[int]") and value is not None and not -2**31 <= int(value) < 2**31:
            return ValueError(f"{name}(): {key}: {int(value)} is out of range")
    missing = [key for key, annotation in annotations.items() if key != "*" and not annotation.endswith("=")
               and key not in given]
    if missing:
        return TypeError(f"{name}() missing required argument '{missing[0]}'")
    return TypeError(f"{name}(): the arguments do not match {signature}")


def _holds_nul(value, walk_lists: bool) -> bool:
    """Whether a text or a path holds a NUL character, or a mapping's (a scenario's, map's options)
    keys and values do, or a list's when `walk_lists` (a list of paths; an array's data given as
    nested lists is never walked). Walked with a stack, never through a container twice: a
    scenario may nest deeper than Python's recursion limit, or hold itself, for the engine to
    refuse in its own words."""
    stack, seen = [(value, walk_lists)], set()
    while stack:
        item, lists = stack.pop()
        if isinstance(item, os.PathLike):
            item = os.fspath(item)
        if isinstance(item, str):
            if "\0" in item:
                return True
        elif isinstance(item, bytes):
            if b"\0" in item:
                return True
        elif isinstance(item, Mapping) or (lists and isinstance(item, (list, tuple))):
            if id(item) in seen:
                continue
            seen.add(id(item))
            inner = [part for pair in item.items() for part in pair] if isinstance(item, Mapping) else item
            stack.extend((part, True) for part in inner)
    return False


def _check_before_the_call(name: str, args: tuple, kwargs: dict, annotations: dict[str, str]) -> None:
    """What pybind11 would take wrongly, refused by argument. A text holding a NUL: C++ and GDAL
    end it there, so a path 'dem\\0.tif' or a filter 'count > 1\\0 OR 1=1' was cut (and the report
    echoed the whole filter). A bool or an int of another kind: pybind11 takes None or 2 for a
    bool, and True for an int (compute_edges=None, threads=True), as percent= never did."""
    names = list(annotations)
    positional = names[:names.index("*")] if "*" in names else names
    given = [(positional[i] if i < len(positional) else f"argument {i + 1}", v) for i, v in enumerate(args)]
    for key, value in given + list(kwargs.items()):
        annotation = annotations.get(key, "").rstrip("=").strip()
        if _holds_nul(value, walk_lists=annotation != "object"):
            raise ValueError(f"{name}(): {key}: {NUL_REFUSAL}")
        if annotation in ("bool", "int", "Optional[bool]", "Optional[int]") and not _fits(value, annotation):
            raise _expected(name, key, annotation, value)


def _casts_to_float32(args: tuple, kwargs: dict) -> bool:
    """Whether an argument is data numpy casts to float32 on the way in (a float64 array, or
    lists of numbers), where a value beyond float32 becomes inf with numpy's overflow warning."""
    def cast(v):
        if isinstance(v, np.ndarray):
            return v.dtype.kind == "f" and v.dtype.itemsize > 4
        return isinstance(v, (list, tuple)) and len(v) > 0 and not isinstance(v[0], (str, bytes, os.PathLike))
    return any(cast(v) for v in (*args, *kwargs.values()))


def checked(function, module: str = "minerisk"):
    """`function` (of the C++ module) with pybind11's type errors said by argument, and what it
    would take wrongly refused first (_check_before_the_call); `module` is where it is found (so
    it pickles by reference, as minerisk's)."""
    first_line = (function.__doc__ or "").strip().splitlines()[:1]
    annotations = _annotations(first_line[0]) if first_line else {}

    @functools.wraps(function)
    def call(*args, **kwargs):
        _check_before_the_call(function.__name__, args, kwargs, annotations)
        try:
            # A float64 beyond float32 becomes inf as numpy casts it: the engine's refusal of an
            # infinite value says so, without numpy's RuntimeWarning before it. Only then: a
            # progress callback keeps the caller's own settings.
            if not _casts_to_float32(args, kwargs):
                return function(*args, **kwargs)
            with np.errstate(over="ignore"):
                return function(*args, **kwargs)
        except TypeError as error:
            # Only pybind11's refusal of these arguments: raised by the call itself (no Python frame
            # below it, as a progress callback's own error has) and naming this function.
            if error.__traceback__.tb_next is not None or \
                    not str(error).startswith(f"{function.__name__}(): {_INCOMPATIBLE}"):
                raise
            raise _wrong_argument(function.__name__, error, args, kwargs) from None
    call.__module__ = module
    call.__qualname__ = function.__name__
    return call
