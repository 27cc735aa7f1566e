"""ONE way to open an image file, whatever it is (JPEG, PNG, 16-bit, CMYK, HEIC, DICOM): decode, dicom, and the
decoded-pixel budget that bounds memory.

Names are exported lazily (engine/core/lazy.py): importing this package imports none of its modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.core.lazy import lazy_exports

if TYPE_CHECKING:
    from engine.data.images.decode import (
        BACKGROUND_RGB as BACKGROUND_RGB,
    )
    from engine.data.images.decode import (
        HIGH_DEPTH_RULE as HIGH_DEPTH_RULE,
    )
    from engine.data.images.decode import (
        IMAGE_EXTENSIONS as IMAGE_EXTENSIONS,
    )
    from engine.data.images.decode import (
        MAX_PIXELS as MAX_PIXELS,
    )
    from engine.data.images.decode import (
        ImageLoadError as ImageLoadError,
    )
    from engine.data.images.decode import (
        heic_supported as heic_supported,
    )
    from engine.data.images.decode import (
        load_image as load_image,
    )
    from engine.data.images.decode import (
        load_image_with_info as load_image_with_info,
    )
    from engine.data.images.decode_budget import (
        DECODE_BUDGET_PIXELS as DECODE_BUDGET_PIXELS,
    )
    from engine.data.images.decode_budget import (
        PixelBudget as PixelBudget,
    )
    from engine.data.images.decode_budget import (
        Ticket as Ticket,
    )
    from engine.data.images.dicom import (
        PRIVACY_NOTE as PRIVACY_NOTE,
    )

_EXPORTS = {
    "BACKGROUND_RGB": "engine.data.images.decode",
    "HIGH_DEPTH_RULE": "engine.data.images.decode",
    "IMAGE_EXTENSIONS": "engine.data.images.decode",
    "ImageLoadError": "engine.data.images.decode",
    "MAX_PIXELS": "engine.data.images.decode",
    "heic_supported": "engine.data.images.decode",
    "load_image": "engine.data.images.decode",
    "load_image_with_info": "engine.data.images.decode",
    "DECODE_BUDGET_PIXELS": "engine.data.images.decode_budget",
    "PixelBudget": "engine.data.images.decode_budget",
    "Ticket": "engine.data.images.decode_budget",
    "PRIVACY_NOTE": "engine.data.images.dicom",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
