"""The background work of a hub download for the weights box: the checked folder, or a request for a token."""

from __future__ import annotations

from typing import Any

from gui.jobs.controller import TaskState


class NeedsToken:
    """A hub download refused for want of an access token (a gated or private model): ask for one, then retry."""

    def __init__(self, message: str, retry: Any) -> None:
        self.message, self.retry = message, retry


def is_hub_spec(spec: str) -> bool:
    from engine.models.hub import is_hub_id, looks_like_hub_folder

    return is_hub_id(spec) or looks_like_hub_folder(spec)


def hub_download_work(spec: str) -> Any:
    """The background work of a hub download: the checked folder, or a request for a token."""

    def work(state: TaskState) -> Any:
        from engine.models.hub_download import HubAccessError, download_hub_model
        from engine.models.hub_import import import_model_folder

        try:
            # Kilobytes: the progress signal carries 32-bit integers and some files exceed 2 GB.
            folder = download_hub_model(spec, lambda done, total: state.set_progress(done // 1024, total // 1024),
                                        cancel=state)
        except HubAccessError as exc:
            return NeedsToken(str(exc), work)
        return import_model_folder(folder.path)
    return work
