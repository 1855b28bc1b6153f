"""The only file and network I/O of ntkcli: local files and directories, the HF cache, the Hub
(through huggingface_hub, never hand-written HTTP) and the snapshots bundled in the package.

Configs are read as plain JSON. Code named by `auto_map` is never imported or run (SPEC §2).
"""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ntkcli.errors import ConfigError, HubError, InputError, SourceNotFound, UsageError
from ntkcli.fields import json_field
from ntkcli.model import CONFIG_FILE, RawConfig, Source
from ntkcli.numbers import compact

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

# SPEC §2: vLLM looks for these, first found wins.
ST_FILES = (
    "sentence_bert_config.json",
    "sentence_roberta_config.json",
    "sentence_distilbert_config.json",
    "sentence_camembert_config.json",
    "sentence_albert_config.json",
    "sentence_xlm-roberta_config.json",
    "sentence_xlnet_config.json",
)
MAX_FILE_BYTES = 8 * 1024 * 1024  # real configs are a few KB; refuse anything absurd
SNAPSHOT_FILE = "snapshot.json"
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}(/[A-Za-z0-9][\w.\-]{0,95})?$")
_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class HubOptions:
    revision: str | None = None
    token: str | None = None
    cache_dir: str | None = None
    offline: bool = False
    refresh: bool = False  # skip the cache and ask the Hub
    timeout: float = 10.0
    bundled: bool = False  # use the bundled snapshot, no cache, no network


@dataclass(frozen=True)
class BundledSnapshot:
    """One bundled snapshot, as `ntkcli models --format json` lists it: its snapshot.json, the
    other revisions bundled and whether a sentence-transformers file is."""

    model: str = field(metadata=json_field(description="The Hub id."))
    kind: Literal["real", "reconstructed"] = field(
        metadata=json_field(description="real: a byte-exact copy; reconstructed: rebuilt.")
    )
    revision: str | None = field(metadata=json_field(description="Its commit, when known."))
    source: str = field(metadata=json_field(description="Where it was taken from."))
    notes: str
    sha256: Mapping[str, str] = field(metadata=json_field(description="File → its SHA-256."))
    revisions: tuple[str, ...] = field(
        metadata=json_field(description="Other revisions bundled (commit shas).")
    )
    has_sentence_transformers: bool
    revision_notes: Mapping[str, str] | None = field(
        default=None, metadata=json_field(omit="if_none", description="Revision → what it is.")
    )


# -- parsing -------------------------------------------------------------------------------------
# Bounds of the JSON we accept, from a file, the Hub or --hf-overrides. Real configs nest 3 levels
# deep and hold integers of at most 20 digits; these limits are far above any real config and far
# below what would make later code (recursion, int/str conversion, float()) fail.
MAX_JSON_DEPTH = 32
MAX_INT_DIGITS = 4300  # Python's own int/str conversion limit (sys.get_int_max_str_digits)


class _HugeInt:
    """Stands in for an integer literal too long to convert, until its key is known."""

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _HugeInt:
    digits = len(text.lstrip("-"))
    return _HugeInt(digits) if digits > MAX_INT_DIGITS else int(text)


def _key_path(path: list[str]) -> str:
    return ".".join(path) or "(top level)"


