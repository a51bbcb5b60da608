"""Backports of upstream Pants fixes, applied to the Pants 2.17.1 installed in the bootstrap venv.

    <venv>/bin/python build-support/pants_backports.py [--check]

Run by build-support/bootstrap.sh after the hash-checked install (the venv's path includes this
file's hash, so a changed backport gets a new venv). Each backport names its upstream change,
replaces one exact piece of one installed file, and checks the file's sha256 before and after:
against any other Pants than the locked 2.17.1 it stops with an error instead of patching.
Applying is idempotent; `--check` only verifies that every backport is in place.

1. pantsbuild/pants#23513 "Perf: lazy init the bootstrap scheduler" (merged 2026-07, after the
   last Pants on PyPI). Pants 2.17 builds a second, "bootstrap" scheduler, with the whole Python
   backend's rule graph, in every run without pantsd and at every pantsd start, only to resolve
   `[GLOBAL].plugins`. This repository configures no such plugins (its plugin is a source
   backend on `pythonpath`), so that scheduler is never used, yet it costs 5 to 9 s on a 2-core
   machine: `./pants --no-pantsd --version` takes 3 s instead of 11 s with it created only when
   `plugins` is set. The options it validated on the way (`pants_version`, `--loop` without
   file watching, ...) are validated again when the full options are parsed
   (OptionsBootstrapper.full_options), so no check is lost.

2. A local fix, not (yet) upstream: `pants package` writing `dist/` without losing outputs
   (issue 17, item 4). Pants 2.17.1 deletes every artifact path (`clear_paths`) and then writes the
   merged digest in place: a full disk leaves truncated executables under their final names, and
   one unwritable output path (an immutable directory) fails the write after the other targets'
   good outputs were deleted, with an error such as `Not a directory`. Patched, the goal writes
   the digest into a staging directory inside dist/ (a full disk fails there, before any output
   is touched), checks the size and sha256 of every file against the digest, then moves each
   output into place with rename(2) (an output directory replaced as a whole, as `clear_paths`
   did). An output that cannot be moved is left as it was, the others are still placed, and the
   error names each path, the OS's cause (errno) and what to check.
   Outputs that dist/ already holds byte for byte are left untouched (issue 20): the goal records
   the sha256 and stat (size, inode, mtime, ctime, mode) of every file it places in
   `<workdir>/pants-static-go/dist-state/`, and an output whose files all still match, with
   nothing else in its directory, is neither written, verified nor moved. Any write to or
   replacement of such a file changes its ctime, so an edited output is rewritten. A no-op run
   of 100 binaries wrote and re-hashed 166 MB before.

3. A local fix, not (yet) upstream (pantsbuild/pants#21223 shows the symptom in later Pants):
   BUILD files parsed once per pantsd, not once per run (issue 20). Pants 2.17.1's
   `parse_address_family` takes `SessionValues` as a parameter only to look up the environment
   variables a BUILD file reads with `env()`; that parameter changes with every run, so pantsd
   re-read and re-parsed every BUILD file of the repository in every run. Patched, the rule asks
   for the session's values (a Get) only when the BUILD file or the prelude reads `env()`; the
   others stay memoized until their files change, like the rest of the graph. `list ::` with
   pantsd up on the 1,000-binary benchmark module (5,000 targets) took 11.6 s before, 0.9 s
   after; a no-op `package ::` 11.2-16.9 s before, 2.35 s after.
4. A local fix, not (yet) upstream: git started without forking pantsd (issue 21). Pants 2.17.1
   runs git (`--changed-since`, `--changed-files`) with `subprocess.Popen` in the pantsd process,
   whose default `close_fds=True` makes Python 3.9 fork(2) it: the whole page table of a pantsd
   of 1 to 3 GB is copied for each of the ~5 git calls of a run (40-70 ms each, measured with
   strace on a 100-binary module's pantsd). With `close_fds=False` Python starts git with
   posix_spawn(3), which does not copy the address space; no descriptor leaks into git by it,
   as Python's and the Rust engine's own are all opened close-on-exec.
5. A local fix, not (yet) upstream: pantsd gives its free heap back to the OS after each run
   (issue 20). The engine's in-flight work at the peak of a run (the boxed futures of tens of
   thousands of pending rule nodes; heaptrack on `dependencies ::` of the 1,000-binary module:
   1.2 GB of its 2.0 GB peak) is freed when the run ends, but glibc keeps freed memory inside its
   heaps, so pantsd held its peak for good: 1.9 GB after a `package ::` there, of which
   `malloc_trim(0)` returned 1.1 GB. A large pantsd costs every later run: the engine starts each
   process with fork(2) (its `pre_exec` hook rules out posix_spawn), which copies and then tears
   down the page table of the whole pantsd (48-55 % of all CPU time, most of it in the kernel,
   during a one-leaf edit's 68 `go build`s there), and Pants restarts a pantsd that crosses
   `pantsd_max_memory_usage`. Patched, `malloc_trim(0)` runs in a background thread after each
   request (glibc only; elsewhere it does nothing).
6. pantsbuild/pants#21725 "Fix bad `__hash__` implementations" (Pants 2.25, for
   pantsbuild/pants#18250): a `Collection` (CreateDigest, Addresses, ...) hashes the element
   tuple. In 2.17.1 its `__hash__ = Tuple.__hash__` is the typing alias' bound method, which
   Python calls without the instance: every Collection hashes to one constant, so each
   `Get(Digest, CreateDigest(...))` lands in one bucket of the engine's interning table and is
   compared with `==` to every CreateDigest before it: quadratic in the number of binaries.
   Measured with py-spy on pantsd at 1,000 binaries (a batched build, the process a cache hit):
   3.3 s of the 7.8 s the per-binary steps after the `go build` took were `Collection.__eq__`
   under the CreateDigest of each binary's output and of its SBOM and size report. Upstream
   also made AddressMap and TargetAdaptor immutable, which a Collection holding them then
   needs; this backport keeps the old constant for a Collection whose elements cannot be
   hashed (the same type and elements have the same hash either way).
"""

