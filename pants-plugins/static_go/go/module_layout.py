# Copyright 2026 pants-static-go contributors.
"""Which modules of the repository one `go` command in a module's directory reads: its module
context.

A module is built alone, as `GOWORK=off go build` sees it, unless a `go.work` applies to it (the
nearest one in its directory or above, within the build root, as the go command finds it) and
`[static-go].workspaces` is on. Alone, the `go` command also reads the module directories its
`go.mod` replaces others with (`replace example.com/api => ../api`): those are local modules of
the repository, with their own `static_go_module` and `static_go_package` targets. In a
workspace it reads every module the `go.work` `use`s and every directory a `go.work` or
workspace `go.mod` `replace` points at. With `vendor/modules.txt` (the module's own, or the
workspace's from `go work vendor`) replaced modules are read from `vendor/` instead.

Analysis (analysis.py), the precompile (build_cache_warmup.py) and `go build` (build.py) all run
in that context: the same `GOWORK`, `-mod`, and the context's `go.mod`/`go.sum`/`go.work` files
in the sandbox. A layout the go command would reject, or that a sandbox cannot hold (a `replace`
or `use` of a directory outside the build root or without a module, two modules with one module
path), fails here, before any `go` process runs, naming the file, line and directive.

`go.mod`/`go.work` are read with a small parser of their syntax (`parse_go_mod`,
`parse_go_work`), so no process is needed to find the replace targets before `go list` runs.

The context also decides which Go runs those processes (`sdk_version`): the newest `go` line among
the files the go command checks against its own version, the module's `go.mod`, those of the
other local modules it reads and the `go.work`, must be satisfied (sdk.py chooses the SDK). So
every module of one workspace builds with one Go, the one its highest `go` line needs. `toolchain`
lines are not read: with `GOTOOLCHAIN=local` the go command ignores them too.
"""

from __future__ import annotations

import ast
import logging
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pants.build_graph.address import Address
from pants.core.util_rules.source_files import SourceFiles, SourceFilesRequest
from pants.engine.fs import Digest, DigestContents, MergeDigests, PathGlobs, Paths, Snapshot
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import WrappedTarget, WrappedTargetRequest
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from static_go.go.errors import GoAnalysisError
from static_go.go.gover import parse_gover
from static_go.go.process import go_mod_mode
from static_go.go.sdk import GoRequirement, GoSdkChoice, GoSdkChoiceRequest, GoSdkSubsystem
from static_go.go.subsystem import StaticGoSubsystem
from static_go.go.target_index import StaticGoTargetIndex
from static_go.go.target_types import StaticGoModuleSourcesField

# ---------------------------------------------------------------------------------------------
# go.mod / go.work syntax
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|//.*|[()]|[^\s()"`]+')

logger = logging.getLogger(__name__)


def _unquote(token: str) -> str:
    if token[:1] == "`":
        return token[1:-1]
    if token[:1] == '"':
        try:
            value = ast.literal_eval(token)
        except (SyntaxError, ValueError):
            return token[1:-1]
        return value if isinstance(value, str) else token[1:-1]
    return token


@dataclass(frozen=True)
class GoModDirective:
    """One directive line: `verb args...` (in a block, the block's verb)."""

    verb: str
    args: tuple[str, ...]
    line: int  # 1-based

    @property
    def text(self) -> str:
        return " ".join((self.verb, *self.args))


def parse_go_mod_syntax(text: str) -> list[GoModDirective]:
    """The directives of a `go.mod` or `go.work` file, blocks (`require ( ... )`) expanded.

    Lenient like a reader, not a validator: lines it cannot make sense of are skipped (the go
    command reports them with its own message).
    """
    out: list[GoModDirective] = []
    block: str | None = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = [t for t in _TOKEN.findall(line) if not t.startswith("//")]
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
                continue
            out.append(GoModDirective(block, tuple(_unquote(t) for t in tokens), lineno))
            continue
        if len(tokens) >= 2 and tokens[1] == "(":
            if tokens[2:] != [")"]:  # `verb ()` is an empty block on one line
                block = tokens[0]
            continue
        out.append(GoModDirective(tokens[0], tuple(_unquote(t) for t in tokens[1:]), lineno))
    return out


