"""`edgebench run --fleet SCHEDULER`: convert the ladder here, run the plan on the fleet's
devices (bench/fleet_coordinator.py), keep every row in this machine's fleet folder
(bench/fleet_folder.py: one store per device) and print the report merged per device.

Like edgebench/run_job.py, it lives beside the CLI because it joins convert and bench.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.execute import PlanConfig, check_config
from bench.fleet_coordinator import FleetConfig, FleetConnection, run_fleet_plan
from bench.fleet_folder import is_fleet, open_stores, read_record, write_record
from bench.fleet_worker import require_dask
from bench.report import load_report
from bench.report_tables import print_report
from edge.errors import EdgebenchError
from edge.profiles import device_settings
from edgebench.progress_view import RichProgress
from edgebench.run_job import check_inputs, plan_record, print_line, build_artifacts, default_out, ladder_targets


def run(model: str, config: PlanConfig, fleet: FleetConfig, *, adapter: Path | None = None,
        ladder: list[str] | None = None, profile_name: str | None = None, out: Path | None = None, resume: bool = False,
        say=print_line, show_report: bool = True) -> Path:
    """Convert here, run every cell on the fleet, print the merged report; returns the fleet folder."""
    if config.until_decided:  # its loop decides after every chunk, on one machine's answers
        raise EdgebenchError("--until-decided runs on one machine for now: drop --fleet, or run a fixed --limit on the fleet")
    require_dask()
    for name in config.suites:
        if Path(name).suffix:
            raise EdgebenchError(f"a suite file ({name}) is not carried to fleet workers yet; run it with a local "
                                 "edgebench run, or give built-in suites with --fleet")
    _, profile, settings = device_settings(profile_name, fleet.threads, fleet.repack)  # this machine: it converts
    loaded = check_config(config, settings)
    targets = ladder_targets(ladder if ladder is not None else list(profile.ladder), say)
    check_inputs(model, adapter, targets)
    out = out or (_latest_fleet() if resume else default_out())
    plan = plan_record(model, adapter, targets, config, parallel=None)  # each device generates at its profile's count
    if is_fleet(out) and not resume:
        raise EdgebenchError(f"{out} already holds a fleet run; continue it with --resume or choose another --out")
    recorded = read_record(out) if resume and is_fleet(out) else None
    if recorded is not None and recorded["plan"] != plan:
        raise EdgebenchError(f"{out} holds a fleet run with another plan; resume it with the same options or choose another --out")
    started = time.perf_counter()
    with FleetConnection(fleet.scheduler) as connection:
        devices = list(fleet.devices or (recorded or {}).get("devices") or connection.devices(fleet.worker_wait_s))
        write_record(out, {"scheduler": fleet.scheduler, "devices": devices, "plan": plan})
        stores = open_stores(out, devices, resume=True)  # fleet.json above refused a second run without --resume
        try:
            for device, store in stores.items():
                store.set_meta("plan", plan)
                store.set_meta("profile", device)
            with RichProgress() as progress:
                artifacts, reference = build_artifacts(model, adapter, targets, out, settings.threads, progress)
            outcome = run_fleet_plan(connection, stores, artifacts, reference, config, loaded, fleet, say)
            finished = time.strftime("%Y-%m-%dT%H:%M:%S%z")
            for store in stores.values():
                store.set_meta("finished", finished)
        finally:
            for store in stores.values():
                store.close()
    rows = load_report([out])
    if show_report:
        print_report(rows)
    say(f"fleet: {len(outcome.ran)} cell(s) run on {', '.join(devices)} in {time.perf_counter() - started:.0f} s")
    if outcome.not_run:
        say(f"[red]{len(outcome.not_run)} cell(s) not run: " + "; ".join(f"{c} ({why})" for c, why in outcome.not_run.items())
            + f". Run them with: edgebench run --fleet {fleet.scheduler} --resume --out {out} (and the same options)[/]")
    say(f"results in {out}/<device>/; report again with: edgebench report {out}")
    return out


def _latest_fleet(root: Path = Path("runs")) -> Path:
    """The most recent fleet folder under runs/ (what --resume without --out continues)."""
    from bench.fleet_folder import FLEET_FILE

    found = sorted(p for p in root.glob("*") if (p / FLEET_FILE).is_file()) if root.is_dir() else []
    if not found:
        raise EdgebenchError(f"nothing to resume: no fleet run folder under {root}/; give --out RUN_DIR")
    return found[-1]


def fleet_from_flags(scheduler: str | None, devices: str | None, judge: str, threads: int | None,
                     repack: str | None) -> FleetConfig:
    """The run's fleet flags as a FleetConfig; what a fleet cannot do yet is refused here, in one line."""
    if scheduler is None:
        raise EdgebenchError("--devices needs --fleet SCHEDULER (the Dask scheduler's address)")
    if judge != "lexical":
        raise EdgebenchError("--fleet runs the lexical judge only for now; score with --judge llm in a local run")
    kinds = tuple(d.strip() for d in devices.split(",") if d.strip()) if devices else None
    return FleetConfig(scheduler, kinds, threads=threads, repack=repack)
