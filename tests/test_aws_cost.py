"""`sightline cost`: Lambda price per call from measured latency, memory and cold starts."""

from __future__ import annotations

import json
import math

import pytest

from sightline import cost
from sightline.cli import main


def test_one_call_at_one_vcpu_is_compute_plus_the_two_request_fees():
    measured = cost.Measurements(warm_ms=100.0, cold_start_ms=1000.0, peak_rss_mb=200, cold_share=0.1, payload_kb=100)

    row = cost.lambda_cost(1769, "x86_64", measured)

    assert row.billed_ms == pytest.approx(0.9 * 100 + 0.1 * 1000)  # 190 ms
    compute = 1769 / 1024 * 0.190 * 0.0000166667
    assert row.per_call == pytest.approx(compute + 0.20e-6 + 1.00e-6)
    assert row.per_million == pytest.approx(row.per_call * 1e6)
    assert row.fits


def test_below_one_vcpu_calls_take_longer_in_proportion_and_above_they_do_not_speed_up():
    measured = cost.Measurements(warm_ms=100.0, cold_share=0.0)

    assert cost.lambda_cost(512, "x86_64", measured).warm_ms == pytest.approx(100.0 * 1769 / 512)
    assert cost.lambda_cost(3008, "x86_64", measured).warm_ms == pytest.approx(100.0)
    # Less memory, same compute work: the GB-seconds of one call hardly change below 1769 MB.
    small, full = cost.lambda_cost(512, "x86_64", measured), cost.lambda_cost(1769, "x86_64", measured)
    assert small.per_call == pytest.approx(full.per_call, rel=0.01)
    assert cost.lambda_cost(3008, "x86_64", measured).per_call > full.per_call


def test_arm_is_cheaper_at_the_same_latency_and_a_large_body_counts_as_several_api_requests():
    measured = cost.Measurements(warm_ms=50.0, cold_share=0.0, payload_kb=1100)

    x86, arm = cost.lambda_cost(1024, "x86_64", measured), cost.lambda_cost(1024, "arm64", measured)

    assert arm.per_call < x86.per_call
    gb_seconds = 1024 / 1024 * math.ceil(50.0 * 1769 / 1024) / 1000
    assert x86.per_call == pytest.approx(gb_seconds * 0.0000166667 + 0.20e-6 + 3 * 1.00e-6)


def test_a_memory_size_below_the_peak_is_marked_too_small():
    measured = cost.Measurements(peak_rss_mb=600)

    assert not cost.lambda_cost(512, "arm64", measured).fits
    assert cost.lambda_cost(1024, "arm64", measured).fits


def test_break_even_is_the_instance_month_over_the_call_price():
    row = cost.lambda_cost(1769, "arm64", cost.Measurements())

    assert cost.instance_monthly() == pytest.approx(0.0168 * 730)
    assert row.break_even_calls_per_month(cost.instance_monthly()) * row.per_call == pytest.approx(0.0168 * 730)


def test_the_command_reads_a_bench_file_and_options_override_it(tmp_path, capsys):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"warm_ms": {"median": 80.0}, "cold_start_ms": {"median": 900.0}, "peak_rss_mb": 210}))

    code = main(["cost", "--from-bench", str(bench), "--cold-share", "0", "--memory", "1769", "--json"])

    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["inputs"]["warm_ms"] == 80.0 and result["inputs"]["peak_rss_mb"] == 210
    assert [(row["memory_mb"], row["architecture"]) for row in result["lambda"]] == [(1769, "x86_64"), (1769, "arm64")]
    assert result["lambda"][0]["billed_ms"] == 80


def test_the_photo_size_in_a_bench_file_sets_the_api_requests_billed_unless_given(tmp_path, capsys):
    bench = tmp_path / "bench.json"
    summary = {"warm_ms": {"median": 80.0}, "cold_start_ms": {"median": 900.0}, "peak_rss_mb": 210}
    bench.write_text(json.dumps(summary | {"payload_kb": 1200.0}))  # a 12 MP phone photo: three 512 KB units

    assert main(["cost", "--from-bench", str(bench), "--cold-share", "0", "--memory", "1769", "--json"]) == 0
    from_photo = json.loads(capsys.readouterr().out)
    assert main(["cost", "--from-bench", str(bench), "--payload-kb", "100", "--memory", "1769", "--json"]) == 0
    given = json.loads(capsys.readouterr().out)

    assert from_photo["inputs"]["payload_kb"] == 1200.0 and given["inputs"]["payload_kb"] == 100.0
    compute = 1769 / 1024 * 0.080 * 0.0000166667
    assert from_photo["lambda"][0]["per_call"] == pytest.approx(compute + 0.20e-6 + 3 * 1.00e-6)


def test_the_table_names_the_prices_date_and_every_size(capsys):
    assert main(["cost"]) == 0

    out = capsys.readouterr().out
    assert "us-east-1" in out and "t4g.small" in out
    for memory in cost.MEMORY_SIZES_MB:
        assert f"| {memory} MB | x86_64 |" in out and f"| {memory} MB | arm64 |" in out


@pytest.mark.parametrize("memory", ["abc", "64", "1024,20000"])
def test_bad_memory_sizes_are_refused(memory, capsys):
    assert main(["cost", "--memory", memory]) == 1
    assert "--memory" in capsys.readouterr().err
