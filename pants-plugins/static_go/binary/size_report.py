# Copyright 2026 pants-static-go contributors.
"""The size report of each artifact (go build -> strip -> UPX), with UPX's start-up cost
(measured by startup.py). Pure Python, no Pants rules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pants.engine.addresses import Address

PROBE_ENV = "GOMEMLIMIT=invalid-static-go-startup-probe"
PROBE_MESSAGE = "malformed GOMEMLIMIT"


@dataclass(frozen=True)
class StartupMeasurement:
    before_ms: float | None = None
    after_ms: float | None = None
    runs: int = 0
    not_measured: str | None = None  # why there is no figure

    def to_json(self, unpacked_bytes: int) -> dict[str, Any]:
        if self.not_measured is not None:
            return {"not_measured": self.not_measured}
        assert self.before_ms is not None and self.after_ms is not None
        delta = self.after_ms - self.before_ms
        return {
            "before_upx_ms": round(self.before_ms, 2),
            "after_upx_ms": round(self.after_ms, 2),
            "upx_cost_ms": round(delta, 2),
            "upx_cost_ms_per_mb": round(delta / (unpacked_bytes / 1e6), 2),
            "runs": self.runs,
            "method": f"median of {self.runs} interleaved runs with {PROBE_ENV}: exec, UPX unpack "
            "and Go runtime start, no user code; measured once per packed binary, on the build "
            "machine",
        }


@dataclass(frozen=True)
class ArtifactSizes:
    """Sizes of one artifact after each step, and what each step was."""

    go_build: int
    go_build_ldflags_s_w: bool
    stripped: int | None = None
    strip_tool: str | None = None  # e.g. `/usr/bin/llvm-strip (Debian LLVM version 14.0.6)`
    packed: int | None = None
    upx_options: tuple[str, ...] = ()
    upx_version: str | None = None
    upx_skipped: str | None = None  # why a requested UPX step did not run
    startup: StartupMeasurement | None = None

    @property
    def postprocessed(self) -> bool:
        """Whether strip or UPX was asked for (whether there is more to report than `go build`)."""
        return self.stripped is not None or self.packed is not None or self.upx_skipped is not None

    @property
    def before_upx(self) -> int:
        return self.stripped if self.stripped is not None else self.go_build

    @property
    def final(self) -> int:
        return self.packed if self.packed is not None else self.before_upx

    def _pct(self, n: int) -> float:
        return round(100.0 * n / self.go_build, 1)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "go_build": {"bytes": self.go_build, "ldflags_s_w": self.go_build_ldflags_s_w},
            "strip": None
            if self.stripped is None
            else {
                "bytes": self.stripped,
                "percent_of_go_build": self._pct(self.stripped),
                "tool": self.strip_tool,
            },
            "upx": None,
            "final": {"bytes": self.final, "percent_of_go_build": self._pct(self.final)},
        }
        if self.packed is not None:
            out["upx"] = {
                "bytes": self.packed,
                "percent_of_go_build": self._pct(self.packed),
                "percent_of_input": round(100.0 * self.packed / self.before_upx, 1),
                "options": list(self.upx_options),
                "version": self.upx_version,
                "startup": self.startup.to_json(self.before_upx) if self.startup else None,
            }
        elif self.upx_skipped:
            out["upx"] = {"skipped": self.upx_skipped}
        return out

    def log_lines(self) -> tuple[str, ...]:
        steps = [f"go build{' -s -w' if self.go_build_ldflags_s_w else ''} {self.go_build:,}"]
        if self.stripped is not None:
            steps.append(f"strip {self.stripped:,} ({self._pct(self.stripped)}%)")
        if self.packed is not None:
            opts = " ".join(self.upx_options) or "default"
            steps.append(f"upx {opts} {self.packed:,} ({self._pct(self.packed)}%)")
        lines = ["      size: " + " -> ".join(steps)]
        if self.upx_skipped:
            lines.append(f"      upx: skipped ({self.upx_skipped})")
        if self.startup is not None:
            s = self.startup
            if s.not_measured is not None:
                lines.append(f"      upx start-up cost: not measured ({s.not_measured})")
            else:
                assert s.before_ms is not None and s.after_ms is not None
                delta = s.after_ms - s.before_ms
                lines.append(
                    f"      upx start-up cost: +{delta:.1f} ms per exec ({s.before_ms:.1f} -> "
                    f"{s.after_ms:.1f} ms, "
                    f"{delta / (self.before_upx / 1e6):.1f} ms/MB, median of {s.runs})"
                )
        return tuple(lines)


def size_report_json(
    address: Address, artifacts: list[tuple[str, str, str, ArtifactSizes | None]]
) -> bytes:
    """`artifacts`: (platform, dist-relative path, sha256, sizes) per artifact of one target."""
    doc = {
        "target": str(address),
        "artifacts": [
            {"platform": plat, "path": path, "sha256": sha, **(sizes.to_json() if sizes else {})}
            for plat, path, sha, sizes in artifacts
        ],
    }
    return (json.dumps(doc, indent=2, sort_keys=False) + "\n").encode()
