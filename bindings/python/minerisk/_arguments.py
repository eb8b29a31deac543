"""pybind11's TypeError for an argument of the wrong type lists the whole signature and every
value given (a numpy array in full): the functions of the C++ module are wrapped so that such an
error names the argument and what it takes, as minerisk's own messages do."""
from __future__ import annotations

import functools
import numbers
import os
import re

_INCOMPATIBLE = "incompatible function arguments"


def _fits(value, annotation: str) -> bool:
    """Whether `value` is of the kind a pybind11 signature's annotation names (a best reading:
    an annotation it does not know is taken to fit, so the message then shows the signature)."""
    annotation = annotation.strip()
    optional = re.fullmatch(r"Optional\[(.*)\]", annotation)
    if optional:
        return value is None or _fits(value, optional[1])
    if annotation == "bool":
        return isinstance(value, bool)
    if annotation == "int":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if annotation == "float":
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if annotation == "str":
        return isinstance(value, str)
    if annotation == "os.PathLike":
        return isinstance(value, (str, bytes, os.PathLike))
    if annotation.startswith("List[str]"):
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)
    return True


def _annotations(signature: str) -> dict[str, str]:
    """name -> annotation of each parameter of one pybind11 signature line."""
    inside = signature[signature.find("(") + 1:signature.rfind(") ->")]
    found, depth, part = {}, 0, ""
    for ch in inside + ",":
        depth += ch == "[" or ch == "("
        depth -= ch == "]" or ch == ")"
        if ch == "," and depth == 0:
            name, _, rest = part.partition(":")
            found[name.strip()] = rest.split("=")[0]
            part = ""
        else:
            part += ch
    return found


def _wrong_argument(name: str, error: TypeError, args: tuple, kwargs: dict) -> TypeError:
    lines = str(error).splitlines()
    signature = next((line.split(". ", 1)[1] for line in lines if re.match(r"\s+1\. \(", line)), "")
    annotations = _annotations(signature)
    positional = [p for p in annotations if p not in ("*", "/")]
    given = list(zip(positional, args)) + list(kwargs.items())
    for key, value in given:
        if key not in annotations:
            return TypeError(f"{name}() got an unexpected keyword argument '{key}'")
        if not _fits(value, annotations[key]):
            shown = repr(value) if len(repr(value)) <= 40 else type(value).__name__
            return TypeError(f"{name}(): {key}: expected {annotations[key].strip()}, got {type(value).__name__} {shown}")
    return TypeError(f"{name}(): the arguments do not match {signature}")


def checked(function):
    """`function` (of the C++ module) with pybind11's type errors said by argument."""
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except TypeError as error:
            if _INCOMPATIBLE not in str(error):
                raise
            raise _wrong_argument(function.__name__, error, args, kwargs) from None
    return call
