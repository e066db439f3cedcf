"""SLO recording rules and multi-window multi-burn-rate alerts.

The structure follows the Google SRE workbook ("Alerting on SLOs") and the
recording-rule naming of Sloth (`slo:sli_error:ratio_rate<window>`), with two
deliberate differences:

- the 30-day ratio is request-weighted: the sums of the recorded 5m error and
  request rates over 30 days, instead of the mean of 5m ratios, so that a quiet
  night does not weigh as much as a busy day;
- burn rates are recorded (rounded to 1e-4) and the alerts compare them with
  `>=`, so that a burn of exactly the workbook factor pages, whatever the float
  error of dividing two rates.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Alert, Record, RuleGroup
from .scope import AlertScope
from .settings import Slo, Slos

RATE_WINDOWS: tuple[str, ...] = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
"""Windows whose error ratio is computed from raw counters."""

PERIOD = "30d"
PERIOD_DAYS = 30
BURN_RATE_PRECISION = 0.0001


@dataclass(frozen=True)
class BurnWindow:
    """One clause of a burn alert: both windows at or above `factor` times the budget."""

    long: str
    short: str
    factor: float

    @property
    def budget_share(self) -> float:
        """Share of the 30-day budget spent when the burn lasts for the long window."""
        return self.factor * _hours(self.long) / (PERIOD_DAYS * 24)


PAGE_WINDOWS = (BurnWindow("1h", "5m", 14.4), BurnWindow("6h", "30m", 6.0))
TICKET_WINDOWS = (BurnWindow("1d", "2h", 3.0), BurnWindow("3d", "6h", 1.0))

ALERT_FAST = "ErrorBudgetBurnFast"
ALERT_SLOW = "ErrorBudgetBurnSlow"


def _hours(window: str) -> float:
    unit = {"m": 1 / 60, "h": 1.0, "d": 24.0}[window[-1]]
    return float(window[:-1]) * unit


def num(value: float) -> str:
    """A PromQL number literal without float noise (0.001, not 0.0010000000000000009)."""
    return format(value, ".12g")


def le_matcher(threshold: float) -> str:
    """Match one bucket bound however the scrape spelled it.

    client_golang writes `le="1"` in the text format and `le="1.0"` in
    OpenMetrics, and Prometheus 3 normalises to the latter: match both for
    whole numbers.
    """
    text = num(threshold)
    if "." in text or "e" in text:
        return f'le="{text}"'
    return f'le=~"{text}(\\\\.0)?"'


def _sli_rates(scope: AlertScope, slo: Slo, window: str) -> tuple[str, str]:
    """(bad events per second, all events per second) of the SLI over `window`."""
    sel = scope.api_selector
    if slo.kind == "availability":
        total = f"sum(rate(http_requests_total{{{sel}}}[{window}]))"
        # `or vector(0)`: with no 5xx series at all the ratio is 0, not missing.
        errors = f'(sum(rate(http_requests_total{{{sel}, code=~"5.."}}[{window}])) or vector(0))'
        return errors, total
    assert slo.latency_threshold_seconds is not None  # the config model guarantees it
    total = f"sum(rate(http_request_duration_seconds_count{{{sel}}}[{window}]))"
    good = (
        f"sum(rate(http_request_duration_seconds_bucket{{{sel}, "
        f"{le_matcher(slo.latency_threshold_seconds)}}}[{window}]))"
    )
    return f"({total} - {good})", total


def slo_selector(scope: AlertScope, slo: Slo) -> str:
    """Matchers selecting this SLO's recorded series."""
    return f'service="{scope.service}", slo="{slo.name}"'


