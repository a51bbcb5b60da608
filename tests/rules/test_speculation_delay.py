"""`[static-go].remote_cache_speculation_delay` reaches the processes of the steps after `go
build` (strip, UPX and its self-test, UPX's start-up measurement), not only `go` and image steps;
and the Go SDK's check (run locally, it unpacks the SDK on a machine whose `go` processes may all
be cache hits) and gofmt.
The start-up measurement matters most: its figures differ from run to run, so a local run that
beats a remote lookup puts this machine's figures into the size report, and a clone's dist/
differs from the writer's (seen once in CI: tests/integration/test_remote_cache.py). Whether the
local run wins is a race, so the end-to-end test cannot fail reliably without the delay; these
tests run each rule with its processes captured and fail whenever the delay is not passed on."""

from __future__ import annotations

import pytest
from pants.core.util_rules.external_tool import DownloadFile
from pants.engine.addresses import Address
from pants.engine.fs import (
    EMPTY_DIGEST,
    EMPTY_FILE_DIGEST,
    EMPTY_SNAPSHOT,
    AddPrefix,
    CreateDigest,
    Digest,
    DigestEntries,
    FileEntry,
    MergeDigests,
    RemovePrefix,
    Snapshot,
)
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process
from pants.testutil.option_util import create_subsystem
from pants.testutil.rule_runner import MockGet, run_rule_with_mocks
from pants.util.frozendict import FrozenDict

from static_go.binary.result import GoBinaryFile
from static_go.binary.startup import StartupRequest, StartupTimer, measure_startup
from static_go.binary.strip import (
    StripError,
    StripRequest,
    StripTool,
    StripToolRequest,
    strip_go_binary,
)
from static_go.binary.upx import (
    UpxError,
    UpxPackRequest,
    UpxSelfTestError,
    UpxSelfTestRequest,
    UpxTool,
    upx_pack,
    upx_self_test,
)
from static_go.go.sdk import GoSdk, GoSdkError, GoSdkRequest, GoSdkSubsystem, find_go_sdk
from static_go.go.subsystem import StaticGoSubsystem
from static_go.lint.gofmt import (
    GofmtError,
    GofmtRequest,
    GoSdkPartition,
    StaticGoGofmtSubsystem,
    gofmt_fmt,
)
from static_go.util.host_tools import HostToolCandidates, HostToolRequest
from static_go.util.platforms import GoPlatform

DELAY = 4321
AMD64 = GoPlatform.parse("linux/amd64")
BINARY = GoBinaryFile(Address("app", target_name="app"), AMD64, EMPTY_DIGEST, "app", 1, "0" * 64)


def settings() -> StaticGoSubsystem:
    return create_subsystem(StaticGoSubsystem, remote_cache_speculation_delay=DELAY)


def failing(seen: list[Process]):
    """A process mock that records the process and fails it (so the rule stops right there)."""

    def run(process: Process) -> FallibleProcessResult:
        seen.append(process)
        return FallibleProcessResult(
            stdout=b"",
            stdout_digest=EMPTY_FILE_DIGEST,
            stderr=b"mocked failure",
            stderr_digest=EMPTY_FILE_DIGEST,
            exit_code=1,
            output_digest=EMPTY_DIGEST,
            metadata=None,  # type: ignore[arg-type]  # not read by the rules
        )

    return MockGet(output_type=FallibleProcessResult, input_types=(Process,), mock=run)


UPX = MockGet(UpxTool, (), lambda: UpxTool("./upx", "4.2.2", FrozenDict(), "test"))
# The Gets after a successful process (never reached: the mocked process fails).
AFTER = [
    MockGet(Digest, (RemovePrefix,), lambda _: EMPTY_DIGEST),
    MockGet(DigestEntries, (Digest,), lambda _: DigestEntries([])),
]
STRIP = MockGet(StripTool, (StripToolRequest,), lambda _: StripTool("/usr/bin/strip", "2.40"))


