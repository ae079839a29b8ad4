"""The head-tempering flags that `edgebench convert` and `edgebench run` share (convert/temper.py
reads them): one help text each, and one function that resolves them to the edits to build."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from edge.errors import EdgebenchError

TemperSpec = Annotated[Optional[str], typer.Option(
    "--temper", help="Head-tempering edit: LAYER.HEAD=LAMBDA, comma-separated (from 0), e.g. '3.1=0.8,5.0=0.5'; "
                     "scales those heads' o_proj input columns in the merged weights of every target.")]
TemperTop = Annotated[Optional[int], typer.Option(
    "--temper-top", help="Temper the first K heads of --temper-from's ranking (needs --temper-lambda).")]
TemperLambda = Annotated[Optional[str], typer.Option(
    "--temper-lambda", help="Scale of the --temper-top heads (1 = unedited, 0 = head removed); `run` takes several, "
                            "comma-separated (1.0,0.9,0.8,0.5): one ladder per lambda, labelled +tLAMBDAxK.")]
TemperFrom = Annotated[Optional[Path], typer.Option(
    "--temper-from", help="A head ranking written by `edgebench heads MODEL --json`; `run` keeps a copy in its folder "
                          "(RUN/heads.json, drawn in its HTML report).")]


def edits_from_flags(spec: str | None, top: int | None, lambdas: str | None, ranking: Path | None,
                     sweep: bool) -> list:
    """The edits to build, one per lambda (None = unedited); `sweep` False allows only one."""
    from convert.temper import from_flags, parse_lambdas

    values = parse_lambdas(lambdas)
    if not sweep and len(values) > 1:
        raise EdgebenchError("convert takes one --temper-lambda; `edgebench run` sweeps several")
    return from_flags(spec, top, values, ranking)