from __future__ import annotations

import hashlib
import py_compile
import sys
from pathlib import Path

LAZY_BOOTSTRAP_OLD = """\
        self._bootstrap_scheduler = create_bootstrap_scheduler(options_bootstrapper, executor)
        self._plugin_resolver = PluginResolver(self._bootstrap_scheduler)
"""

LAZY_BOOTSTRAP_NEW = """\
        self._plugin_resolver = _LazyPluginResolver(options_bootstrapper, executor)
"""

LAZY_BOOTSTRAP_CLASS = '''

class _LazyPluginResolver:
    """Backport of pantsbuild/pants#23513 (pants-static-go build-support/pants_backports.py):
    create the bootstrap scheduler only when there are `[GLOBAL].plugins` to resolve."""

    def __init__(self, options_bootstrapper: OptionsBootstrapper, executor: PyExecutor) -> None:
        self._options_bootstrapper = options_bootstrapper
        self._executor = executor
        self._resolver: PluginResolver | None = None

    def resolve(
        self, options_bootstrapper: OptionsBootstrapper, env: CompleteEnvironmentVars
    ) -> pkg_resources.WorkingSet:
        if not options_bootstrapper.get_bootstrap_options().for_global_scope().plugins:
            # What PluginResolver.resolve returns when it resolves no plugin.
            return pkg_resources.working_set
        if self._resolver is None:
            self._resolver = PluginResolver(
                create_bootstrap_scheduler(self._options_bootstrapper, self._executor)
            )
        return self._resolver.resolve(options_bootstrapper, env)
'''

CLASS_ANCHOR = "\n\nclass OptionsInitializer:\n"

BUILD_PARSE_SIGNATURE_OLD = """\
    maybe_build_file_dependency_rules_implementation: MaybeBuildFileDependencyRulesImplementation,
    session_values: SessionValues,
) -> OptionalAddressFamily:"""
BUILD_PARSE_SIGNATURE_NEW = """\
    maybe_build_file_dependency_rules_implementation: MaybeBuildFileDependencyRulesImplementation,
) -> OptionalAddressFamily:"""

BUILD_PARSE_ENV_OLD = """\
    all_env_vars = await MultiGet(
        _extract_env_vars(
            fc, prelude_symbols.referenced_env_vars, session_values[CompleteEnvironmentVars]
        )
        for fc in digest_contents
    )
"""
BUILD_PARSE_ENV_NEW = """\
    # Only a BUILD file (or prelude) that reads `env()` depends on the session's environment:
    # otherwise this node stays valid across pantsd runs instead of re-parsing every BUILD file
    # in every run (pants-static-go build-support/pants_backports.py, issue 20).
    if prelude_symbols.referenced_env_vars or any(
        BUILDFileEnvVarExtractor.get_env_vars(fc) for fc in digest_contents
    ):
        session_values = await Get(SessionValues)
        all_env_vars = await MultiGet(
            _extract_env_vars(
                fc, prelude_symbols.referenced_env_vars, session_values[CompleteEnvironmentVars]
            )
            for fc in digest_contents
        )
    else:
        all_env_vars = tuple(EnvironmentVars({}) for _ in digest_contents)
"""

