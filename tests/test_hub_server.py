"""The real ``huggingface_hub.hf_hub_download`` against the local fake Hub in ``hub_server``.

Each download runs in a fresh subprocess: huggingface_hub reads HF_ENDPOINT, HF_HUB_OFFLINE and the
timeouts once, when ``huggingface_hub.constants`` is imported (see the hub_server docstring).
The only thing the child ever patches is ``time.sleep``, and only where ``instant_backoff=True``:
huggingface_hub's retry back-off on a 5xx would otherwise sleep 1+2+4+8+8 = 23 s. The requested
sleeps are recorded and asserted.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_subprocess
from hub_server import FakeHub, FakeRepo, fake_commit_sha

OLD = {"config.json": b'{"rope_theta": 10000.0}\n'}
NEW = {"config.json": b'{"rope_theta": 500000.0}\n', "tokenizer.json": b"{}\n"}
OLD_SHA, NEW_SHA = fake_commit_sha(OLD), fake_commit_sha(NEW)
GATED = {"config.json": b'{"gated": true}\n'}
GATED_SHA = fake_commit_sha(GATED)

E = "huggingface_hub.errors."

_CHILD = r"""
import json, sys, time

spec = json.loads(sys.argv[1])
sleeps = []
if spec["instant_backoff"]:
    time.sleep = sleeps.append  # record huggingface_hub's back-off instead of waiting it out

import huggingface_hub

def name(exc):
    return None if exc is None else f"{type(exc).__module__}.{type(exc).__qualname__}"

call = getattr(huggingface_hub, spec["func"])
start = time.monotonic()
try:
    value = call(**spec["kwargs"])
except Exception as exc:
    response = getattr(exc, "response", None)
    out = {
        "error": name(exc),
        "cause": name(exc.__cause__),
        "status": getattr(response, "status_code", None),
    }
else:
    if isinstance(value, str):
        out = {"path": value}
    else:
        out = {"sha": value.sha, "files": [s.rfilename for s in value.siblings]}