def _recordings(scope: AlertScope, slo: Slo) -> list[Record]:
    labels = {"service": scope.service, "slo": slo.name}
    sel = slo_selector(scope, slo)
    errors5m, total5m = _sli_rates(scope, slo, "5m")
    rules = [
        Record("slo:sli_errors:rate5m", errors5m, labels),
        Record("slo:sli_requests:rate5m", total5m, labels),
        Record(
            "slo:sli_error:ratio_rate5m",
            f"slo:sli_errors:rate5m{{{sel}}} / slo:sli_requests:rate5m{{{sel}}}",
            labels,
        ),
    ]
    for window in RATE_WINDOWS[1:]:
        errors, total = _sli_rates(scope, slo, window)
        rules.append(Record(f"slo:sli_error:ratio_rate{window}", f"{errors} / {total}", labels))
    rules.append(
        Record(
            f"slo:sli_error:ratio_rate{PERIOD}",
            f"sum_over_time(slo:sli_errors:rate5m{{{sel}}}[{PERIOD}])"
            f" / sum_over_time(slo:sli_requests:rate5m{{{sel}}}[{PERIOD}])",
            labels,
        )
    )
    budget = num(slo.error_budget)
    precision = num(BURN_RATE_PRECISION)
    for window in (*RATE_WINDOWS, PERIOD):
        rules.append(
            Record(
                f"slo:burn_rate:ratio_rate{window}",
                f"round(slo:sli_error:ratio_rate{window}{{{sel}}} / {budget}, {precision})",
                labels,
            )
        )
    rules += [
        Record("slo:objective:ratio", f"vector({num(slo.objective)})", labels),
        Record("slo:error_budget:ratio", f"vector({budget})", labels),
        Record("slo:time_period:days", f"vector({PERIOD_DAYS})", labels),
        Record(
            "slo:error_budget_remaining:ratio",
            f"1 - slo:burn_rate:ratio_rate{PERIOD}{{{sel}}}",
            labels,
        ),
    ]
    return rules


def burn_expr(scope: AlertScope, slo: Slo, windows: tuple[BurnWindow, ...]) -> str:
    """`(long >= f and short >= f) or ...`; the value is the long window's burn rate."""
    sel = slo_selector(scope, slo)
    clauses = [
        f"(\n  slo:burn_rate:ratio_rate{w.long}{{{sel}}} >= {num(w.factor)}\n"
        f"  and\n  slo:burn_rate:ratio_rate{w.short}{{{sel}}} >= {num(w.factor)}\n)"
        for w in windows
    ]
    return "\nor\n".join(clauses)


def _what(scope: AlertScope, slo: Slo) -> str:
    if slo.description:
        return slo.description
    if slo.kind == "availability":
        return f"{slo.objective:.3%} of {scope.service} API requests are not 5xx"
    return (
        f"{slo.objective:.3%} of {scope.service} API requests complete within "
        f"{num(slo.latency_threshold_seconds or 0)}s"
    )


def _windows_text(windows: tuple[BurnWindow, ...]) -> str:
    return " or ".join(
        f"{num(w.factor)}x over {w.long} and {w.short} "
        f"({w.budget_share:.0%} of the budget in {w.long})"
        for w in windows
    )


def _alerts(scope: AlertScope, slo: Slo) -> list[Alert]:
    what = _what(scope, slo)
    return [
        Alert(
            alert=ALERT_FAST,
            expr=burn_expr(scope, slo, PAGE_WINDOWS),
            severity="critical",
            summary=f"{scope.service} is burning its {slo.name} error budget fast",
            description=(
                f"SLO '{slo.name}' ({what}, over {PERIOD}) is burning its error budget at "
                "{{ $value | humanize }}x the sustainable rate. "
                f"Pages at {_windows_text(PAGE_WINDOWS)}."
            ),
            labels={"service": scope.service, "slo": slo.name},
        ),
        Alert(
            alert=ALERT_SLOW,
            expr=burn_expr(scope, slo, TICKET_WINDOWS),
            severity="warning",
            summary=f"{scope.service} is steadily burning its {slo.name} error budget",
            description=(
                f"SLO '{slo.name}' ({what}, over {PERIOD}) is burning its error budget at "
                "{{ $value | humanize }}x the sustainable rate. "
                f"Tickets at {_windows_text(TICKET_WINDOWS)}."
            ),
            labels={"service": scope.service, "slo": slo.name},
        ),
    ]


def slo_group_name(scope: AlertScope, slo: Slo) -> str:
    """`slo-<service>-<slo>`: a valid Kubernetes name and rule file name."""
    return f"slo-{scope.service}-{slo.name}"


def slo_rule_groups(scope: AlertScope, slos: Slos) -> list[RuleGroup]:
    """One group per SLO: its recordings first, then the two alerts that read them."""
    names = [slo.name for slo in slos]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        msg = f"SLO names must be unique, repeated: {', '.join(dupes)}"
        raise ValueError(msg)
    return [
        RuleGroup(
            name=slo_group_name(scope, slo),
            rules=(*_recordings(scope, slo), *_alerts(scope, slo)),
        )
        for slo in slos
    ]
