"""Jobs as the window and the CLI run them: a training run then its evaluation, the learning-rate test, the
strategy trials; and where they run (a supervised child process, or a thread).

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.jobs.runner import (
        LR_FINDER as LR_FINDER,
    )
    from engine.jobs.runner import (
        TRAIN as TRAIN,
    )
    from engine.jobs.runner import (
        TRIALS as TRIALS,
    )
    from engine.jobs.runner import (
        ProcessRunner as ProcessRunner,
    )
    from engine.jobs.runner import (
        Runner as Runner,
    )
    from engine.jobs.runner import (
        ThreadRunner as ThreadRunner,
    )
    from engine.jobs.training_job import (
        run_training_job as run_training_job,
    )

_EXPORTS = {
    "LR_FINDER": "engine.jobs.runner",
    "ProcessRunner": "engine.jobs.runner",
    "Runner": "engine.jobs.runner",
    "TRAIN": "engine.jobs.runner",
    "TRIALS": "engine.jobs.runner",
    "ThreadRunner": "engine.jobs.runner",
    "run_training_job": "engine.jobs.training_job",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