DIST_IMPORT_OLD = "from pants.engine.fs import Digest, MergeDigests, Workspace\n"
DIST_IMPORT_NEW = """\
from pants.engine.fs import CreateDigest, Digest, DigestEntries, MergeDigests, Workspace
from pants.option.global_options import GlobalOptions
"""

DIST_SIGNATURE_OLD = (
    "async def package_asset(workspace: Workspace, dist_dir: DistDir) -> Package:\n"
)
DIST_SIGNATURE_NEW = """\
async def package_asset(
    workspace: Workspace, dist_dir: DistDir, global_options: GlobalOptions
) -> Package:
"""

DIST_WRITE_OLD = """\
    workspace.write_digest(
        merged_digest, path_prefix=str(dist_dir.relpath), clear_paths=all_relpaths
    )
"""

DIST_WRITE_NEW = """\
    entries = await Get(DigestEntries, Digest, merged_digest)
    plan = _plan_dist(entries, dist_dir.relpath, all_relpaths, global_options.pants_workdir)
    if plan.entries:
        changed = await Get(Digest, CreateDigest(plan.entries))
        _write_dist(workspace, changed, plan, dist_dir.relpath)
"""

DIST_ANCHOR = "\n\n@goal_rule\nasync def package_asset("

DIST_HELPERS = '''

class DistWriteError(Exception):
    """Writing dist/ failed (pants-static-go build-support/pants_backports.py)."""


def _engine_os_error(text: str) -> tuple:
    """The errno and the OS's cause in an engine error's text, which comes as `...: CAUSE (os
    error N)` or, for a file it could not write, `Error writing file PATH: Os { code: N, kind:
    KIND, message: "CAUSE" }`; (None, the text) when it names no OS error."""
    import re

    rust = re.search(r'Os \\{ code: (\\d+), kind: \\w+, message: "([^"]*)" \\}', text)
    if rust:
        return int(rust.group(1)), f"{rust.group(2)} (os error {rust.group(1)})"
    plain = re.search(r"\\(os error (\\d+)\\)", text)
    if plain:
        return int(plain.group(1)), text.rsplit(": ", 1)[-1]
    return None, text


def _dist_hint(errno_value: int | None) -> str:
    import errno

    if errno_value in (errno.ENOSPC, errno.EDQUOT):
        return "free space on that filesystem (`df -h`) or set another `--pants-distdir`"
    if errno_value in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            "check the owner, the permissions and the attributes of the directory (`ls -ld`, "
            "`lsattr -d`; `chattr -i` lifts the immutable flag) or set another `--pants-distdir`"
        )
    if errno_value in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
        return "a file stands where a directory is needed, or the reverse: remove it"
    return "check that the path is writable"


def _dist_units(entries, relpaths) -> dict:
    """What is moved in one rename, each with its entries: each artifact path (a file or a whole
    directory, as `clear_paths` treated them; the outermost of nested ones) and every other file,
    link or empty directory of the digest."""
    rels = {os.path.normpath(r) for r in relpaths}
    units: dict = {}
    for e in entries:
        parts = e.path.split("/")
        prefixes = ("/".join(parts[:i]) for i in range(1, len(parts) + 1))
        unit = next((q for q in prefixes if q in rels), e.path)
        units.setdefault(unit, []).append(e)
    return units


class _DistPlan:
    """The outputs to write: the units whose bytes differ from what dist/ holds (with their
    entries), and the record of what was written, kept in the workdir."""

    def __init__(self, root, units, state_path, state) -> None:
        self.root = root
        self.units = units
        self.entries = tuple(e for members in units.values() for e in members)
        self.state_path = state_path
        self.state = state


def _stat_record(st) -> list:
    return [st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_mode]


def _unit_unchanged(root, unit, members, state) -> bool:
    """Whether dist/ holds exactly `members` under `unit` as this goal wrote them: each file with
    the sha256 recorded then and the same size, inode, times and mode since (any write or
    replacement changes the ctime, as git's index relies on), and nothing else in a directory."""
    import stat

    from pants.engine.fs import FileEntry

    if not all(isinstance(e, FileEntry) for e in members):
        return False
    for e in members:
        rec = state.get(e.path)
        if not rec or rec[0] != e.file_digest.fingerprint:
            return False
        try:
            st = os.lstat(root / e.path)
        except OSError:
            return False
        if (
            not stat.S_ISREG(st.st_mode)
            or _stat_record(st) != rec[1:]
            or bool(st.st_mode & 0o100) != e.is_executable
        ):
            return False
    if all(e.path == unit for e in members):
        return True
    files = {e.path for e in members}
    dirs = {unit} | {d for f in files for d in _parents(f, unit)}
    for dirpath, dirnames, filenames in os.walk(root / unit):
        rel = os.path.relpath(dirpath, root)
        for name in dirnames:
            if os.path.islink(os.path.join(dirpath, name)) or f"{rel}/{name}" not in dirs:
                return False
        if any(f"{rel}/{name}" not in files for name in filenames):
            return False
    return True


def _parents(path: str, unit: str):
    while path != unit and "/" in path:
        path = os.path.dirname(path)
        yield path


def _dist_state_path(workdir, root):
    import hashlib
    from pathlib import Path

    key = hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return Path(workdir) / "pants-static-go" / "dist-state" / f"{key}.json"


def _plan_dist(entries, dist_rel, relpaths, workdir) -> _DistPlan:
    """Leave the outputs dist/ already holds untouched: a no-op `package` rewrites nothing."""
    import json
    from pathlib import Path

    from pants.base.build_environment import get_buildroot

    root = Path(get_buildroot()) / dist_rel
    state_path = _dist_state_path(workdir, root)
    try:
        state = json.loads(state_path.read_text())
    except (OSError, ValueError):
        state = {}
    if not isinstance(state, dict):
        state = {}
    units = {
        unit: members
        for unit, members in _dist_units(entries, relpaths).items()
        if not _unit_unchanged(root, unit, members, state)
    }
    return _DistPlan(root, units, state_path, state)


def _save_dist_state(plan, placed) -> None:
    """Record the sha256 and stat of every file of the placed units (a failure only costs the
    next run a rewrite)."""
    import json
    import uuid

    from pants.engine.fs import FileEntry

    state = plan.state
    for unit, members in plan.units.items():
        for e in members:
            state.pop(e.path, None)
            if unit in placed and isinstance(e, FileEntry):
                try:
                    st = os.lstat(plan.root / e.path)
                except OSError:
                    continue
                state[e.path] = [e.file_digest.fingerprint, *_stat_record(st)]
    try:
        plan.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = plan.state_path.with_name(f".{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(state, sort_keys=True))
        os.replace(tmp, plan.state_path)
    except OSError:
        pass


def _place_dist_unit(staging, old, root, dist_rel, unit: str) -> str | None:
    """Move one staged output onto its final path; the error line, or None."""
    import errno
    from pathlib import Path

    src, dst = staging / unit, root / unit
    try:
        dst.parent.mkdir(parents=True, exist_ok=True)
        if os.path.lexists(dst) and (src.is_dir() or (dst.is_dir() and not dst.is_symlink())):
            aside = old / str(len(list(old.iterdir())))
            os.rename(dst, aside)
            try:
                os.rename(src, dst)
            except OSError:
                os.rename(aside, dst)
                raise
        else:
            os.replace(src, dst)
    except OSError as e:
        name = errno.errorcode.get(e.errno or 0, "?")
        where = dist_rel / Path(unit).parent
        return f"  {dist_rel / unit}: {e.strerror} ({name}) in {where}/: {_dist_hint(e.errno)}"
    return None


def _verify_dist_staging(staging, entries) -> None:
    import hashlib

    from pants.engine.fs import FileEntry

    for e in entries:
        if not isinstance(e, FileEntry):
            continue
        data = (staging / e.path).read_bytes()
        fd = e.file_digest
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != fd.serialized_bytes_length or digest != fd.fingerprint:
            raise DistWriteError(
                f"Writing {e.path} gave {len(data)} bytes, not the {fd.serialized_bytes_length} "
                "of its digest; nothing in the distdir was changed."
            )


def _remove_dist_staging(*paths) -> None:
    """Remove staging directories. After a failed write the engine's file writes already under
    way can still land for a moment (a full disk, issue 17), so try until they are gone (~2 s)."""
    import shutil
    import time

    for _ in range(20):
        for p in paths:
            shutil.rmtree(p, ignore_errors=True)
        if not any(p.exists() for p in paths):
            return
        time.sleep(0.1)


def _write_dist(workspace, digest, plan, dist_rel) -> None:
    """Write `digest` (the changed outputs of `plan`) under the distdir so that a failure loses
    nothing: staged, verified, then renamed into place (pants-static-go
    build-support/pants_backports.py, issue 17)."""
    import errno
    import uuid

    root = plan.root
    name = f".pants-write-{uuid.uuid4().hex}"
    staging, old = root / name, root / f"{name}.old"
    try:
        root.mkdir(parents=True, exist_ok=True)
        old.mkdir()
        workspace.write_digest(digest, path_prefix=str(dist_rel / name))
    except Exception as e:
        _remove_dist_staging(staging, old)
        # The engine's message names its store and the staging path: keep only the OS's cause.
        code, cause = _engine_os_error(str(e))
        if isinstance(e, OSError) and e.strerror:  # without the absolute path Python adds
            code, cause = e.errno, f"{e.strerror} ({errno.errorcode.get(e.errno or 0, '?')})"
        raise DistWriteError(
            f"Could not write the outputs to {dist_rel}/ (nothing in it was changed): {cause}\\n"
            f"To fix: {_dist_hint(code)}."
        ) from None
    try:
        _verify_dist_staging(staging, plan.entries)
        errors = {u: _place_dist_unit(staging, old, root, dist_rel, u) for u in plan.units}
    finally:
        _remove_dist_staging(staging, old)
    _save_dist_state(plan, {u for u, e in errors.items() if not e})
    failed = [e for e in errors.values() if e]
    if failed:
        raise DistWriteError(
            f"Could not write {len(failed)} output(s) to {dist_rel}/; each was left as it was "
            "and every other output was written:\\n" + "\\n".join(failed)
        )
'''

