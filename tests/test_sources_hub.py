"""`ntkcli inspect` against a local fake Hub (tests/hub_server.py) and a real HF cache layout.

Every run is a real subprocess: huggingface_hub reads HF_ENDPOINT and friends at import time.
Nothing here is mocked: the real huggingface_hub client talks HTTP to 127.0.0.1.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Run, cli_subprocess
from hub_server import FakeHub, FakeRepo, fake_commit_sha

SNAP = Path(__file__).resolve().parents[1] / "ntkcli" / "snapshots"
V1 = "nomic-ai/nomic-embed-text-v1"
V1_FILES = {
    "config.json": (SNAP / "nomic-ai__nomic-embed-text-v1" / "config.json").read_bytes(),
    "sentence_bert_config.json": (
        SNAP / "nomic-ai__nomic-embed-text-v1" / "sentence_bert_config.json"
    ).read_bytes(),
}
# An older revision of the same repo: n_positions 2048 and no sentence-transformers file
# (the shape SOURCES.md reports for the first v1 upload).
OLD_CONFIG = json.loads(V1_FILES["config.json"])
OLD_CONFIG["n_positions"] = 2048
OLD_FILES = {"config.json": json.dumps(OLD_CONFIG).encode()}
MAIN_SHA, OLD_SHA = fake_commit_sha(V1_FILES), fake_commit_sha(OLD_FILES)
NOT_BUNDLED = "acme/private-embedder"
TOKEN = "hf_secretTOKEN1234567890abcdef"


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as fake:
        fake.add_repo(V1, FakeRepo({MAIN_SHA: V1_FILES, OLD_SHA: OLD_FILES}, {"main": MAIN_SHA}))
        fake.add_repo(NOT_BUNDLED, FakeRepo.single({"config.json": V1_FILES["config.json"]}))
        gated = FakeRepo.single({"config.json": V1_FILES["config.json"]}, gated=True)
        gated.authorized_tokens = frozenset({TOKEN})
        fake.add_repo("acme/gated-embedder", gated)
        yield fake


def run(hub: FakeHub, home: Path, *args: str, **env: str) -> Run:
    return cli_subprocess(
        "inspect", *args, "--format", "json", env=hub.env(home, **env), timeout=60, inherit=False
    )


def test_hub_then_cache(hub: FakeHub, tmp_path: Path) -> None:
    first = run(hub, tmp_path, V1)
    assert first.exit_code == 0, first.stderr
    d = first.json()
    assert d["source"]["kind"] == "hub"
    assert d["source"]["revision"] == MAIN_SHA
    assert d["max_model_len"] == 8192  # the ST file was fetched too
    assert d["sentence_transformers"]["file"] == "sentence_bert_config.json"
    cached_path = Path(d["source"]["path"])
    assert cached_path.parts[-4:-2] == ("snapshots", MAIN_SHA) or cached_path.parent.name == (
        MAIN_SHA
    )
    requests_before = len(hub.calls())
    second = run(hub, tmp_path, V1)
    assert second.exit_code == 0, second.stderr
    assert second.json()["source"]["kind"] == "cache"
    assert second.json()["max_model_len"] == 8192
    assert len(hub.calls()) == requests_before  # cache first: no request at all


def test_revision(hub: FakeHub, tmp_path: Path) -> None:
    d = run(hub, tmp_path, V1, "--revision", OLD_SHA).json()
    assert d["source"]["revision"] == OLD_SHA
    # n_positions 2048, no ST file: derived 2048, no replacement (SPEC §4.1).
    assert d["max_model_len"] == 2048
    assert d["sentence_transformers"]["file"] is None


def test_missing_st_file_is_not_an_error(hub: FakeHub, tmp_path: Path) -> None:
    r = run(hub, tmp_path, NOT_BUNDLED)
    assert r.exit_code == 0, r.stderr
    assert r.json()["sentence_transformers"]["file"] is None
    # Native NomicBertConfig by default (SPEC §2.4.2): min(class default 2048, n_positions 8192).
    assert r.json()["max_model_len"] == 2048


@pytest.mark.parametrize(
    ("model", "extra", "needle", "hint"),
    [
        ("acme/nope", [], "was not found on the Hub", "check the model id"),
        (V1, ["--revision", "no-such-branch"], "does not exist", "check --revision"),
        ("acme/gated-embedder", [], "is gated", "log in"),
        ("acme/gated-embedder", ["--token", "hf_wrongTOKEN00000000000"], "is gated", "--token"),
    ],
)
def test_hub_errors(
    hub: FakeHub, tmp_path: Path, model: str, extra: list[str], needle: str, hint: str
) -> None:
    r = run(hub, tmp_path, model, *extra)
    assert r.exit_code == 3
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert needle in lines[0] and hint in lines[0]
    assert "Traceback" not in r.stderr
    assert "hf_wrongTOKEN" not in r.stderr


def test_token_is_sent_and_never_printed(hub: FakeHub, tmp_path: Path) -> None:
    r = run(hub, tmp_path, "acme/gated-embedder", "--token", TOKEN)
    assert r.exit_code == 0, r.stderr
    assert hub.token_sent(TOKEN)
    assert TOKEN not in r.stdout + r.stderr
    via_env = run(hub, tmp_path / "other", "acme/gated-embedder", HF_TOKEN=TOKEN)
    assert via_env.exit_code == 0, via_env.stderr
    assert TOKEN not in via_env.stdout + via_env.stderr


def test_server_error_falls_back_to_bundled_fast(hub: FakeHub, tmp_path: Path) -> None:
    hub.fail_with(500)
    start = time.monotonic()
    r = run(hub, tmp_path, V1)
    assert time.monotonic() - start < 10  # no 23-second back-off
    assert r.exit_code == 0, r.stderr
    assert r.json()["source"]["kind"] == "bundled"
    assert "could not be reached" in r.stderr and "bundled snapshot" in r.stderr
    other = run(hub, tmp_path, NOT_BUNDLED)
    assert other.exit_code == 3
    assert other.stderr.startswith("Error: ") and "could not be reached" in other.stderr


def test_slow_hub_times_out(hub: FakeHub, tmp_path: Path) -> None:
    hub.delay(5)
    start = time.monotonic()
    r = run(hub, tmp_path, NOT_BUNDLED, "--timeout", "1")
    assert time.monotonic() - start < 5
    assert r.exit_code == 3
    assert "could not be reached" in r.stderr and "Timeout" in r.stderr


def test_offline_with_and_without_cache(hub: FakeHub, tmp_path: Path) -> None:
    assert run(hub, tmp_path, V1).exit_code == 0  # fills the cache
    before = len(hub.calls())
    cached = run(hub, tmp_path, V1, "--offline")
    assert cached.json()["source"]["kind"] == "cache"
    env_offline = run(hub, tmp_path, V1, HF_HUB_OFFLINE="1")
    assert env_offline.json()["source"]["kind"] == "cache"
    assert len(hub.calls()) == before  # offline never touches the network
    empty = run(hub, tmp_path / "empty", V1, "--offline")
    assert empty.exit_code == 0
    assert empty.json()["source"]["kind"] == "bundled"
    assert "offline" in empty.stderr
    missing = run(hub, tmp_path / "empty", NOT_BUNDLED, "--offline")
    assert missing.exit_code == 3 and "offline" in missing.stderr
    assert len(hub.calls()) == before


def test_hand_built_cache_layout(tmp_path: Path) -> None:
    """A cache laid out by hand as huggingface_hub documents it: refs/, snapshots/<sha>/."""
    repo = tmp_path / "hub" / "models--nomic-ai--nomic-embed-text-v1"
    snap = repo / "snapshots" / MAIN_SHA
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(MAIN_SHA)
    for name, data in V1_FILES.items():
        (snap / name).write_bytes(data)
    r = cli_subprocess(
        "inspect",
        V1,
        "--format",
        "json",
        env={
            "HF_HOME": str(tmp_path),
            "HF_HUB_CACHE": str(tmp_path / "hub"),
            "HF_HUB_OFFLINE": "1",
        },
    )
    assert r.exit_code == 0, r.stderr
    d = r.json()
    assert d["source"] == {
        "kind": "cache",
        "path": str(snap / "config.json"),
        "revision": MAIN_SHA,
        "snapshot": None,
        "note": None,
    }
    assert d["max_model_len"] == 8192


# -- the overall deadline and the size limit (issue 15, items 2-4) ------------------------------
def _one_line(r: Run) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    return lines[0]


def _leftovers(home: Path) -> list[str]:
    """Files (not locks, not refs) that a download left in the HF cache."""
    return sorted(
        str(p.relative_to(home))
        for p in home.rglob("*")
        if (p.is_file() or p.is_symlink())
        and p.suffix != ".lock"
        and "refs" not in p.parts
        and ".locks" not in p.parts
    )


@pytest.mark.parametrize(
    "fault",
    [{"stall": 30.0}, {"rate": 1.0}],
    ids=["HEAD answers, GET stalls", "1 byte per second"],
)
def test_timeout_is_an_overall_deadline(
    hub: FakeHub, tmp_path: Path, fault: dict[str, float]
) -> None:
    hub.stream("config.json", **fault)  # type: ignore[arg-type]
    start = time.monotonic()
    r = run(hub, tmp_path, NOT_BUNDLED, "--timeout", "2")
    elapsed = time.monotonic() - start
    assert elapsed < 2 + 3.5, elapsed  # the deadline plus the process start-up
    assert r.exit_code == 3
    line = _one_line(r)  # one line: none of huggingface_hub's retry logs
    assert "could not be reached" in line and "Timeout" in line
    assert not [p for p in _leftovers(tmp_path) if "config.json" in p or "blobs" in p]


def test_stalled_hub_falls_back_to_bundled_within_the_deadline(
    hub: FakeHub, tmp_path: Path
) -> None:
    hub.stream("config.json", stall=30.0)
    start = time.monotonic()
    r = run(hub, tmp_path, V1, "--timeout", "1")
    assert time.monotonic() - start < 1 + 3.5
    assert r.exit_code == 0, r.stderr
    assert r.json()["source"]["kind"] == "bundled"


def test_lock_held_by_another_process_is_bounded_by_the_deadline(
    hub: FakeHub, tmp_path: Path
) -> None:
    """A first ntkcli stalls inside the download (holding huggingface_hub's file lock); a
    second one on the same cache must not wait behind it past its own --timeout."""
    import subprocess
    import sys

    hub.stream("config.json", stall=30.0)
    env = hub.env(tmp_path)
    from conftest import ntkcli_executable

    first = subprocess.Popen(
        [*ntkcli_executable(), "inspect", NOT_BUNDLED, "--timeout", "20"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(2.5)  # the first one is inside the GET, holding the lock
        start = time.monotonic()
        r = run(hub, tmp_path, NOT_BUNDLED, "--timeout", "2")
        assert time.monotonic() - start < 2 + 3.5
        assert r.exit_code == 3
        assert "Timeout" in _one_line(r)
    finally:
        first.kill()
        first.wait()
    assert sys.platform  # (keeps the imports used on every platform)


@pytest.mark.parametrize("advertise", [True, False], ids=["advertised size", "no size"])
def test_huge_config_is_refused_and_leaves_nothing(
    hub: FakeHub, tmp_path: Path, advertise: bool
) -> None:
    hub.stream("config.json", size=1024**3, advertise=advertise)
    start = time.monotonic()
    r = run(hub, tmp_path, NOT_BUNDLED, "--timeout", "30")
    assert time.monotonic() - start < 20
    assert r.exit_code == 3
    line = _one_line(r)
    assert "bytes" in line and "never that large" in line
    assert not [p for p in _leftovers(tmp_path) if "blobs" in p or "snapshots" in p]
    again = run(hub, tmp_path, NOT_BUNDLED, "--timeout", "30")  # nothing poisoned the cache
    assert again.exit_code == 3 and "never that large" in again.stderr


def test_short_body_is_an_error_and_leaves_nothing(hub: FakeHub, tmp_path: Path) -> None:
    hub.stream("config.json", short=10)
    r = run(hub, tmp_path, NOT_BUNDLED, "--timeout", "5")
    assert r.exit_code == 3
    _one_line(r)
    assert not [p for p in _leftovers(tmp_path) if "snapshots" in p]
