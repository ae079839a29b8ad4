"""`edgebench heads MODEL [--adapter DIR]`: rank attention heads by how much more active they are
in confident-wrong than in confident-right answers (train/heads.py), as a table or --json, and with
--out RUN_DIR kept in a run folder as heads.json (its HTML report draws it).

The model is prepared as `convert` prepares it (convert/source.py: the fp32 folder, adapter
merged), so the heads ranked are those a `--temper` edit of the same source and adapter scales.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from edgebench.flags import say
from train.heads import HeadsConfig  # numpy and bench only: torch is imported when a model is run

HEADS = HeadsConfig()  # each default lives there
ROWS = 15  # heads shown in the table; --json has them all


def heads(
    model: str = typer.Argument("default", help="A Hugging Face folder, a .gguf file (dequantized), or 'default'."),
    adapter: Optional[Path] = typer.Option(None, help="PEFT LoRA adapter folder, merged first."),
    suite: str = typer.Option(HEADS.suite, help="A suite that scores assertion and correctness: disposition, bank (bank:FAMILY)."),
    split: str = typer.Option(HEADS.split, help="The split whose items are answered."),
    limit: Optional[int] = typer.Option(HEADS.limit, min=1, help="Items of the split (the default keeps it near 10 minutes on 2 cores)."),
    max_tokens: int = typer.Option(HEADS.max_tokens, min=8, help="Answer budget in tokens (greedy)."),
    last_tokens: int = typer.Option(HEADS.last_tokens, min=1, help="Answer positions each head's norm is averaged over."),
    bootstrap: int = typer.Option(HEADS.bootstrap, min=100, help="Bootstrap resamples for the interval on Cohen's d."),
    threads: int = typer.Option(HEADS.threads, min=1, help="torch threads."),
    work: Path = typer.Option(Path("runs/.prepared"), help="Folder for the prepared fp32 model (reused)."),
    json_out: bool = typer.Option(False, "--json", help="Print the full ranking as JSON (what --temper-from reads)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Also keep the full ranking in this run folder (RUN/heads.json, "
                                                           "drawn in its HTML report); not in a run made with "
                                                           "--temper-from, which keeps the one it was tempered by."),
) -> None:
    """Rank attention heads by Cohen's d between confident-wrong and confident-right answers, on the torch reference."""
    from bench.operators import HEADS_FILE, check_ranking_folder, write_json
    from convert.source import check_adapter_base, prepare, resolve_source
    from convert.verify import probe_ids
    from edge.errors import EdgebenchError
    from edgebench.progress_view import RichProgress
    from train.heads import attribute, check_suite

    if adapter is not None and not adapter.is_dir():
        raise EdgebenchError(f"adapter folder {adapter} does not exist")
    config = HeadsConfig(suite=suite, split=split, limit=limit, max_tokens=max_tokens, last_tokens=last_tokens,
                         bootstrap=bootstrap, threads=threads)
    check_suite(config)
    if out is not None:
        check_ranking_folder(out)  # before the model runs, not after
    source = resolve_source(model)
    if adapter is not None:
        check_adapter_base(adapter, source)
    with RichProgress(enabled=not json_out) as progress:
        prepared = prepare(source, adapter, work, probe_ids)
        result = attribute(prepared.folder, config, progress)
    result.update(model=model, adapter=str(adapter) if adapter else None, source_hash=source.hash,
                  adapter_hash=prepared.adapter_hash)
    if out is not None:
        write_json(out / HEADS_FILE, result)
        say(f"ranking kept in {out / HEADS_FILE}: edgebench report {out} --html FILE draws it")
    if json_out:
        print(json.dumps(result, indent=2))
    else:
        from edgebench.console import print_tables

        print_tables(heads_table(result))
        say(f"top {ROWS} of {len(result['heads'])} heads; --json for all (edgebench convert --temper-from reads it)")


def heads_table(result: dict):
    from rich.table import Table

    c, n = result["cohorts"], result["counts"]
    title = (f"Heads by Cohen's d (confident-wrong minus confident-right), {result['config']['suite']} "
             f"{result['config']['split']}: {c['right']} right, {c['wrong']} wrong asserted answers "
             f"({n['hedged_or_ungraded']} of {n['items']} hedged or without gold; {n['cut_off']} cut off)")
    table = Table(title=title, title_justify="left")
    for col in ("rank", "head", "d", "95% CI", "norm right", "norm wrong"):
        table.add_column(col, justify="right")
    for i, h in enumerate(result["heads"][:ROWS], start=1):
        table.add_row(str(i), f"{h['layer']}.{h['head']}", f"{h['d']:+.2f}", f"[{h['ci_low']:+.2f}, {h['ci_high']:+.2f}]",
                      f"{h['mean_right']:.3f}", f"{h['mean_wrong']:.3f}")
    return table