GIT_SPAWN_OLD = """\
            process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
"""

GIT_SPAWN_NEW = """\
            # posix_spawn(3), not a fork of the whole pantsd (pants-static-go
            # build-support/pants_backports.py, issue 21).
            process = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=False
            )
"""

TRIM_CALL_OLD = """\
            finally:
                logger.info(f"request completed: `{' '.join(args)}`")
"""

TRIM_CALL_NEW = """\
            finally:
                logger.info(f"request completed: `{' '.join(args)}`")
                _trim_heap_in_background()
"""

TRIM_ANCHOR = "\n\nclass ExclusiveRequestTimeout(Exception):\n"

TRIM_HELPERS = '''


def _trim_heap() -> None:
    """Give the heap that a run left free back to the OS (pants-static-go
    build-support/pants_backports.py, issue 20): glibc keeps what the engine freed at the end of a
    run, so pantsd would keep its peak size, and fork(2) of every later process copies it."""
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: no malloc_trim


def _trim_heap_in_background() -> None:
    import threading

    threading.Thread(target=_trim_heap, name="pants-static-go-malloc-trim", daemon=True).start()
'''

COLLECTION_HASH_OLD = """\
    __hash__ = Tuple.__hash__

    def __repr__(self) -> str:
"""

COLLECTION_HASH_NEW = """\
    # The element tuple's hash (pantsbuild/pants#21725, backported by pants-static-go
    # build-support/pants_backports.py): `Tuple.__hash__` was one constant for every Collection.
    # A Collection whose elements cannot be hashed keeps a constant per type.
    def __hash__(self) -> int:
        try:
            return tuple.__hash__(self)
        except TypeError:
            return hash(type(self))

    def __repr__(self) -> str:
"""

