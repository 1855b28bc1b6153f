"""ntkcli against the local fake Hub in ``hub_server`` (127.0.0.1): what ntkcli does with the Hub,
cache, revisions, tokens, --cache-dir, --offline, --refresh, --timeout and outages.

Each run is the real `ntkcli` console script in a fresh process with a hermetic environment
(``FakeHub.env``: HF_ENDPOINT points at the fake, HF_HOME at a temporary directory): huggingface_hub
reads HF_ENDPOINT and the offline switch once, when ``huggingface_hub.constants`` is imported (see
the hub_server docstring). The one in-process test drives ``ntkcli.sources`` with those constants
patched. Assertions are on ntkcli's behaviour: exit codes, the one-line errors, the JSON `source`
block (kind, revision, path) and the requests the fake saw.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, cli_subprocess
from hub_server import FakeHub, FakeRepo, fake_commit_sha

from ntkcli import sources
from ntkcli.errors import HubError

# A small Llama config: ntkcli resolves it without any other file (θ is the answer to check).
LLAMA: dict[str, Any] = {
    "architectures": ["LlamaForCausalLM"],
    "model_type": "llama",
    "hidden_size": 4096,
    "num_attention_heads": 32,
    "num_hidden_layers": 2,
    "max_position_embeddings": 4096,
    "vocab_size": 32000,
}
OLD = {"config.json": json.dumps({**LLAMA, "rope_theta": 10000.0}).encode()}
NEW = {
    "config.json": json.dumps({**LLAMA, "rope_theta": 500000.0}).encode(),
    "tokenizer.json": b"{}",
}
OLD_SHA, NEW_SHA = fake_commit_sha(OLD), fake_commit_sha(NEW)
GATED = {"config.json": json.dumps({**LLAMA, "rope_theta": 1000000.0}).encode()}
GATED_SHA = fake_commit_sha(GATED)
UNREACHABLE = "the Hub could not be reached"


@pytest.fixture
def hub() -> Iterator[FakeHub]:
    with FakeHub() as hub:
        hub.add_repo(
            "org/model",
            FakeRepo(
                {OLD_SHA: OLD, NEW_SHA: NEW},
                {"main": NEW_SHA, "v1.0": OLD_SHA, "refs/pr/1": OLD_SHA},
            ),
        )
        hub.add_repo(
            "org/gated",
            FakeRepo(
                {GATED_SHA: GATED},
                {"main": GATED_SHA},
                gated=True,
                authorized_tokens=frozenset({"hf_granted"}),
            ),
        )
        yield hub


@pytest.fixture
def hf_home(tmp_path: Path) -> Path:
    return tmp_path / "hf_home"


def inspect(hub: FakeHub, hf_home: Path, *args: str, **env: str) -> Run:
    """`ntkcli inspect … --format json` in a fresh process pointed at the fake Hub."""
    return cli_subprocess(
        "inspect", *args, "--format", "json", env=hub.env(hf_home, **env), timeout=60, inherit=False
    )


def ok(run: Run) -> dict[str, Any]:
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr
    data: dict[str, Any] = json.loads(run.stdout)
    return data


def one_error_line(run: Run) -> str:
    """The run failed as ntkcli fails: exit 3, one `Error: …` line, nothing on stdout."""
    assert run.exit_code == 3, (run.stdout, run.stderr)
    lines = [ln for ln in run.stderr.strip().splitlines() if not ln.startswith("Note: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout == ""
    return lines[0]


def snapshot(root: Path, sha: str, repo: str = "models--org--model") -> Path:
    return root / "hub" / repo / "snapshots" / sha / "config.json"


def config_requests(hub: FakeHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in hub.requests if r.path.endswith("/config.json")]


# -- revisions and the cache ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revision", "sha", "base", "quoted"),
    [
        (None, NEW_SHA, 500000.0, "main"),
        ("v1.0", OLD_SHA, 10000.0, "v1.0"),
        ("refs/pr/1", OLD_SHA, 10000.0, "refs%2Fpr%2F1"),
    ],
)
def test_revision_is_downloaded_into_the_hf_cache(
    hub: FakeHub, hf_home: Path, revision: str | None, sha: str, base: float, quoted: str
) -> None:
    args = ["org/model"] + (["--revision", revision] if revision else [])
    data = ok(inspect(hub, hf_home, *args))

    assert data["base"] == base
    assert data["source"]["kind"] == "hub"
    assert data["source"]["revision"] == sha  # the commit the ref pointed at
    assert data["source"]["path"] == str(snapshot(hf_home, sha))
    assert (
        hf_home / "hub" / "models--org--model" / "refs" / (revision or "main")
    ).read_text() == sha
    path = f"/org/model/resolve/{quoted}/config.json"
    assert ("GET", path) in config_requests(hub)
    assert {p for _, p in config_requests(hub)} == {path}
    assert all("authorization" not in r.headers for r in hub.requests)  # no token anywhere


def test_a_cached_commit_is_read_from_the_cache_without_asking_for_config(
    hub: FakeHub, hf_home: Path
) -> None:
    first = ok(inspect(hub, hf_home, "org/model", "--revision", OLD_SHA))
    assert first["source"]["kind"] == "hub"
    hub.requests.clear()

    again = ok(inspect(hub, hf_home, "org/model", "--revision", OLD_SHA))

    assert again["source"]["kind"] == "cache"
    assert again["source"]["path"] == str(snapshot(hf_home, OLD_SHA))
    assert again["base"] == 10000.0
    assert config_requests(hub) == []  # cache first: config.json is never asked for again


def test_cache_dir_replaces_the_hf_cache(hub: FakeHub, hf_home: Path, tmp_path: Path) -> None:
    cache = tmp_path / "my-cache"
    data = ok(inspect(hub, hf_home, "org/model", "--cache-dir", str(cache)))

    assert data["source"]["path"] == str(
        cache / "models--org--model" / "snapshots" / NEW_SHA / "config.json"
    )
    assert not (hf_home / "hub" / "models--org--model").exists()


def test_refresh_asks_the_hub_again(hub: FakeHub, hf_home: Path) -> None:
    ok(inspect(hub, hf_home, "org/model"))
    hub.requests.clear()

    data = ok(inspect(hub, hf_home, "org/model", "--refresh"))

    assert data["base"] == 500000.0
    assert ("HEAD", "/org/model/resolve/main/config.json") in config_requests(hub)


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["org/missing"], {}),
        (["org/model", "--revision", "no-such-branch"], {}),
        (["org/gated"], {}),
        (["org/gated"], {"HF_TOKEN": "hf_not_granted"}),
        (["org/gated", "--token", "hf_not_granted"], {}),
    ],
    ids=["repo", "revision", "gated-anonymous", "gated-wrong-token", "gated-wrong-token-flag"],
)
def test_hub_errors_are_one_line_ntkcli_errors(
    hub: FakeHub, hf_home: Path, args: list[str], env: dict[str, str]
) -> None:
    # A 401/403/404 is one `Error: …` line on stderr and exit 3, no traceback, no output, no
    # token echoed, no GET after the failing HEAD.
    run = inspect(hub, hf_home, *args, **env)
    one_error_line(run)
    assert "hf_not_granted" not in run.stderr
    assert hub.calls("GET") == []


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--token", "hf_granted"], {}), ([], {"HF_TOKEN": "hf_granted"})],
    ids=["--token", "HF_TOKEN"],
)
def test_gated_repo_with_a_granted_token(
    hub: FakeHub, hf_home: Path, args: list[str], env: dict[str, str]
) -> None:
    run = inspect(hub, hf_home, "org/gated", *args, **env)
    data = ok(run)

    assert data["base"] == 1000000.0
    assert data["source"]["path"] == str(snapshot(hf_home, GATED_SHA, "models--org--gated"))
    assert hub.token_sent("hf_granted")
    assert "hf_granted" not in run.stdout + run.stderr  # never echoed


# -- outages and timeouts --------------------------------------------------------------------------


def test_500_without_cache_is_one_error_line(hub: FakeHub, hf_home: Path) -> None:
    hub.fail_with(500)
    start = time.monotonic()

    line = one_error_line(inspect(hub, hf_home, "org/model"))

    assert UNREACHABLE in line and "500" in line
    assert "ntkcli models" in line  # the hint names the bundled snapshots
    assert hub.calls("GET") == []
    assert len(hub.calls("HEAD")) == 1  # one HEAD without retries: fails fast
    assert time.monotonic() - start < 20  # no 23 s of back-off


def test_500_with_a_cached_config_serves_it(hub: FakeHub, hf_home: Path) -> None:
    cached = ok(inspect(hub, hf_home, "org/model"))["source"]["path"]
    hub.fail_with(500)

    run = inspect(hub, hf_home, "org/model")
    data = ok(run)

    assert data["source"] == {**data["source"], "kind": "cache", "path": cached}
    assert data["base"] == 500000.0
    # The optional sentence-transformers file could not be checked: a note, not an error.
    assert "could not check sentence_bert_config.json" in run.stderr


def test_slow_hub_without_cache_stops_at_timeout(hub: FakeHub, hf_home: Path) -> None:
    hub.delay(5)
    start = time.monotonic()

    line = one_error_line(inspect(hub, hf_home, "org/model", "--timeout", "1"))

    assert UNREACHABLE in line and "--timeout 1 s" in line
    assert time.monotonic() - start < 4.5  # the whole fetch is bounded by --timeout


def test_slow_hub_with_a_cached_config_serves_it(hub: FakeHub, hf_home: Path) -> None:
    cached = ok(inspect(hub, hf_home, "org/model"))["source"]["path"]
    hub.delay(5)
    start = time.monotonic()

    data = ok(inspect(hub, hf_home, "org/model", "--timeout", "1"))

    assert data["source"]["path"] == cached
    assert time.monotonic() - start < 4.5


# -- offline ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env"), [(["--offline"], {}), ([], {"HF_HUB_OFFLINE": "1"})], ids=["flag", "env"]
)
def test_offline_with_cached_config_makes_no_request(
    hub: FakeHub, hf_home: Path, args: list[str], env: dict[str, str]
) -> None:
    cached = ok(inspect(hub, hf_home, "org/model"))["source"]["path"]
    hub.requests.clear()

    data = ok(inspect(hub, hf_home, "org/model", *args, **env))

    assert data["source"]["kind"] == "cache"
    assert data["source"]["path"] == cached
    assert hub.requests == []


@pytest.mark.parametrize(
    ("args", "env"), [(["--offline"], {}), ([], {"HF_HUB_OFFLINE": "1"})], ids=["flag", "env"]
)
def test_offline_without_cache_is_one_error_line(
    hub: FakeHub, hf_home: Path, args: list[str], env: dict[str, str]
) -> None:
    line = one_error_line(inspect(hub, hf_home, "org/model", *args, **env))

    assert "offline and not in the HF cache" in line
    assert hub.requests == []


# -- in-process use --------------------------------------------------------------------------------


def test_sources_in_process_with_patched_constants(
    hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ntkcli.sources in this process: huggingface_hub built its URL template at import, so the
    constants are patched (setting HF_ENDPOINT now would change nothing)."""
    from huggingface_hub import constants

    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(tmp_path / "no-token"))
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    cache = str(tmp_path / "cache")

    raw = sources.load("org/model", sources.HubOptions(cache_dir=cache, revision="v1.0"))
    assert raw.config["rope_theta"] == 10000.0
    assert (raw.source.kind, raw.source.revision) == ("hub", OLD_SHA)

    hub.requests.clear()
    cached = sources.load(
        "org/model", sources.HubOptions(cache_dir=cache, revision="v1.0", offline=True)
    )
    assert cached.source.kind == "cache"
    assert hub.requests == []
    with pytest.raises(HubError, match="offline and not in the HF cache"):
        sources.load("org/model", sources.HubOptions(cache_dir=cache, offline=True))
    assert hub.requests == []


# -- the fake itself -------------------------------------------------------------------------------


def test_close_does_not_wait_for_delayed_requests() -> None:
    with FakeHub() as hub:
        hub.add_repo("org/model", FakeRepo.single(OLD))
        hub.delay(30)
        url = hub.url + "/org/model/resolve/main/config.json"

        def slow_get() -> None:
            with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=10) as response:
                response.read()

        clients = [threading.Thread(target=slow_get, daemon=True) for _ in range(3)]
        for client in clients:
            client.start()
        deadline = time.monotonic() + 5
        while len(hub.requests) < 3 and time.monotonic() < deadline:  # all three served at once
            time.sleep(0.01)
        assert len(hub.requests) == 3

        start = time.monotonic()
        hub.close()  # __exit__ closing again is harmless
        assert time.monotonic() - start < 1
    for client in clients:
        client.join(timeout=5)
        assert not client.is_alive()
