"""The device columns (bench/columns.py): J/token with its method, and the memory prediction against the measured
peak, from stored speed and memory results."""

from __future__ import annotations

from bench.columns import COLUMNS, record
from bench.render import footnote
from bench.report_model import Measured, ReportRow, SpeedResult

MIB = 2**20
ENERGY = {"rapl": {"method": "rapl", "joules": 6.4, "seconds": 1.0, "covers": "RAPL package-0", "sampling_hz": None,
                   "samples": 2, "j_per_token": 0.05}}
SPEED = {"tests": [{"test": "pp64", "n_depth": 0, "avg_ts": 500.0, "avg_ns": 1e8, "samples_ts": [500.0],
                    "energy": {"rapl": {**ENERGY["rapl"], "j_per_token": 0.004}}},
                   {"test": "tg64", "n_depth": 0, "avg_ts": 100.0, "avg_ns": 6e8, "samples_ts": [100.0], "energy": ENERGY}],
         "peak_rss_bytes": 250 * MIB,
         "energy": {"method": "rapl", "methods": {"rapl": "measured", "nvml": "unavailable: nvidia-ml-py is not installed"}}}
NO_ENERGY = {**SPEED, "energy": {"method": None, "methods": {"rapl": "unavailable: no RAPL zones under /x"}}}


def row(speed: dict, memory: dict | None, suites_memory: dict | None = None) -> ReportRow:
    return ReportRow(Measured("run", "dev", "gguf:q4_k_m", "h", False, 100 * MIB, 4.9, SpeedResult.parse(speed),
                              memory=memory, suites_memory=suites_memory))


def cell(r: ReportRow, key: str) -> str:
    return next(c for c in COLUMNS if c.key == key).cell(r)


def test_energy_per_token_and_its_method():
    r = row(SPEED, None)
    got = record(r)
    assert got["gen_j_per_token"] == 0.05 and got["prompt_j_per_token"] == 0.004
    assert got["energy_method"] == "rapl (counter)"
    assert "J/tok: energy per generated (and prompt) token" in footnote([r]) and "rapl (counter)" in footnote([r])


def test_markdown_speed_table_has_j_per_token_beside_t_s_only_when_metered():
    from bench.render import speed_markdown

    metered = speed_markdown([row(SPEED, None)])
    assert metered[0].endswith("| t/s | J/tok |") and metered[2].endswith("| 0.0040 |") and metered[3].endswith("| 0.0500 |")
    assert speed_markdown([row(NO_ENERGY, None)])[0].endswith("| t/s |")


def test_no_energy_reader_gives_no_figure_and_says_why():
    r = row(NO_ENERGY, None)
    got = record(r)
    assert got["gen_j_per_token"] is None and got["energy_method"] == "rapl: unavailable: no RAPL zones under /x"
    assert cell(r, "gen_j_per_token") == "-" and "J/tok" not in footnote([r])


def test_the_prediction_stands_beside_the_measured_peak():
    r = row(SPEED, {"total_bytes": 262 * MIB})
    assert cell(r, "predicted_rss_mib") == "262 (+5%)"
    assert record(r)["prediction_error_pct"] == 4.8
    assert cell(row(SPEED, None), "predicted_rss_mib") == "-"
    no_speed = ReportRow(Measured("run", "dev", "gguf:q2_k", "h", False, 1, 1.0, memory={"total_bytes": 9 * 2**30}))
    assert cell(no_speed, "predicted_rss_mib") == "9216"  # skipped: predicted, never measured


def prediction(mib: int, parallel: int) -> dict:
    return {"total_bytes": mib * MIB, "parallel": parallel, "n_ctx": 4096}


def test_each_prediction_is_compared_with_its_own_childs_peak():
    # the speed child ran one sequence, the suites' child 4: neither prediction is set against the other's peak
    memory = {"speed": prediction(262, 1), "suites": prediction(600, 4), "decides": "suites"}
    r = row(SPEED, memory, {"peak_rss_bytes": 580 * MIB, "runtime_bytes": 45 * MIB, "parallel": 4})
    assert cell(r, "predicted_rss_mib") == "262 (+5%)" and cell(r, "suites_predicted_rss_mib") == "600 @4 (+3%)"
    got = record(r)
    assert got["prediction_error_pct"] == 4.8 and got["suites_prediction_error_pct"] == 3.4
    assert got["suites_peak_rss_mib"] == 580 and got["suites_parallel"] == 4
    assert "speed = the speed child, one sequence at a context of 4096" in footnote([r])
    # suites not run yet (or skipped): the prediction stands alone
    assert cell(row(SPEED, memory), "suites_predicted_rss_mib") == "600 @4"


def test_an_older_single_prediction_still_renders_like_with_like():
    # at one sequence it was the speed child's; at 4 it was made for the suites, and nothing here measured those
    assert cell(row(SPEED, prediction(262, 1)), "predicted_rss_mib") == "262 (+5%)"
    older = row(SPEED, prediction(400, 4))
    assert cell(older, "predicted_rss_mib") == "-" and record(older)["prediction_error_pct"] is None
    assert cell(older, "suites_predicted_rss_mib") == "400 @4"
    assert "suites_predicted_rss_mib" not in record(row(SPEED, prediction(262, 1)))  # an optional column, absent


def sustained(first_throttle, source) -> dict:
    return {"timeline": [], "summary": {"last_over_first": 0.8125, "window_s": 60, "first_throttle_s": first_throttle,
                                        "throttle_source": source}}


def test_sustained_columns_say_throttled_not_throttled_or_cannot_tell():
    def with_sustain(s):
        return ReportRow(Measured("run", "dev", "gguf:q4_k_m", "h", False, 1, 1.0, sustain=s))

    throttled = with_sustain(sustained(142, "vcgencmd get_throttled: soft temperature limit"))
    assert cell(throttled, "sustained_last_over_first") == "0.81 (60 s windows)"
    assert cell(throttled, "first_throttle_s") == "142" and record(throttled)["first_throttle_s"] == 142
    assert cell(with_sustain(sustained(None, "vcgencmd get_throttled: no throttle flag")), "first_throttle_s") == "none"
    assert cell(with_sustain(sustained(None, "unavailable: no throttle flags on this host")), "first_throttle_s") == "n/a"
    assert cell(row(SPEED, None), "first_throttle_s") == "-"