BACKPORTS = [
    {
        "name": "pantsbuild/pants#23513 (lazy bootstrap scheduler)",
        "file": "pants/init/options_initializer.py",
        "before": "6b3d5add46c968388c46d45bf5c666e545af16affb732fd117738ab155e4a6cc",
        "after": "fb1ece55c0f8e673aa303416dd108b52d0ef904af7c913b0619d647d82094af9",
        "edits": [
            (LAZY_BOOTSTRAP_OLD, LAZY_BOOTSTRAP_NEW),
            (CLASS_ANCHOR, LAZY_BOOTSTRAP_CLASS + CLASS_ANCHOR),
        ],
    },
    {
        "name": "pants-static-go issue 17 (dist/ written by rename, nothing lost)",
        "file": "pants/core/goals/package.py",
        "before": "b81ea41dcb54c319359448efd6a016ef4c9b3c0083bd3f427895daa9256079a0",
        "after": "77dafd20f5d776995f2e63523e9fb1a5bd2006d0e80cf1af1350dce022d02d4a",
        "edits": [
            (DIST_IMPORT_OLD, DIST_IMPORT_NEW),
            (DIST_SIGNATURE_OLD, DIST_SIGNATURE_NEW),
            (DIST_WRITE_OLD, DIST_WRITE_NEW),
            (DIST_ANCHOR, DIST_HELPERS + DIST_ANCHOR),
        ],
    },
    {
        "name": "pants-static-go issue 20 (BUILD files parsed once per pantsd, not per run)",
        "file": "pants/engine/internals/build_files.py",
        "before": "7a200b0e71664b798d4a055a33572ffa59cc9d69aff0375502c16765a66547a8",
        "after": "a6068f283e1f1e5339e334e82e1f4af16856108540957be54f6881899c5caefd",
        "edits": [
            (BUILD_PARSE_SIGNATURE_OLD, BUILD_PARSE_SIGNATURE_NEW),
            (BUILD_PARSE_ENV_OLD, BUILD_PARSE_ENV_NEW),
        ],
    },
    {
        "name": "pants-static-go issue 21 (git started by posix_spawn, not a fork of pantsd)",
        "file": "pants/core/util_rules/system_binaries.py",
        "before": "c4ea59f188043345f4f33952335df1917ce05342d337d28dce139fc1ff356343",
        "after": "51d25cc514af9a162bbf6f748df05870fa8b0acb507f9f500fd70a773b50d942",
        "edits": [(GIT_SPAWN_OLD, GIT_SPAWN_NEW)],
    },
    {
        "name": "pants-static-go issue 20 (pantsd returns its free heap to the OS after a run)",
        "file": "pants/bin/daemon_pants_runner.py",
        "before": "9f81a33d8104f5e85ba4ca6c4c59f40ba5984915969f0115346e43c44aa69f15",
        "after": "b3e8a813415d84aa73ed6e83e11a2384273c7d7cb84b3c750111bc7d45525493",
        "edits": [(TRIM_CALL_OLD, TRIM_CALL_NEW), (TRIM_ANCHOR, TRIM_HELPERS + TRIM_ANCHOR)],
    },
    {
        "name": "pantsbuild/pants#21725 (a Collection hashes its elements)",
        "file": "pants/engine/collection.py",
        "before": "3e15de9d8fec2677a89294a7bc8300a5b9909710dea8338b84cc00d9c7ecfbb2",
        "after": "39e5f8b75fa20b0f5ca33ce53ff4e1a6acdd641d9535c89a578dc3eca339a7be",
        "edits": [(COLLECTION_HASH_OLD, COLLECTION_HASH_NEW)],
    },
]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def site_packages() -> Path:
    import pants

    return Path(pants.__file__).resolve().parent.parent


