"""Records the timm shortlist's facts from timm itself into engine/models/timm_facts.py.

The catalog shows timm models beside torchvision's without importing timm or building eleven models each time
the window opens (that took 9 s on a busy 2-core machine, measured here): their ``pretrained_cfg`` and the
parameters and compute counted on a meta-device build are recorded once, with the timm version they come from.
With another timm version installed the app asks timm again (:func:`engine.models.timm_models.pretrained_cfg`),
so a record never outlives the timm it describes. Regenerate after changing the shortlist or updating timm::

    python -m engine.models.timm_record
"""

from __future__ import annotations

import pprint
from pathlib import Path
from typing import Any

#: The parts of pretrained_cfg the app reads (preprocessing, sizes, licence, where the weights are).
CFG_KEYS = ("hf_hub_id", "tag", "input_size", "min_input_size", "fixed_input_size", "interpolation", "crop_pct",
            "mean", "std", "num_classes", "first_conv", "classifier", "license")


def record() -> dict[str, Any]:
    """``{name: {"pretrained_cfg": {...}, "params": n, "gflops": g, "weights_bytes": b}}`` for the shortlist."""
    from engine.models.timm_models import PREFIX, SHORTLIST, live_pretrained_cfg, measure_facts

    facts: dict[str, Any] = {}
    for name in SHORTLIST:
        cfg = live_pretrained_cfg(PREFIX + name)
        size = int(cfg.get("input_size", (3, 224, 224))[-1])
        params, gflops, size_bytes = measure_facts(PREFIX + name, size)
        facts[name] = {"pretrained_cfg": {k: cfg[k] for k in CFG_KEYS if k in cfg}, "params": params,
                       "gflops": round(gflops, 4) if gflops is not None else None, "weights_bytes": size_bytes}
    return facts


def main() -> None:
    import timm

    target = Path(__file__).with_name("timm_facts.py")
    # not translated: the text of a generated Python module
    header = ('"""timm\'s facts for the catalog\'s shortlist, recorded from timm itself by '
              "engine/models/timm_record.py.\n\n"
              "Do not edit by hand: regenerate with ``python -m engine.models.timm_record``.\n\"\"\"\n\n"
              "from typing import Any\n\n")
    # not translated: Python code
    body = f"TIMM_VERSION = {timm.__version__!r}\n\nFACTS: dict[str, Any] = {pprint.pformat(record(), width=116)}\n"
    target.write_text(header + body, encoding="utf-8")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
