"""Downloading a timm model from the Hugging Face hub: ``config.json`` and the weights, nothing else.

Through ``huggingface_hub`` into its standard cache (``$HF_HOME/hub``), so timm, transformers and this app share
downloads; a model already there is used without asking the network. Gated models need an access token, which
is kept by huggingface_hub's own login (:func:`log_in`), never in a run folder or a log. Without internet
the user gets the same kind of plain sentence as for torchvision's weights (:func:`hub_offline_help`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from engine.core.cancel import CancelToken, NeverCancelled
from engine.core.errors import WeightsError
from engine.core.i18n import tr
from engine.models.hub import CONFIG, WEIGHT_FILES, HubFolder, hub_repo, read_hub_folder

log = logging.getLogger(__name__)


class HubAccessError(WeightsError):
    """The model is gated or private: an access token (huggingface_hub's login) is needed."""


class _Cancelled(Exception):
    pass


def hub_offline_help(spec: str) -> str:
    """What to do when the hub cannot be reached: which folder to fetch elsewhere and how to bring it here."""
    repo = hub_repo(spec)
    return (tr("The model {repo} could not be downloaded from the Hugging Face hub (is this computer offline?). On a "
               "computer with internet, download {config} and {weights} from https://huggingface.co/{repo} into one "
               'folder, copy that folder here, and choose it with "Import model folder…" (on the command line: '
               "--weights FOLDER).", repo=repo, config=CONFIG, weights=WEIGHT_FILES[0]))


def _progress_class(progress: Any, cancel: CancelToken) -> type:
    from tqdm.auto import tqdm

    class Progress(tqdm):  # type: ignore[misc]
        """huggingface_hub reports bytes through a tqdm bar: pass them on, and stop when asked to."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["disable"] = True  # nothing on the terminal; the app shows its own progress
            super().__init__(*args, **kwargs)
            self._done = int(kwargs.get("initial") or 0)  # a download resumed where it stopped

        def update(self, n: float | None = 1) -> bool | None:
            if cancel.is_set():
                raise _Cancelled
            self._done += int(n or 0)
            if progress is not None:
                progress(self._done, int(self.total or 0))
            return None

    return Progress


def download_hub_model(spec: str, progress: Any = None, cancel: CancelToken | None = None,
                       revision: str | None = None) -> HubFolder:
    """The hub model ``spec`` (``hf-hub:owner/name`` or ``timm/name``) as a hub folder in huggingface_hub's cache.

    Raises:
        HubAccessError: the model is gated or private (log in with an access token: :func:`log_in`).
        WeightsError: offline (:func:`hub_offline_help`), cancelled, no such model, or not a timm model.
    """
    repo = hub_repo(spec)
    cancel = cancel or NeverCancelled()
    try:
        config = _fetch(repo, CONFIG, revision, progress, cancel)
        # Weights already in the cache first: a model with only an old .bin has no model.safetensors to ask for.
        weights = next((found for name in WEIGHT_FILES if (found := _cached(repo, name, revision))), None)
        for name in WEIGHT_FILES if weights is None else ():  # safetensors first; a .bin only where there is no other
            try:
                weights = _fetch(repo, name, revision, progress, cancel)
                break
            except _entry_not_found() as exc:
                log.info("%s has no %s: %s", repo, name, exc)
        if weights is None:
            raise WeightsError(tr("The hub model {repo} has no weights file ({weights}), so it is not a timm model "
                                  "the app can use. Choose another model.", repo=repo, weights=WEIGHT_FILES[0]))
    except _Cancelled:
        raise WeightsError(tr("The download was cancelled.")) from None
    folder = Path(config).parent
    return read_hub_folder(folder, hub_id=spec, revision=folder.name)


def _entry_not_found() -> type[Exception]:
    from huggingface_hub.errors import RemoteEntryNotFoundError

    return RemoteEntryNotFoundError


def _fetch(repo: str, filename: str, revision: str | None, progress: Any, cancel: CancelToken) -> str:
    """One file: from the cache when it is there (no network at all), else downloaded."""
    from huggingface_hub import errors as hf
    from huggingface_hub import hf_hub_download

    cached = _cached(repo, filename, revision)
    if cached is not None:
        return cached
    if not _hub_reachable():
        raise WeightsError(hub_offline_help(repo))
    _plain_http_downloads()
    try:
        return str(hf_hub_download(repo, filename, revision=revision, tqdm_class=_progress_class(progress, cancel)))
    except hf.GatedRepoError as exc:
        raise HubAccessError(tr("The model {repo} is gated: its authors share it only with people who accepted its "
                                "terms. Accept them on https://huggingface.co/{repo}, then log in with your access "
                                "token (Hugging Face settings, Access Tokens).", repo=repo)) from exc
    except hf.RepositoryNotFoundError as exc:
        raise HubAccessError(tr("The Hugging Face hub has no model {repo} that you can see. Check the name; if it is "
                                "private, log in with an access token that may read it.", repo=repo)) from exc
    except hf.RevisionNotFoundError as exc:
        raise WeightsError(tr("The hub model {repo} has no version {version}. Leave the version out.", repo=repo,
                              version=revision)) from exc
    except hf.RemoteEntryNotFoundError:
        if filename == CONFIG:
            raise WeightsError(tr("The hub model {repo} has no {config}, so it is not a timm model the app can build "
                                  "(models that need their own code are never run). Choose a timm model.", repo=repo,
                                  config=CONFIG)) from None
        raise
    except _Cancelled:
        raise
    except (OSError, ValueError, hf.HfHubHTTPError) as exc:  # offline, DNS, proxy, timeouts, offline mode
        log.info("hub download of %s/%s failed: %r", repo, filename, exc)
        raise WeightsError(hub_offline_help(repo)) from exc


def _cached(repo: str, filename: str, revision: str | None) -> str | None:
    """The file from huggingface_hub's cache (no network at all), or ``None``."""
    from huggingface_hub import errors as hf
    from huggingface_hub import hf_hub_download

    try:
        return str(hf_hub_download(repo, filename, revision=revision, local_files_only=True))
    except (hf.LocalEntryNotFoundError, FileNotFoundError):
        return None


def _plain_http_downloads() -> None:
    """Files come over plain HTTP, in pieces of at most 1 MiB, so that progress and Cancel are the app's.

    huggingface_hub reads 10 MiB between progress calls (a small model shows nothing until it is done, and
    Cancel waits that long), and for files stored in Xet it hands the transfer to hf_xet's native threads,
    whose progress reaches the app as two interleaved counters and where raising from the progress callback
    (Cancel) is not how hf_xet is stopped. The hub serves every file over HTTP as well; these models are small
    enough that Xet's deduplication does not matter."""
    from huggingface_hub import constants

    constants.HF_HUB_DISABLE_XET = True
    constants.DOWNLOAD_CHUNK_SIZE = min(constants.DOWNLOAD_CHUNK_SIZE, 1 << 20)


def _hub_reachable() -> bool:
    """False when the hub's name cannot be looked up or nothing answers there (no network, a firewall): say so
    at once, instead of after huggingface_hub's five retries (23 s measured here). Behind a proxy the proxy
    resolves names and connects: try anyway."""
    import os
    import socket
    from urllib.parse import urlparse

    from huggingface_hub import constants

    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    url = urlparse(constants.ENDPOINT)
    host = url.hostname or "huggingface.co"
    try:
        port = url.port or (80 if url.scheme == "http" else 443)
        socket.create_connection((host, port), timeout=constants.HF_HUB_ETAG_TIMEOUT).close()
    except (OSError, ValueError) as exc:
        log.info("cannot reach %s: offline (%s)", host, exc)
        return False
    return True


def log_in(token: str) -> str:
    """Keep ``token`` with huggingface_hub's own login (its token file); returns the account's name.

    The token is never written by this app, logged or put in a run folder.

    Raises:
        HubAccessError: the hub refused the token (or could not be reached to check it).
    """
    from huggingface_hub import login, whoami

    try:
        login(token=token.strip(), add_to_git_credential=False, skip_if_logged_in=False)
        return str(whoami().get("name", ""))
    except Exception as exc:  # noqa: BLE001 - whatever the reason, the sentence is the same
        log.info("hub login failed: %s", type(exc).__name__)  # never the token itself
        raise HubAccessError(tr("The Hugging Face hub did not accept this access token (or could not be reached). "
                                "Check the token and the internet connection, then try again.")) from None