def apply(root: Path, check_only: bool) -> list[str]:
    """Apply (or with `check_only` verify) every backport to the site-packages directory `root`;
    returns the problems found (a file with a problem is left as it was)."""
    problems = []
    for bp in BACKPORTS:
        path = root / bp["file"]
        text = path.read_text()
        digest = _sha256(text)
        if digest == bp["after"]:
            continue
        if check_only or digest != bp["before"]:
            state = (
                "is not applied"
                if digest == bp["before"]
                else f"found an unexpected file (sha256 {digest})"
            )
            problems.append(f"{bp['name']}: {path} {state}")
            continue
        for old, new in bp["edits"]:
            if text.count(old) != 1:
                problems.append(f"{bp['name']}: {path} does not contain the expected text once")
                break
            text = text.replace(old, new)
        else:
            if _sha256(text) != bp["after"]:
                problems.append(
                    f"{bp['name']}: patching {path} gave sha256 {_sha256(text)}, not {bp['after']}"
                )
                continue
            path.write_text(text)
            # Its bytecode too, as pip compiled the rest (with PYTHONDONTWRITEBYTECODE set, Python
            # would otherwise compile the file from source in every run).
            for pyc in path.parent.glob(f"__pycache__/{path.stem}.*.pyc"):
                pyc.unlink()
            py_compile.compile(str(path), doraise=True)
    return problems


def main(argv: list[str]) -> int:
    problems = apply(site_packages(), check_only="--check" in argv)
    for p in problems:
        print(f"pants_backports: {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