@pytest.mark.parametrize(
    "rule, request_, gets, error",
    [
        (upx_pack, UpxPackRequest(BINARY, ("--best",)), [UPX, *AFTER], UpxError),
        (upx_self_test, UpxSelfTestRequest(BINARY), [UPX], UpxSelfTestError),
        (strip_go_binary, StripRequest(BINARY), [STRIP, *AFTER], StripError),
    ],
    ids=["upx pack", "upx -t", "strip"],
)
def test_post_build_steps_wait_for_the_remote_cache(rule, request_, gets, error) -> None:
    seen: list[Process] = []
    with pytest.raises(error):
        run_rule_with_mocks(
            rule,
            rule_args=[request_, settings()],
            mock_gets=[*gets, failing(seen)],
        )
    assert [p.remote_cache_speculation_delay_millis for p in seen] == [DELAY]


def test_the_startup_measurement_waits_for_the_remote_cache() -> None:
    seen: list[Process] = []
    measurement = run_rule_with_mocks(
        measure_startup,
        rule_args=[
            StartupRequest(BINARY.address, AMD64, "app", EMPTY_DIGEST, EMPTY_DIGEST, 3),
            Platform.linux_x86_64,
            settings(),
        ],
        mock_gets=[
            MockGet(StartupTimer, (), lambda: StartupTimer(EMPTY_DIGEST, AMD64)),
            MockGet(Digest, (AddPrefix,), lambda _: EMPTY_DIGEST),
            MockGet(Digest, (MergeDigests,), lambda _: EMPTY_DIGEST),
            failing(seen),
        ],
    )
    assert measurement.not_measured and "exit code 1" in measurement.not_measured
    assert [p.remote_cache_speculation_delay_millis for p in seen] == [DELAY]


def test_the_go_sdk_check_waits_for_the_remote_cache() -> None:
    """The check of a downloaded SDK (`go env GOVERSION` through the unpacking wrapper)."""
    sdk = create_subsystem(
        GoSdkSubsystem,
        version="1.26.8",
        known_versions=[f"1.26.8|linux_x86_64|{'0' * 64}|1"],
        url_template="file:///nowhere/go{version}.{platform}.zip",
        url_platform_mapping={"linux_x86_64": "linux-amd64"},
        use_search_paths=False,
        minimum_version="1.22",
    )
    seen: list[Process] = []
    with pytest.raises(GoSdkError):
        run_rule_with_mocks(
            find_go_sdk,
            rule_args=[GoSdkRequest(), sdk, Platform.linux_x86_64, settings()],
            mock_gets=[
                MockGet(Digest, (DownloadFile,), lambda _: EMPTY_DIGEST),
                MockGet(
                    DigestEntries,
                    (Digest,),
                    lambda _: DigestEntries([FileEntry("go.zip", EMPTY_FILE_DIGEST)]),
                ),
                MockGet(Digest, (CreateDigest,), lambda _: EMPTY_DIGEST),
                failing(seen),
                # Not reached: the search for a `go` on the host (`use_search_paths`).
                MockGet(HostToolCandidates, (HostToolRequest,), lambda _: None),
            ],
        )
    assert [p.remote_cache_speculation_delay_millis for p in seen] == [DELAY]


def test_gofmt_waits_for_the_remote_cache() -> None:
    sdk = GoSdk("__go_sdk/bin/go", "go1.26.8", FrozenDict(), "test")
    seen: list[Process] = []
    with pytest.raises(GofmtError):
        run_rule_with_mocks(
            gofmt_fmt,
            rule_args=[
                GofmtRequest.Batch(
                    "gofmt", ("app/main.go",), GoSdkPartition(None), snapshot=EMPTY_SNAPSHOT
                ),
                create_subsystem(StaticGoGofmtSubsystem, args=[]),
                settings(),
            ],
            mock_gets=[
                MockGet(GoSdk, (GoSdkRequest,), lambda _: sdk),
                failing(seen),
                MockGet(Snapshot, (Digest,), lambda _: EMPTY_SNAPSHOT),  # not reached
            ],
        )
    assert [p.remote_cache_speculation_delay_millis for p in seen] == [DELAY]
