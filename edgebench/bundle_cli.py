"""`edgebench bundle --out DIR [run options]`: the plan of a run, and every file it needs, for another device.

The command takes exactly `edgebench run`'s plan flags (its signature is built from `run`'s, less
the flags that only a run on this machine has), so a flag added to `run` is a bundle flag too,
plus --out (required) and --reference. Then on the device:
`edgebench run --bundle DIR [--profile rpi5]`, and back home: `edgebench report laptop-run/ pi-run/`.
"""

from __future__ import annotations

import copy
import inspect
from pathlib import Path
from typing import Optional

import typer

from edge.errors import EdgebenchError

# `run`'s flags that a bundle does not take: where this machine's results go, running a bundle itself, a fleet,
# head tempering and the probe (both need torch and the source model, which a bundle's device has not)
RUN_ONLY = ("out", "resume", "bundle", "fleet", "devices", "temper", "temper_top", "temper_lambda", "temper_from", "probe")
# `run`'s flags that belong to the plan (the bundle carries them): given with --bundle, they are refused
DEVICE_FLAGS = ("out", "resume", "bundle", "profile", "threads", "repack", "parallel")

# `run`'s flags that mean more here
HELP = {"ladder": "Targets, comma-separated (gguf:q4_k_m,mlx:4bit,onnx:int4...), 'source' (the model as given), or "
                  ".gguf files and artifact folders taken as they are; default: the profile's ladder."}

OUT = inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, annotation=Path, default=typer.Option(
    ..., help="The bundle folder to write (must not exist): artifacts, plan, items, drift reference, manifest with sha256."))
REFERENCE = inspect.Parameter("reference", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[str], default=typer.Option(
    None, help="Drift reference: a .gguf or an artifact folder; default: the ladder's F16 GGUF (else the converted "
               "fp32 folder, else a given F16/BF16/F32 file; none: no drift)."))


def bundle_command(run, plan_config):
    """The `bundle` command built from `run` (its flags) and `plan_config` (the plan those flags name)."""
    params = [_with_help(p.replace(kind=inspect.Parameter.KEYWORD_ONLY), HELP.get(name))
              for name, p in inspect.signature(run, eval_str=True).parameters.items() if name not in RUN_ONLY]
    params += [OUT, REFERENCE]
    plan_names = list(inspect.signature(plan_config).parameters)

    def bundle(**flags) -> None:
        from edgebench.bundle_job import make_bundle
        from edgebench.flags import check_repack

        from bench.bundle import JudgeSettings

        check_repack(flags["repack"])
        config = plan_config(**{name: flags[name] for name in plan_names})
        ladder = [t.strip() for t in flags["ladder"].split(",") if t.strip()] if flags["ladder"] else None
        judge = JudgeSettings(flags["judge"], flags["judge_model"], flags["judge_endpoint"], flags["api_key_env"])
        make_bundle(flags["model"], config, judge, out=flags["out"], adapter=flags["adapter"], ladder=ladder,
                    reference=flags["reference"], profile_name=flags["profile"], threads=flags["threads"],
                    repack=flags["repack"], parallel=flags["parallel"])

    bundle.__signature__ = inspect.Signature(params)
    bundle.__annotations__ = {p.name: p.annotation for p in params}
    bundle.__doc__ = ("Convert the ladder (or take given GGUFs) and write a self-contained bundle for another device: "
                      "artifacts, plan, items, drift reference, hashes. Run it there with: edgebench run --bundle DIR.")
    return bundle


def _with_help(param: inspect.Parameter, help_text: str | None) -> inspect.Parameter:
    if help_text is None:
        return param
    option = copy.copy(param.default)
    option.help = help_text
    return param.replace(default=option)


def refuse_plan_flags(flags: dict, run) -> None:
    """With --bundle the plan is the bundle's: a plan flag of `run` given beside it is refused, not silently dropped."""
    signature = inspect.signature(run)
    given = [name for name, p in signature.parameters.items()
             if name not in DEVICE_FLAGS and name in flags and flags[name] != _default(p)]
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        raise EdgebenchError(f"--bundle carries the plan: drop {names} (only --out, --resume, --profile, --threads, "
                             "--repack and --parallel go with it)")


def _default(param: inspect.Parameter):
    default = param.default
    return getattr(default, "default", default)  # a typer.Option(...) holds the flag's default