def _check_bounds(value: Any, fail: Callable[[str], Exception]) -> None:
    """Depth and integer-size limits, walked iteratively (a recursive walk could itself hit the
    recursion limit). `fail` turns a message into the error to raise (ConfigError, UsageError)."""
    stack: list[tuple[Any, list[str]]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if isinstance(item, _HugeInt):
            raise fail(
                f"{_key_path(path)} is an integer of {item.digits} digits "
                f"(at most {MAX_INT_DIGITS} are accepted)"
            )
        children: list[tuple[str, Any]] = []
        if isinstance(item, dict):
            children = [(str(k), v) for k, v in item.items()]
        elif isinstance(item, list):
            children = [(f"[{i}]", v) for i, v in enumerate(item)]
        if children and len(path) >= MAX_JSON_DEPTH:
            raise fail(f"{_key_path(path[:3])}… nests deeper than {MAX_JSON_DEPTH} levels")
        stack.extend((v, [*path, k]) for k, v in children)


def loads_bounded(text: str, fail: Callable[[str], Exception]) -> Any:
    """json.loads with bounded integers and nesting. Raises json.JSONDecodeError / RecursionError
    for bad syntax (the caller words those), `fail(message)` for a value past a bound."""
    value = json.loads(text, parse_int=_parse_int)
    _check_bounds(value, fail)
    return value


def parse_json_object(data: bytes, where: str) -> dict[str, Any]:
    """Strict UTF-8 JSON that must be an object; anything else is a one-line ConfigError."""
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(
            f"{where} is {len(data)} bytes; a config is never that large",
            hint="point ntkcli at the model's config.json",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{where} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            hint="is this really a config.json?",
        ) from None

    def fail(message: str) -> ConfigError:
        return ConfigError(f"{where}: {message}", hint="is this really a config.json?")

    try:
        value = loads_bounded(text, fail)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{where} is not valid JSON: {exc.msg} (line {exc.lineno} column {exc.colno})",
            hint="fix the JSON syntax",
        ) from None
    except RecursionError:
        raise fail(f"nests deeper than {MAX_JSON_DEPTH} levels") from None
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where} must hold a JSON object, got {type(value).__name__}",
            hint="a config.json is a single {...} object",
        )
    return value


def read_local_file(path: Path) -> bytes:
    """Read a regular file, bounded; never block on FIFOs or devices."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if _probe(path.is_symlink):
            raise SourceNotFound(
                f"{path} is a broken symbolic link", hint="point ntkcli at an existing file"
            ) from None
        raise SourceNotFound(f"{path} does not exist", hint="check the path") from None
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror or exc}", hint="check the path and its permissions"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{path} is not a regular file", hint="point ntkcli at a config.json")
    if info.st_size > MAX_FILE_BYTES:
        raise ConfigError(
            f"{path} is {info.st_size} bytes; a config is never that large",
            hint="point ntkcli at the model's config.json",
        )
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror or exc}", hint="check the file's permissions"
        ) from None


def _st_from(
    read: Callable[[str], bytes | None], where: str
) -> tuple[dict[str, Any] | None, str | None]:
    for name in ST_FILES:
        data = read(name)
        if data is not None:
            return parse_json_object(data, f"{where}/{name}"), name
    return None, None


# -- local ---------------------------------------------------------------------------------------
def _probe(check: Callable[[], bool]) -> bool:
    """A filesystem yes/no that a symlink loop, a permission or an odd name cannot crash."""
    try:
        return check()
    except (OSError, ValueError):
        return False


def looks_like_path(model: str) -> bool:
    return (
        model.startswith((".", "/", "~"))
        or model.endswith(".json")
        or os.sep in model.rstrip(os.sep).split(os.sep, 1)[-1]
        or (os.altsep is not None and os.altsep in model)
        or _probe(Path(model).exists)
        or _probe(Path(model).is_symlink)
    )


def _expand(model: str) -> Path:
    try:
        return Path(model).expanduser()
    except RuntimeError:  # ~nosuchuser/...: no home directory to expand
        raise SourceNotFound(
            f"{model}: {model.split('/', 1)[0]} is not a user with a home directory",
            hint="check the path",
        ) from None


def load_local(model: str) -> RawConfig:
    path = _expand(model)
    if _probe(path.is_dir):
        directory, config_path = path, path / CONFIG_FILE
        if not _probe(config_path.exists) and not _probe(config_path.is_symlink):
            raise SourceNotFound(
                f"{path} has no config.json",
                hint="point ntkcli at a model directory or a config.json file",
            )
    else:
        directory, config_path = path.parent, path
    config = parse_json_object(read_local_file(config_path), str(config_path))

    def read_st(name: str) -> bytes | None:
        candidate = directory / name
        return read_local_file(candidate) if _probe(candidate.is_file) else None

    st_config, st_file = _st_from(read_st, str(directory))
    source = Source(kind="local", path=str(config_path))
    return RawConfig(model, source, config, st_config, st_file)


# -- bundled snapshots ---------------------------------------------------------------------------
def _snapshot_root() -> Traversable:
    """The bundled snapshots: the package directory when it is one (importlib.resources and
    its zipfile readers cost start-up for a question the file system answers), else through
    importlib.resources (a zipped install)."""
    here = Path(__file__).resolve().parent / "snapshots"
    if here.is_dir():
        return here
    from importlib import resources

    return resources.files("ntkcli").joinpath("snapshots")


def bundled_models() -> list[dict[str, Any]]:
    """Every bundled snapshot's metadata (snapshot.json), sorted by model id."""
    found = []
    for entry in _snapshot_root().iterdir():
        meta = entry.joinpath(SNAPSHOT_FILE)
        if entry.is_dir() and meta.is_file():
            info = json.loads(meta.read_text(encoding="utf-8"))
            revisions = entry.joinpath("revisions")
            info["revisions"] = (
                sorted(r.name for r in revisions.iterdir()) if (revisions.is_dir()) else []
            )
            info["has_sentence_transformers"] = any(entry.joinpath(n).is_file() for n in ST_FILES)
            found.append(info)
    return sorted(found, key=lambda i: str(i["model"]).lower())