def is_directory_path(path: str) -> bool:
    """A replacement or `use` path that names a directory (the go command's rule)."""
    return (
        path in (".", "..")
        or path.startswith(("./", ".\\", "../", "..\\", "/", "\\"))
        or (len(path) >= 2 and path[0].isalpha() and path[1] == ":")
    )


@dataclass(frozen=True)
class GoReplace:
    old_path: str
    old_version: str | None
    new_path: str
    new_version: str | None
    directive: GoModDirective

    @property
    def is_directory(self) -> bool:
        return self.new_version is None and is_directory_path(self.new_path)


def _replace(d: GoModDirective) -> GoReplace | None:
    if "=>" not in d.args:
        return None
    i = d.args.index("=>")
    old, new = d.args[:i], d.args[i + 1 :]
    if len(old) not in (1, 2) or len(new) not in (1, 2):
        return None
    return GoReplace(
        old[0], old[1] if len(old) == 2 else None, new[0], new[1] if len(new) == 2 else None, d
    )


@dataclass(frozen=True)
class GoModFile:
    path: str  # build-root relative, e.g. `api/go.mod`
    module_path: str | None
    module_line: int
    replaces: tuple[GoReplace, ...]
    go_directive: GoModDirective | None = None  # `go 1.22`
    toolchain_directive: GoModDirective | None = None  # `toolchain go1.27.3`: not honoured

    @property
    def dir(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def go_requirement(self) -> GoRequirement | None:
        return _go_requirement(self.path, self.go_directive)


def _go_requirement(path: str, directive: GoModDirective | None) -> GoRequirement | None:
    if directive is None or not directive.args:
        return None
    return GoRequirement(directive.args[0], path, directive.line)


def _go_directive(directives: list[GoModDirective], verb: str = "go") -> GoModDirective | None:
    return next((d for d in directives if d.verb == verb and d.args), None)


def parse_go_mod(path: str, text: str) -> GoModFile:
    module_path, module_line, replaces = None, 0, []
    directives = parse_go_mod_syntax(text)
    for d in directives:
        if d.verb == "module" and d.args and module_path is None:
            module_path, module_line = d.args[0], d.line
        elif d.verb == "replace":
            r = _replace(d)
            if r is not None:
                replaces.append(r)
    return GoModFile(
        path,
        module_path,
        module_line,
        tuple(replaces),
        _go_directive(directives),
        _go_directive(directives, "toolchain"),
    )


@dataclass(frozen=True)
class GoWorkUse:
    path: str
    directive: GoModDirective


@dataclass(frozen=True)
class GoWorkFile:
    path: str  # build-root relative, e.g. `go.work`
    uses: tuple[GoWorkUse, ...]
    replaces: tuple[GoReplace, ...]
    go_directive: GoModDirective | None = None  # `go 1.22`

    @property
    def dir(self) -> str:
        return posixpath.dirname(self.path)

    @property
    def go_requirement(self) -> GoRequirement | None:
        return _go_requirement(self.path, self.go_directive)


def parse_go_work(path: str, text: str) -> GoWorkFile:
    uses, replaces = [], []
    directives = parse_go_mod_syntax(text)
    for d in directives:
        if d.verb == "use" and d.args:
            uses.append(GoWorkUse(d.args[0], d))
        elif d.verb == "replace":
            r = _replace(d)
            if r is not None:
                replaces.append(r)
    return GoWorkFile(path, tuple(uses), tuple(replaces), _go_directive(directives))


def highest_go_requirement(
    files: list[GoModFile | GoWorkFile],
) -> GoRequirement | None:
    """The `go` line that needs the newest Go, in Go's version order; the first of equal ones.
    Lines that are no Go version are left to the go command to report."""
    best: GoRequirement | None = None
    for f in files:
        req = f.go_requirement
        parsed = parse_gover(req.version) if req else None
        if req is None or parsed is None:
            continue
        best_parsed = parse_gover(best.version) if best else None
        if best_parsed is None or parsed > best_parsed:
            best = req
    return best


# ---------------------------------------------------------------------------------------------
# The context of one module
# ---------------------------------------------------------------------------------------------


class GoModuleLayoutError(GoAnalysisError):
    """A `replace`, `use` or module path the builds cannot honour."""


def join_build_root(base_dir: str, path: str) -> str | None:
    """`path` (relative to `base_dir`) as a build-root relative directory (`""` for the root), or
    None when it is absolute or leaves the build root."""
    if path.startswith(("/", "\\")) or (len(path) >= 2 and path[1] == ":"):
        return None
    joined = posixpath.normpath(posixpath.join(base_dir or ".", path.replace("\\", "/")))
    if joined == ".." or joined.startswith("../"):
        return None
    return "" if joined == "." else joined


def ancestor_dirs(directory: str) -> list[str]:
    """`directory` and every directory above it, up to the build root (`""`)."""
    out = [directory]
    while directory:
        directory = posixpath.dirname(directory)
        out.append(directory)
    return out


def _file(directory: str, name: str) -> str:
    return f"{directory}/{name}" if directory else name


def _shown(directory: str) -> str:
    return directory or "."


@dataclass(frozen=True)
class _Reference:
    """Why a directory is part of the context: the file and directive pointing at it."""

    file: str
    directive: GoModDirective
    target: str  # the path as written
    expected_module: str | None  # the module path a `replace` expects there

    def where(self) -> str:
        return f"{self.file}:{self.directive.line}: `{self.directive.text}`"


@dataclass(frozen=True)
class GoModuleContext:
    """What `go` commands in one module's directory read of the repository."""

    module_address: Address
    module_dir: str
    module_path: str
    # The `go.work` the module is built in (build-root relative), or None: `GOWORK=off`.
    workspace: str | None
    # vendor mode: the module's `vendor/modules.txt`, or in a workspace the workspace's.
    vendor: bool
    # Directory -> `static_go_module` of every other module whose `go.mod` the go command reads:
    # replace targets, workspace modules. Their packages are local packages of the repository.
    local_modules: FrozenDict[str, Address]
    # Directory -> module path (the `module` line) of those of them that have one.
    local_module_paths: FrozenDict[str, str] = FrozenDict()
    # The newest `go` line of the context (the module's, another local module's, the go.work's).
    go_requirement: GoRequirement | None = None
    # The Go of `[static-go-sdk].known_versions` its `go` processes run (GoProcess.sdk_version):
    # None for `[static-go-sdk].version`, which satisfies `go_requirement`.
    sdk_version: str | None = None

    def local_package_dir(self, import_path: str) -> str | None:
        """The directory of `import_path` if it is a package of one of the other local modules
        (the module whose path is its longest prefix), else None."""
        best = max(
            (
                (path, d)
                for d, path in self.local_module_paths.items()
                if import_path == path or import_path.startswith(f"{path}/")
            ),
            key=lambda pd: len(pd[0]),
            default=None,
        )
        if best is None:
            return None
        path, d = best
        rest = import_path[len(path) + 1 :]
        return posixpath.join(d, rest) if d and rest else (d or rest)

    @property
    def gowork(self) -> str:
        """`GOWORK` for the module's `go` processes: `off`, or the sandbox's `go.work`."""
        return "off" if self.workspace is None else f"{{chroot}}/{self.workspace}"

    def mod_mode(self, files: tuple[str, ...]) -> str:
        """`-mod=` for a process whose input holds `files`."""
        if self.workspace is not None:
            return "vendor" if self.vendor else "readonly"
        return go_mod_mode(self.module_dir, files)

    @property
    def workspace_globs(self) -> tuple[str, ...]:
        """The files of the workspace itself: `go.work`, `go.work.sum`, a workspace `vendor/`."""
        if self.workspace is None:
            return ()
        ws_dir = posixpath.dirname(self.workspace)
        globs = [self.workspace, _file(ws_dir, "go.work.sum")]
        if self.vendor:
            globs.append(_file(ws_dir, "vendor/**"))
        return tuple(globs)


@dataclass(frozen=True)
class GoModuleContextRequest:
    module_address: Address
    # For `pants tailor`: a referenced directory holding a `go.mod` but no `static_go_module` yet
    # counts as a module (tailor writes its target in the same run).
    tailor: bool = False


async def _read_go_mods(dirs: set[str]) -> dict[str, GoModFile]:
    """The parsed `go.mod` of those of `dirs` that have one."""
    if not dirs:
        return {}
    contents = await Get(DigestContents, PathGlobs([_file(d, "go.mod") for d in sorted(dirs)]))
    return {
        posixpath.dirname(fc.path): parse_go_mod(fc.path, fc.content.decode(errors="replace"))
        for fc in contents
    }


def _directory_replaces(go_mod: GoModFile, problems: list[str]) -> list[tuple[str, _Reference]]:
    out = []
    for r in go_mod.replaces:
        if not r.is_directory:
            continue
        ref = _Reference(go_mod.path, r.directive, r.new_path, r.old_path)
        target = join_build_root(go_mod.dir, r.new_path)
        if target is None:
            problems.append(
                f"{ref.where()}: `{r.new_path}` is outside the build root, so no Pants "
                "sandbox can hold it. Move that module into the repository and replace with a "
                "relative path to it, or replace with a published version "
                f"(`replace {r.old_path} => {r.old_path} vX.Y.Z`)."
            )
            continue
        out.append((target, ref))
    return out


def check_context(
    module_dir: str,
    go_mod: GoModFile,
    go_work: GoWorkFile | None,
    references: list[tuple[str, _Reference]],
    go_mods: Mapping[str, GoModFile],
    module_targets: Mapping[str, Address],
    problems: list[str],
) -> dict[str, Address]:
    """Resolve the referenced directories to module targets; record what cannot be built."""
    local: dict[str, Address] = {}
    claimed: dict[str, list[tuple[str, str]]] = {}  # module path -> [(dir, how it came in)]
    if go_mod.module_path:
        claimed.setdefault(go_mod.module_path, []).append(
            (module_dir, f"{go_mod.path}:{go_mod.module_line}")
        )
    for target, ref in references:
        fix_missing = (
            "remove the line, or point it at a directory holding the module's `go.mod`"
            if ref.directive.verb == "use"
            else "point it at the directory holding the module's `go.mod` (relative to "
            f"`{_shown(posixpath.dirname(ref.file))}`), or replace with a published version"
        )
        target_mod = go_mods.get(target)
        if target_mod is None:
            problems.append(
                f"{ref.where()}: `{ref.target}` (`{_shown(target)}` in the build root) does not "
                f"exist or holds no `go.mod`, so the go command fails there. Create the module, "
                f"or {fix_missing}."
            )
            continue
        if target not in module_targets:
            problems.append(
                f"{ref.where()}: `{_shown(target)}` holds a `go.mod` but no `static_go_module` "
                f"target, so its files never reach a sandbox. Add `static_go_module()` and "
                f"`static_go_packages()` to `{_file(target, 'BUILD')}` (or run `pants tailor ::`)."
            )
            continue
        if ref.expected_module and target_mod.module_path not in (None, ref.expected_module):
            problems.append(
                f"{ref.where()}: `{target_mod.path}` declares `module "
                f"{target_mod.module_path}`, not `{ref.expected_module}`, and the go command "
                f"refuses the replacement. Point the `replace` at the directory of "
                f"`{ref.expected_module}`, or fix the `module` line of `{target_mod.path}`."
            )
            continue
        if target != module_dir and target not in local:
            local[target] = module_targets[target]
            if target_mod.module_path:
                claimed.setdefault(target_mod.module_path, []).append(
                    (target, f"{target_mod.path}:{target_mod.module_line}, via {ref.where()}")
                )
    for path, claims in sorted(claimed.items()):
        dirs = {d for d, _ in claims}
        if len(dirs) > 1:
            where = "; ".join(f"`{_shown(d)}` ({how})" for d, how in claims)
            ctx = f"the workspace `{go_work.path}`" if go_work else f"the build of `{go_mod.path}`"
            problems.append(
                f"Two modules claim the module path `{path}` in {ctx}: {where}. The go command "
                "needs one directory per module path: give one of them its own `module` path "
                "(and its imports), or drop the `use`/`replace` that brings the other in."
            )
    return local


async def _workspace_references(
    go_work: GoWorkFile, go_mod: GoModFile, module_dir: str, problems: list[str]
) -> tuple[bool, list[tuple[str, _Reference]], dict[str, GoModFile]]:
    """In a workspace: vendor mode, the modules the go command reads (`use`d ones, then the
    directory replacements of the go.work and of each used module) and their go.mod files."""
    ws_dir = go_work.dir
    vendor = bool((await Get(Paths, PathGlobs([_file(ws_dir, "vendor/modules.txt")]))).files)
    references: list[tuple[str, _Reference]] = []
    for use in go_work.uses:
        target = join_build_root(ws_dir, use.path)
        ref = _Reference(go_work.path, use.directive, use.path, None)
        if target is None:
            problems.append(
                f"{ref.where()}: `{use.path}` is outside the build root, so no Pants "
                "sandbox can hold it. Move that module into the repository, or remove the "
                "line."
            )
            continue
        references.append((target, ref))
    used = {t for t, _ in references}
    if module_dir not in used:
        problems.append(
            f"{go_mod.path}: the module is inside the workspace `{go_work.path}`, which does "
            f"not `use` it, so the go command refuses to build there. Add `use "
            f"./{posixpath.relpath(module_dir or '.', ws_dir or '.')}` to `{go_work.path}`, or "
            "set `[static-go].workspaces = false` to build every module alone "
            "(`GOWORK=off`)."
        )
    go_mods = await _read_go_mods(used)
    if not vendor:
        replaces = list(_directory_replaces_of_work(go_work, problems))
        for d in sorted(used):
            if d in go_mods:
                replaces.extend(_directory_replaces(go_mods[d], problems))
        references.extend(replaces)
        go_mods.update(await _read_go_mods({t for t, _ in replaces} - set(go_mods)))
    return vendor, references, go_mods


async def _go_sdk_of_context(
    module_address: Address,
    go_mod: GoModFile,
    go_work: GoWorkFile | None,
    local: Mapping[str, Address],
    go_mods: Mapping[str, GoModFile],
) -> tuple[GoRequirement | None, str | None]:
    """The highest `go` line the go command checks for this module, and the Go SDK version
    that satisfies it when the default does not (None: the default)."""
    module_dir = module_address.spec_path
    # Every module of a workspace sees the same files in the same order, so the same line.
    mods = {module_dir: go_mod, **{d: go_mods[d] for d in local}}
    order = sorted(mods) if go_work else [module_dir, *sorted(local)]
    requirement = highest_go_requirement(
        [*([go_work] if go_work else []), *(mods[d] for d in order)]
    )
    if requirement is None:
        return None, None
    if go_work is None:
        builds = f"the module {module_address}"
    else:
        modules = sorted({module_dir, *local})
        builds = (
            f"the modules of the workspace `{go_work.path}` "
            f"({', '.join(f'`{_shown(d)}`' for d in modules)}), which all build with one Go"
        )
    choice = await Get(GoSdkChoice, GoSdkChoiceRequest(requirement, builds))
    return requirement, choice.version


def _note_toolchain_line(go_mod: GoModFile, build_go: str | None) -> None:
    """A `toolchain` line is not honoured (docs/go-versions.md); say so once per module and run
    rather than silently building with another Go than the line names. Not when the line names
    a Go no newer than `build_go`, the Go the build uses (None: not known before the SDK is
    found): the go command, even with GOTOOLCHAIN=auto, only ever moves to a newer Go."""
    line = go_mod.toolchain_directive
    if line is None:
        return
    wanted, used = parse_gover(line.args[0]), parse_gover(build_go or "")
    if wanted is not None and used is not None and wanted <= used:
        return
    logger.warning(
        f"{go_mod.path}:{line.line}: `toolchain {line.args[0]}` is not used: like the go "
        "command with GOTOOLCHAIN=local, the build uses the Go that the `go` line needs. If "
        "the module needs that Go, raise its `go` line (docs/go-versions.md)."
    )


@rule(desc="Resolve the module context of a Go module", level=LogLevel.DEBUG)
async def resolve_go_module_context(
    request: GoModuleContextRequest,
    index: StaticGoTargetIndex,
    settings: StaticGoSubsystem,
    sdk: GoSdkSubsystem,
) -> GoModuleContext:
    module_dir = request.module_address.spec_path
    own_files = [_file(module_dir, "go.mod"), _file(module_dir, "vendor/modules.txt")]
    work_candidates = (
        [_file(d, "go.work") for d in ancestor_dirs(module_dir)] if settings.workspaces else []
    )
    contents = await Get(DigestContents, PathGlobs([*own_files, *work_candidates]))
    by_path = {fc.path: fc.content.decode(errors="replace") for fc in contents}
    go_mod_path = own_files[0]
    if go_mod_path not in by_path:
        raise GoModuleLayoutError(
            f"{request.module_address}: there is no `{go_mod_path}`. A `static_go_module` "
            "belongs next to its module's `go.mod`."
        )
    go_mod = parse_go_mod(go_mod_path, by_path[go_mod_path])
    # The nearest go.work, as the go command looks for it from the module's directory.
    work_path = next((p for p in work_candidates if p in by_path), None)
    go_work = parse_go_work(work_path, by_path[work_path]) if work_path else None
    problems: list[str] = []
    references: list[tuple[str, _Reference]] = []
    vendor: bool
    if go_work is None:
        vendor = own_files[1] in by_path
        if not vendor:  # in vendor mode the replaced modules come from vendor/
            references = _directory_replaces(go_mod, problems)
        go_mods = await _read_go_mods({t for t, _ in references})
    else:
        vendor, references, go_mods = await _workspace_references(
            go_work, go_mod, module_dir, problems
        )
    local = check_context(
        module_dir,
        go_mod,
        go_work,
        references,
        go_mods,
        {**{d: Address(d) for d in go_mods}, **index.modules} if request.tailor else index.modules,
        problems,
    )
    if problems:
        raise GoModuleLayoutError(
            f"The module layout of {request.module_address} cannot be built:\n"
            + "\n".join(f"- {p}" for p in dict.fromkeys(problems))
        )
    requirement, sdk_version = await _go_sdk_of_context(
        request.module_address, go_mod, go_work, local, go_mods
    )
    # A Go found on search paths is known only once it is found: then the line is always noted.
    default_go = None if sdk.use_search_paths else sdk.version
    _note_toolchain_line(go_mod, sdk_version or default_go)
    return GoModuleContext(
        module_address=request.module_address,
        module_dir=module_dir,
        module_path=go_mod.module_path or "",
        workspace=work_path,
        vendor=vendor,
        local_modules=FrozenDict(sorted(local.items())),
        local_module_paths=FrozenDict(
            sorted((d, m.module_path) for d, m in go_mods.items() if d in local and m.module_path)
        ),
        go_requirement=requirement,
        sdk_version=sdk_version,
    )


def _directory_replaces_of_work(
    go_work: GoWorkFile, problems: list[str]
) -> list[tuple[str, _Reference]]:
    as_mod = GoModFile(go_work.path, None, 0, go_work.replaces)
    return _directory_replaces(as_mod, problems)


@dataclass(frozen=True)
class GoModuleContextFiles:
    """The files a module's context adds to its own: the other modules' `go.mod`/`go.sum` (their
    `static_go_module` sources) and the workspace's `go.work`, `go.work.sum` and `vendor/`."""

    digest: Digest
    files: tuple[str, ...]


@rule(desc="Collect the module files of a Go module's context", level=LogLevel.DEBUG)
async def go_module_context_files(context: GoModuleContext) -> GoModuleContextFiles:
    origin = "the module context of a static_go_module"
    wrapped = await MultiGet(
        Get(WrappedTarget, WrappedTargetRequest(a, description_of_origin=origin))
        for a in context.local_modules.values()
    )
    sources = await Get(
        SourceFiles,
        SourceFilesRequest([w.target[StaticGoModuleSourcesField] for w in wrapped]),
    )
    if not context.workspace_globs:
        return GoModuleContextFiles(sources.snapshot.digest, sources.files)
    workspace = await Get(Snapshot, PathGlobs(context.workspace_globs))
    digest = await Get(Digest, MergeDigests([sources.snapshot.digest, workspace.digest]))
    return GoModuleContextFiles(digest, tuple(sorted({*sources.files, *workspace.files})))


def rules():
    return collect_rules()
