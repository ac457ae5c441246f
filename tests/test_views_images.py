"""The documentation pictures: all written, byte-for-byte reproducible.

(Bytes are not compared with docs/images/: another matplotlib or FreeType
version may rasterise differently. Regenerate them with
``python -m apidebug_nb.views.make_images docs/images``.)
"""

from __future__ import annotations

from apidebug_nb.views.make_images import IMAGES, main, make_images


def test_make_images_writes_every_picture_reproducibly(tmp_path):
    first = make_images(tmp_path / "a")
    second = make_images(tmp_path / "b")
    assert [p.name for p in first] == [name for name, _ in IMAGES]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes().startswith(b"\x89PNG")


def test_cli_usage_error():
    assert main([]) == 2