def _snapshot_dir(model: str) -> Traversable | None:
    entry = _snapshot_root().joinpath(model.replace("/", "__", 1))
    return entry if entry.joinpath(SNAPSHOT_FILE).is_file() else None


def has_bundled(model: str, revision: str | None = None) -> bool:
    return _bundled_files(model, revision) is not None


def _bundled_files(
    model: str, revision: str | None
) -> tuple[Traversable, Traversable, dict[str, Any]] | None:
    entry = _snapshot_dir(model)
    if entry is None:
        return None
    meta = json.loads(entry.joinpath(SNAPSHOT_FILE).read_text(encoding="utf-8"))
    config_dir = entry
    if revision not in (None, "main", meta.get("revision")):
        revisions = entry.joinpath("revisions")
        matches = (
            [r for r in revisions.iterdir() if r.name.startswith(str(revision))]
            if (revisions.is_dir() and len(str(revision)) >= 7)
            else []
        )
        if len(matches) != 1:
            return None
        config_dir = matches[0]
        meta = {**meta, "revision": matches[0].name}
    return entry, config_dir, meta


def load_bundled(model: str, revision: str | None = None, why: str | None = None) -> RawConfig:
    found = _bundled_files(model, revision)
    if found is None:
        raise SourceNotFound(
            f"no bundled snapshot of {model}" + (f" at revision {revision}" if revision else ""),
            hint="`ntkcli models` lists the bundled snapshots",
        )
    entry, config_dir, meta = found
    config_file = config_dir.joinpath(CONFIG_FILE)
    config = parse_json_object(config_file.read_bytes(), f"bundled {model}/config.json")

    def read_st(name: str) -> bytes | None:
        candidate = entry.joinpath(name)
        return candidate.read_bytes() if candidate.is_file() else None

    st_config, st_file = _st_from(read_st, f"bundled {model}")
    kind = meta.get("kind", "real")
    label = (
        "a reconstructed snapshot, not the published file"
        if kind == "reconstructed"
        else ("a byte-exact copy of the published file")
    )
    note = f"using the bundled snapshot of {model} ({label})"
    if why:
        note = f"{why}; {note}"
    source = Source(
        kind="bundled",
        path=str(config_file),
        revision=meta.get("revision"),
        snapshot=kind,
        note=note,
    )
    return RawConfig(model, source, config, st_config, st_file)


# -- Hugging Face cache and Hub ------------------------------------------------------------------
class _Unreachable(Exception):
    """The Hub could not be reached (network, timeout, 5xx, offline)."""


def _revision_of(path: str) -> str | None:
    parent = Path(path).parent.name
    return parent if _SHA.match(parent) else None