out["elapsed"] = time.monotonic() - start
out["sleeps"] = sleeps
print(json.dumps(out))
"""


def run(
    hub: FakeHub,
    hf_home: Path,
    func: str = "hf_hub_download",
    *,
    env: dict[str, str] | None = None,
    instant_backoff: bool = False,
    **kwargs: Any,
) -> dict[str, Any]:
    """Call ``huggingface_hub.<func>(**kwargs)`` in a fresh interpreter pointed at `hub`."""
    spec = {"func": func, "kwargs": kwargs, "instant_backoff": instant_backoff}
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(spec)],
        env=hub.env(hf_home, **(env or {})),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
    return result


def download(hub: FakeHub, hf_home: Path, **kwargs: Any) -> dict[str, Any]:
    kwargs.setdefault("repo_id", "org/model")
    kwargs.setdefault("filename", "config.json")
    return run(hub, hf_home, **kwargs)


def repo_cache(hf_home: Path, repo: str = "models--org--model") -> Path:
    return hf_home / "hub" / repo


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


# -- success ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("revision", "sha", "quoted"),
    [(None, NEW_SHA, "main"), ("v1.0", OLD_SHA, "v1.0"), ("refs/pr/1", OLD_SHA, "refs%2Fpr%2F1")],
)
def test_download_by_ref_lands_in_snapshot_and_writes_ref(
    hub: FakeHub, hf_home: Path, revision: str | None, sha: str, quoted: str
) -> None:
    result = download(hub, hf_home, revision=revision)

    expected = repo_cache(hf_home) / "snapshots" / sha / "config.json"
    assert result["path"] == str(expected)
    assert expected.read_bytes() == (NEW if sha == NEW_SHA else OLD)["config.json"]
    ref = revision or "main"
    assert (repo_cache(hf_home) / "refs" / ref).read_text() == sha
    path = f"/org/model/resolve/{quoted}/config.json"
    assert [(r.method, r.path) for r in hub.requests] == [("HEAD", path), ("GET", path)]
    assert all("authorization" not in r.headers for r in hub.requests)  # no token anywhere


def test_download_by_commit_sha_then_served_from_cache_without_network(
    hub: FakeHub, hf_home: Path
) -> None:
    result = download(hub, hf_home, revision=OLD_SHA)

    expected = repo_cache(hf_home) / "snapshots" / OLD_SHA / "config.json"
    assert result["path"] == str(expected)
    assert expected.read_bytes() == OLD["config.json"]
    assert not (repo_cache(hf_home) / "refs").exists()  # a sha is not a ref
    assert hub.calls("HEAD") == [f"/org/model/resolve/{OLD_SHA}/config.json"]

    hub.requests.clear()
    assert download(hub, hf_home, revision=OLD_SHA)["path"] == str(expected)
    assert hub.requests == []  # a cached sha short-circuits before any HTTP


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["org/missing"], {}),
        (["org/model", "--revision", "no-such-branch"], {}),
        (["org/gated"], {}),
        (["org/gated"], {"HF_TOKEN": "hf_not_granted"}),
    ],
    ids=["repo", "revision", "gated-anonymous", "gated-wrong-token"],
)
def test_hub_errors_are_one_line_ntkcli_errors(
    hub: FakeHub, hf_home: Path, args: list[str], env: dict[str, str]
) -> None:
    # ntkcli (not huggingface_hub) against the fake Hub: a 401/403/404 is one `Error: …` line on
    # stderr and exit 3, no traceback, no output, no token echoed, no GET after the failing HEAD.
    run = cli_subprocess(
        "inspect", *args, "--format", "json", env=hub.env(hf_home, **env), timeout=60, inherit=False
    )
    assert run.exit_code == 3, run.stderr
    lines = [ln for ln in run.stderr.strip().splitlines() if not ln.startswith("Note: ")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), run.stderr
    assert "Traceback" not in run.stderr
    assert "hf_not_granted" not in run.stderr
    assert run.stdout == ""
    assert hub.calls("GET") == []


def test_missing_file_is_cached_as_no_exist(hub: FakeHub, hf_home: Path) -> None:
    download(hub, hf_home, filename="missing.json")

    assert (repo_cache(hf_home) / ".no_exist" / NEW_SHA / "missing.json").is_file()
    assert (repo_cache(hf_home) / "refs" / "main").read_text() == NEW_SHA


def test_gated_repo_with_granted_token_downloads_and_token_was_sent(
    hub: FakeHub, hf_home: Path
) -> None:
    result = download(hub, hf_home, repo_id="org/gated", env={"HF_TOKEN": "hf_granted"})

    assert result["path"].endswith(f"models--org--gated/snapshots/{GATED_SHA}/config.json")
    assert hub.token_sent("hf_granted")
    assert not hub.token_sent("hf_not_granted")
    assert {r.headers["authorization"] for r in hub.requests} == {"<redacted>"}
    assert "hf_granted" not in repr(hub.requests)


def test_persistent_500_without_cache_retries_then_raises(hub: FakeHub, hf_home: Path) -> None:
    hub.fail_with(500)

    result = download(hub, hf_home, instant_backoff=True)

    assert result["error"] == E + "LocalEntryNotFoundError"
    assert result["cause"] == E + "HfHubHTTPError"
    # One fast HEAD (no retry: it hopes for a cached copy), then a second pass with 5 retries.
    assert len(hub.calls("HEAD")) == 7
    assert result["sleeps"] == [1, 2, 4, 8, 8]  # 23 s of back-off without instant_backoff


def test_single_500_is_retried_and_succeeds(hub: FakeHub, hf_home: Path) -> None:
    hub.fail_with(500, times=1)

    result = download(hub, hf_home)

    assert result["path"].endswith(f"snapshots/{NEW_SHA}/config.json")
    assert len(hub.calls("HEAD")) == 2
    assert result["sleeps"] == []


# -- timeouts and outages --------------------------------------------------------------------------


@pytest.mark.parametrize("outage", ["http-500", "slow"])
def test_outage_with_cached_file_returns_it_fast(hub: FakeHub, hf_home: Path, outage: str) -> None:
    cached = download(hub, hf_home)["path"]
    hub.requests.clear()
    if outage == "slow":
        hub.delay(3)
    else:
        hub.fail_with(500)

    result = download(hub, hf_home, env={"HF_HUB_ETAG_TIMEOUT": "1"})

    assert result["path"] == cached
    assert len(hub.requests) == 1  # one HEAD, no retry, no GET
    assert result["elapsed"] < 2.5
    if outage == "slow":
        assert result["elapsed"] >= 0.9  # waited for HF_HUB_ETAG_TIMEOUT


def test_slow_head_without_cache_is_retried_with_a_longer_timeout(
    hub: FakeHub, hf_home: Path
) -> None:
    hub.delay(1.5, times=2)  # both HEADs are slower than HF_HUB_ETAG_TIMEOUT

    result = download(hub, hf_home, env={"HF_HUB_ETAG_TIMEOUT": "1"})

    # The first HEAD times out after 1 s; with nothing cached, hf_hub_download retries with a
    # fixed 60 s timeout (file_download._ETAG_RETRY_TIMEOUT), so the slow second HEAD succeeds.
    assert result["path"].endswith(f"snapshots/{NEW_SHA}/config.json")
    assert len(hub.calls("HEAD")) == 2
    assert 2.4 <= result["elapsed"] < 4.5


# -- offline ---------------------------------------------------------------------------------------


def test_offline_with_cached_file_makes_no_request(hub: FakeHub, hf_home: Path) -> None:
    cached = download(hub, hf_home)["path"]
    hub.requests.clear()

    result = download(hub, hf_home, env={"HF_HUB_OFFLINE": "1"})

    assert result["path"] == cached
    assert hub.requests == []


@pytest.mark.parametrize(
    ("kwargs", "env", "cause"),
    [
        ({}, {"HF_HUB_OFFLINE": "1"}, E + "OfflineModeIsEnabled"),
        ({"local_files_only": True}, {}, None),
    ],
    ids=["HF_HUB_OFFLINE", "local_files_only"],
)
def test_offline_without_cache_raises(
    hub: FakeHub, hf_home: Path, kwargs: dict[str, Any], env: dict[str, str], cause: str | None
) -> None:
    result = download(hub, hf_home, env=env, **kwargs)

    assert (result["error"], result["cause"]) == (E + "LocalEntryNotFoundError", cause)
    assert hub.requests == []


# -- model_info ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"repo_id": "org/model"}, {"sha": NEW_SHA, "files": ["config.json", "tokenizer.json"]}),
        ({"repo_id": "org/model", "revision": "v1.0"}, {"sha": OLD_SHA, "files": ["config.json"]}),
        ({"repo_id": "org/gated"}, {"sha": GATED_SHA, "files": ["config.json"]}),
        ({"repo_id": "org/missing"}, {"error": E + "RepositoryNotFoundError"}),
    ],
    ids=["main", "tag", "gated", "missing"],
)
def test_model_info(
    hub: FakeHub, hf_home: Path, kwargs: dict[str, Any], expected: dict[str, Any]
) -> None:
    result = run(hub, hf_home, "model_info", **kwargs)

    assert {k: result[k] for k in expected} == expected


# -- in-process use --------------------------------------------------------------------------------


def test_in_process_after_import_needs_patched_constants(
    hub: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants, hf_hub_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    # Setting HF_ENDPOINT now would change nothing: the URL template was built at import.
    template = hub.url + "/{repo_id}/resolve/{revision}/{filename}"
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)

    path = hf_hub_download("org/model", "config.json", cache_dir=tmp_path, token=False)
    assert Path(path).read_bytes() == NEW["config.json"]

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # read on every request
    hub.requests.clear()
    with pytest.raises(LocalEntryNotFoundError):
        hf_hub_download("org/model", "tokenizer.json", cache_dir=tmp_path, token=False)
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
