"""pybind11's TypeError for an argument of the wrong type lists the whole signature and every
value given (a numpy array in full): the functions of the C++ module are wrapped so that such an
error names the argument and what it takes, as minerisk's own messages do."""
from __future__ import annotations

import functools
import os
import re

import numpy as np

_INCOMPATIBLE = "incompatible function arguments"


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
        return isinstance(value, (bool, np.bool_))
    if annotation == "int":
        return hasattr(value, "__index__") and not isinstance(value, (bool, np.bool_))
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
            shown = repr(value) if len(repr(value)) <= 40 else type(value).__name__
            return TypeError(f"{name}(): {key}: expected {annotation}, got {type(value).__name__} {shown}")
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


def checked(function, module: str = "minerisk"):
    """`function` (of the C++ module) with pybind11's type errors said by argument; `module` is
    where it is found (so it pickles by reference, as minerisk's)."""
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
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