def _hub_error(exc: Exception, repo_id: str, revision: str | None, token: bool) -> Exception:
    """Map huggingface_hub's exceptions to ntkcli's, each with a hint. Never echoes a token."""
    from huggingface_hub import errors

    if isinstance(exc, errors.GatedRepoError):
        return HubError(
            f"{repo_id} is gated: access was refused",
            hint="accept the model's conditions on its Hub page, then log in with "
            "`hf auth login` or pass --token",
        )
    if isinstance(exc, errors.RepositoryNotFoundError):
        hint = "check the model id" + (
            "" if token else "; for a private repository log in or pass --token"
        )
        return HubError(f"{repo_id} was not found on the Hub (or you lack access)", hint=hint)
    if isinstance(exc, errors.RevisionNotFoundError):
        return HubError(
            f"revision {revision!r} does not exist in {repo_id}",
            hint="check --revision: a branch, a tag or a commit sha",
        )
    if isinstance(exc, errors.RemoteEntryNotFoundError):
        return SourceNotFound(
            f"{repo_id} has no config.json" + (f" at revision {revision}" if revision else ""),
            hint="is this a model repository? check the id and --revision",
        )
    if isinstance(exc, errors.DisabledRepoError):
        return HubError(f"{repo_id} has been disabled on the Hub", hint="use another model")
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else None
        if status in (401, 403):
            return HubError(
                f"the Hub refused access to {repo_id} (HTTP {status})",
                hint="log in with `hf auth login` or pass --token",
            )
        if status is not None and status < 500 and status != 429:
            return HubError(
                f"the Hub answered HTTP {status} for {repo_id}",
                hint="check the model id and --revision",
            )
    return _Unreachable(_short(exc))


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    first = text[0] if text else type(exc).__name__
    return f"{type(exc).__name__}: {first[:160]}"


def _cache_root(opts: HubOptions) -> Path:
    if opts.cache_dir:
        return Path(opts.cache_dir).expanduser()
    from huggingface_hub import constants  # light (~10 ms): env-derived paths, no HTTP stack

    return Path(constants.HF_HUB_CACHE)


def _repo_cache(repo_id: str, opts: HubOptions) -> Path:
    return _cache_root(opts) / ("models--" + repo_id.replace("/", "--"))


def _cached(repo_id: str, filename: str, opts: HubOptions) -> str | bool | None:
    """The cached path; False when the cache knows the file does not exist; None if unknown.

    The documented HF cache layout (refs/<revision> -> sha, snapshots/<sha>/<file>,
    .no_exist/<sha>/<file>), read as huggingface_hub's try_to_load_from_cache reads it, without
    importing its download stack (~200 ms of start-up) for a question the disk answers."""
    try:
        repo = _repo_cache(repo_id, opts)
        revision = opts.revision or "main"
        ref = repo / "refs" / revision
        if ref.is_file():
            commit = ref.read_text(encoding="utf-8", errors="replace").strip()[:64]
        elif _SHA.match(revision):
            commit = revision
        else:
            return None
        if not _SHA.match(commit):
            return None
        found = repo / "snapshots" / commit / filename
        if found.is_file():
            return str(found)
        if (repo / ".no_exist" / commit / filename).exists():
            return False
    except (OSError, ValueError, RuntimeError):  # a malformed cache entry is a cache miss
        return None
    return None


class _Deadline(Exception):
    """The overall --timeout ran out (a stalled or trickling answer, or another process holding
    the cache's file lock)."""


