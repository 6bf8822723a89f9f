"""What serving detections on AWS Lambda costs per call, at several memory sizes, against one small always-on instance.

Inputs are measurements (`bench/lambda_cold_start.py`): warm per-call latency on one core, cold-start
time and peak memory. Lambda gives a function CPU in proportion to its memory, one full vCPU at
1769 MB, so below that a single-threaded call is modelled as taking `latency * 1769 / memory`; above
it the extra vCPUs do not speed up one single-threaded call, so latency stays as measured.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# AWS list prices, us-east-1 (aws.amazon.com/lambda/pricing, /api-gateway/pricing, /ec2/pricing/on-demand).
# Those pages cannot be reached from the machines this was built on. On 2026-11-25 the Lambda and HTTP API
# figures below matched third-party summaries of them dated 2026 (Lambda's unchanged since 2021); the
# t4g.small rate is from the 2025 on-demand table and was not re-checked. Lambda: first pricing tier (up to
# 6 billion GB-seconds a month); since August 2025 the INIT phase of a cold start is billed like the call
# itself. HTTP API: first 300 million requests a month, metered in 512 KB increments.
PRICES_DATE = "us-east-1 list prices, Lambda and HTTP API cross-checked 2026-11-25"
LAMBDA_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
LAMBDA_REQUEST = 0.20 / 1_000_000
HTTP_API_REQUEST = 1.00 / 1_000_000
HTTP_API_METERING_KB = 512
INSTANCE = "t4g.small"  # 2 Arm vCPUs, 2 GiB, on demand
INSTANCE_HOURLY = 0.0168
HOURS_PER_MONTH = 730

FULL_VCPU_MB = 1769
MEMORY_SIZES_MB = (512, 1024, 1769, 2048, 3008)
ARCHITECTURES = ("x86_64", "arm64")
RUNTIME_OVERHEAD_MB = 40  # the Lambda runtime's own share of the function's memory, beside the app's peak RSS

# Measured with bench/lambda_cold_start.py --model nanodet --photo-size "12 MP" on one AMD EPYC core,
# 2026-12-02, quiet machine (5 cold starts, 200 warm calls; see README): the default model on a phone photo.
MEASURED_WARM_MS = 81.5
MEASURED_COLD_START_MS = 1607.0
MEASURED_PEAK_RSS_MB = 239.0
MEASURED_PAYLOAD_KB = 1190.2  # the 12 MP JPEG: three 512 KB HTTP API requests


@dataclass(frozen=True)
class Measurements:
    warm_ms: float = MEASURED_WARM_MS  # one call, one core, model loaded
    cold_start_ms: float = MEASURED_COLD_START_MS  # process start to first response, one core
    peak_rss_mb: float = MEASURED_PEAK_RSS_MB
    cold_share: float = 0.05  # fraction of calls that land on a new container
    payload_kb: float = MEASURED_PAYLOAD_KB  # request size; HTTP API bills each started 512 KB as one request
    arm_latency_factor: float = 1.0  # latency on Graviton relative to the measured core

    @classmethod
    def from_bench(cls, summary: dict, **overrides) -> Measurements:
        """From the JSON `bench/lambda_cold_start.py --json` writes."""
        return cls(
            **{
                "warm_ms": summary["warm_ms"]["median"],
                "cold_start_ms": summary["cold_start_ms"]["median"],
                "peak_rss_mb": summary["peak_rss_mb"],
                # The photo the benchmark sent, when it says (older files do not).
                **({"payload_kb": summary["payload_kb"]} if "payload_kb" in summary else {}),
                **overrides,
            }
        )


@dataclass(frozen=True)
class LambdaCost:
    memory_mb: int
    architecture: str
    warm_ms: float  # one warm call at this memory size
    billed_ms: float  # billed duration of an average call, cold starts included
    per_call: float  # dollars: compute + Lambda request + HTTP API request
    fits: bool  # the memory size holds the app's peak RSS

    @property
    def per_thousand(self) -> float:
        return self.per_call * 1_000

    @property
    def per_million(self) -> float:
        return self.per_call * 1_000_000

    def break_even_calls_per_month(self, instance_monthly: float) -> float:
        """Calls a month above which the always-on instance is cheaper."""
        return instance_monthly / self.per_call


def cpu_factor(memory_mb: int) -> float:
    """How much longer a single-threaded call takes than on one full vCPU."""
    return max(1.0, FULL_VCPU_MB / memory_mb)


def lambda_cost(memory_mb: int, architecture: str, measured: Measurements) -> LambdaCost:
    factor = cpu_factor(memory_mb) * (measured.arm_latency_factor if architecture == "arm64" else 1.0)
    warm_ms = measured.warm_ms * factor
    cold_ms = measured.cold_start_ms * factor
    # Lambda bills each call's duration rounded up to the millisecond.
    billed_ms = (1 - measured.cold_share) * math.ceil(warm_ms) + measured.cold_share * math.ceil(cold_ms)
    compute = memory_mb / 1024 * billed_ms / 1000 * LAMBDA_GB_SECOND[architecture]
    http_api_requests = max(1, math.ceil(measured.payload_kb / HTTP_API_METERING_KB))
    per_call = compute + LAMBDA_REQUEST + http_api_requests * HTTP_API_REQUEST
    fits = memory_mb >= measured.peak_rss_mb + RUNTIME_OVERHEAD_MB
    return LambdaCost(memory_mb, architecture, warm_ms, billed_ms, per_call, fits)


def instance_monthly() -> float:
    return INSTANCE_HOURLY * HOURS_PER_MONTH


def instance_capacity_per_month(measured: Measurements, vcpus: int = 2) -> float:
    """Calls a month the instance serves with every vCPU busy all the time, at the measured warm latency."""
    return vcpus * HOURS_PER_MONTH * 3600 * 1000 / (measured.warm_ms * measured.arm_latency_factor)


def cost_table(
    measured: Measurements,
    memory_sizes: tuple[int, ...] = MEMORY_SIZES_MB,
    architectures: tuple[str, ...] = ARCHITECTURES,
) -> list[LambdaCost]:
    return [lambda_cost(memory, arch, measured) for memory in memory_sizes for arch in architectures]


def format_table(measured: Measurements, rows: list[LambdaCost]) -> str:
    monthly = instance_monthly()
    lines = [
        f"Lambda behind an HTTP API vs one {INSTANCE} (${monthly:.2f}/month); prices: {PRICES_DATE}",
        f"inputs: warm {measured.warm_ms:.1f} ms and cold start {measured.cold_start_ms:.0f} ms on one vCPU, "
        f"peak RSS {measured.peak_rss_mb:.0f} MB, {measured.cold_share:.0%} of calls cold, "
        f"{measured.payload_kb:.0f} KB per request; below {FULL_VCPU_MB} MB latency x {FULL_VCPU_MB}/memory",
        "",
        "| memory | arch | warm call | billed/call | $ per call | $ per 1,000 | $ per 1,000,000 | break-even calls/month |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        memory = f"{row.memory_mb} MB" + ("" if row.fits else " (too small)")
        lines.append(
            f"| {memory} | {row.architecture} | {row.warm_ms:.0f} ms | {row.billed_ms:.0f} ms | "
            f"{row.per_call:.8f} | {row.per_thousand:.4f} | {row.per_million:.2f} | "
            f"{row.break_even_calls_per_month(monthly):,.0f} |"
        )
    capacity = instance_capacity_per_month(measured)
    lines += [
        "",
        f"Break-even: above that many calls a month the {INSTANCE} is cheaper; it serves at most "
        f"{capacity:,.0f} calls a month (2 vCPUs always busy, measured warm latency, no headroom).",
    ]
    return "\n".join(lines)


def table_to_json(measured: Measurements, rows: list[LambdaCost]) -> dict:
    monthly = instance_monthly()
    return {
        "prices": PRICES_DATE,
        "inputs": measured.__dict__,
        "instance": {
            "type": INSTANCE,
            "monthly": monthly,
            "capacity_calls_per_month": instance_capacity_per_month(measured),
        },
        "lambda": [
            {
                "memory_mb": row.memory_mb,
                "architecture": row.architecture,
                "warm_ms": row.warm_ms,
                "billed_ms": row.billed_ms,
                "per_call": row.per_call,
                "per_thousand": row.per_thousand,
                "per_million": row.per_million,
                "break_even_calls_per_month": row.break_even_calls_per_month(monthly),
                "fits": row.fits,
            }
            for row in rows
        ],
    }