def _before(deadline: float, work: Callable[[], Any]) -> Any:
    """Run `work` on a daemon thread and wait for it until `deadline` (time.monotonic()). Past it
    the thread is abandoned: huggingface_hub has no overall deadline of its own (its timeouts are
    per read, and it retries), and a daemon thread never keeps the process alive."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    worker = threading.Thread(target=run, name="ntkcli-hub", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        raise _Deadline
    if "error" in box:
        raise box["error"]
    return box["value"]


def _quiet_hub() -> None:
    """huggingface_hub logs its retries and draws progress bars on stderr; ntkcli says one line."""
    import logging

    from huggingface_hub.utils.tqdm import disable_progress_bars

    logging.getLogger("huggingface_hub").setLevel(logging.CRITICAL + 1)
    disable_progress_bars()


def _too_large(where: str, size: int) -> ConfigError:
    return ConfigError(
        f"{where} is {size} bytes on the Hub; a config is never that large (limit "
        f"{MAX_FILE_BYTES})",
        hint="is this really a model repository?",
    )


def _discard(repo_id: str, filename: str, opts: HubOptions, etag: str, commit: str | None) -> None:
    """Remove what an abandoned or oversized download left in the cache: the partial blob, the
    blob, and the snapshot link to it, so a later run does not find a broken file."""
    repo = _repo_cache(repo_id, opts)
    doomed = [*_partials(repo, etag), repo / "blobs" / etag]
    if commit and _SHA.match(commit):
        doomed.append(repo / "snapshots" / commit / filename)
    for path in doomed:
        try:
            if path.is_symlink() or path.is_file():
                path.unlink()
        except OSError:
            pass


def _download(repo_id: str, filename: str, opts: HubOptions, deadline: float) -> str:
    """One file from the Hub within the overall deadline.

    First a single HEAD without retries (huggingface_hub's own get_hf_file_metadata), so an
    unreachable Hub fails fast and a file advertised as too large is refused before any byte of
    it is downloaded. Then hf_hub_download on a worker thread, watched: past the deadline, or
    once the partial blob grows past the size limit (no size advertised, or a lying one), it is
    abandoned and its leftovers are removed from the cache."""
    from huggingface_hub import get_hf_file_metadata, hf_hub_download, hf_hub_url

    _quiet_hub()
    token: str | bool | None = opts.token if opts.token else None
    remaining = max(0.1, deadline - time.monotonic())
    meta = _before(
        deadline,
        lambda: get_hf_file_metadata(
            hf_hub_url(repo_id, filename, revision=opts.revision), token=token, timeout=remaining
        ),
    )
    if meta.size is not None and meta.size > MAX_FILE_BYTES:
        raise _too_large(f"{repo_id}/{filename}", meta.size)
    etag = str(meta.etag or "")
    repo = _repo_cache(repo_id, opts)

    def fetch() -> str:
        return str(
            hf_hub_download(
                repo_id,
                filename,
                revision=opts.revision,
                token=token,
                cache_dir=opts.cache_dir,
                etag_timeout=max(0.1, deadline - time.monotonic()),
            )
        )

    box: dict[str, Any] = {}

    def watched() -> str:
        worker = threading.Thread(target=lambda: box.update(path=_guard(fetch)), daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.05)
            grown = max((_size(p) for p in _partials(repo, etag)), default=0)
            if grown > MAX_FILE_BYTES:
                box["oversized"] = grown
                return ""
        result = box["path"]
        if isinstance(result, BaseException):
            raise result
        return str(result)

    try:
        path = _before(deadline, watched)
    except _Deadline:
        if etag:
            _discard(repo_id, filename, opts, etag, meta.commit_hash)
        raise
    if "oversized" in box:
        _discard(repo_id, filename, opts, etag, meta.commit_hash)
        raise ConfigError(
            f"{repo_id}/{filename} grew past {MAX_FILE_BYTES} bytes while downloading; a config "
            "is never that large",
            hint="is this really a model repository?",
        )
    size = _size(Path(path))
    if size > MAX_FILE_BYTES:
        _discard(repo_id, filename, opts, etag, meta.commit_hash)
        raise _too_large(f"{repo_id}/{filename}", size)
    return str(path)


def _guard(work: Callable[[], str]) -> str | BaseException:
    try:
        return work()
    except BaseException as exc:
        return exc


def _partials(repo: Path, etag: str) -> list[Path]:
    """The partial blobs of one download (`<etag>.incomplete`, or `<etag>.<random>.incomplete`
    in recent huggingface_hub releases)."""
    if not re.fullmatch(r"[0-9a-f]{40}|[0-9a-f]{64}", etag):
        return []
    try:
        return list((repo / "blobs").glob(f"{etag}*.incomplete"))
    except OSError:
        return []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _fetch(
    repo_id: str, filename: str, opts: HubOptions, use_network: bool, deadline: float
) -> tuple[str | None, str]:
    """(path or None when absent, "cache" | "hub")."""
    cached = None if opts.refresh else _cached(repo_id, filename, opts)
    if cached is not None:
        return (cached if isinstance(cached, str) else None), "cache"
    if not use_network:
        return None, "cache"
    from huggingface_hub import errors

    try:
        return _download(repo_id, filename, opts, deadline), "hub"
    except _Deadline:
        raise _Unreachable(
            f"Timeout: no complete answer within --timeout {compact(opts.timeout)} s"
        ) from None
    except errors.RemoteEntryNotFoundError:
        if filename != CONFIG_FILE:
            return None, "hub"  # SPEC §2: a missing sentence-transformers file is not an error
        raise
    except (errors.OfflineModeIsEnabled, errors.LocalEntryNotFoundError) as exc:
        raise _Unreachable(_short(exc)) from None


def hub_offline(opts: HubOptions) -> bool:
    if opts.offline:
        return True
    value = os.environ.get("HF_HUB_OFFLINE", "").strip().upper()
    return value in ("1", "ON", "YES", "TRUE")


def load_hub(model: str, opts: HubOptions) -> RawConfig:
    offline = hub_offline(opts)
    deadline = time.monotonic() + opts.timeout  # --timeout bounds the whole fetch
    try:
        path, kind = _fetch(model, CONFIG_FILE, opts, not offline, deadline)
    except _Unreachable as exc:
        return _fallback(model, opts, f"the Hub could not be reached ({exc})")
    except InputError:
        raise
    except Exception as exc:
        mapped = _hub_error(exc, model, opts.revision, bool(opts.token))
        if isinstance(mapped, _Unreachable):
            return _fallback(model, opts, f"the Hub could not be reached ({mapped})")
        raise mapped from None
    if path is None:
        why = "offline and not in the HF cache" if offline else "config.json is not in the cache"
        return _fallback(model, opts, why)

    config = parse_json_object(read_local_file(Path(path)), f"{model}/config.json")
    network = not offline
    notes: list[str] = []

    def read_st(name: str) -> bytes | None:
        nonlocal network
        try:
            st_path, _ = _fetch(model, name, opts, network, deadline)
        except Exception as exc:
            # The config is there; a Hub hiccup on an optional file is a note, not an error.
            network = False
            notes.append(f"could not check {name} on the Hub ({_short(exc)})")
            return None
        return read_local_file(Path(st_path)) if st_path else None

    st_config, st_file = _st_from(read_st, model)
    source = Source(
        kind="cache" if kind == "cache" else "hub",
        path=path,
        revision=_revision_of(path),
        note="; ".join(notes) or None,
    )
    return RawConfig(model, source, config, st_config, st_file)


def _fallback(model: str, opts: HubOptions, why: str) -> RawConfig:
    if has_bundled(model, opts.revision):
        return load_bundled(model, opts.revision, why=why)
    hint = "pass a local directory or config.json, or run online once to fill the HF cache"
    if has_bundled(model):
        hint = f"a bundled snapshot exists for another revision: drop --revision {opts.revision}"
    raise HubError(f"{model}: {why}", hint=hint + "; `ntkcli models` lists bundled snapshots")


# -- entry point ---------------------------------------------------------------------------------
def load(model: str, opts: HubOptions) -> RawConfig:
    """A path, a Hub id (cache first, then the Hub, then the bundled snapshot), or a snapshot."""
    if opts.bundled and not looks_like_path(model):
        return load_bundled(model, opts.revision)
    if looks_like_path(model):
        return load_local(model)
    if not _HUB_ID.match(model) or ".." in model or "--" in model:
        raise UsageError(
            f"{model!r} is neither an existing path nor a Hub model id",
            hint="use org/name for the Hub, or a path to a directory or config.json",
        )
    return load_hub(model, opts)
