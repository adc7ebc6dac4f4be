"""collectstatic compresses each distinct file content once (issue 20, item 10: the
collectstatic build was ~30 s of the suite, ~90 % of it Brotli on byte-identical twins)."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from whitenoise.compress import Compressor

from project.storage import ContentOnceCompressor

SCRIPT = "".join(f"function f{i}(a) {{ return a * {i} + '静态文件'; }}\n" for i in range(400)).encode()


def _tree(root: Path) -> list[str]:
    """A collected folder: an original and its byte-identical hashed twin, a file of other
    content, and one that does not compress (whitenoise writes nothing for it)."""
    root.mkdir()
    (root / "app.js").write_bytes(SCRIPT)
    (root / "app.0123456789ab.js").write_bytes(SCRIPT)
    (root / "other.js").write_bytes(SCRIPT.replace(b"return", b"yield"))
    (root / "noise.js").write_bytes(os.urandom(4096))
    (root / "noise.0123456789ab.js").write_bytes((root / "noise.js").read_bytes())
    return sorted(str(p) for p in root.iterdir())


def _outputs(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.suffix in {".br", ".gz"}}


def test_twins_are_compressed_once_and_get_the_same_files(tmp_path, monkeypatch):
    """Two files with the same bytes cost one Brotli and one gzip run; each still gets its own
    .br and .gz, the same bytes; other content is compressed on its own."""
    paths = _tree(tmp_path / "out")
    calls: list[int] = []
    real = Compressor.compress_brotli
    monkeypatch.setattr(
        ContentOnceCompressor, "compress_brotli", staticmethod(lambda d: calls.append(len(d)) or real(d))
    )
    compressor = ContentOnceCompressor(quiet=True)
    with ThreadPoolExecutor(4) as pool:  # whitenoise compresses in threads: twins may race
        written = [name for names in pool.map(compressor.compress, paths) for name in names]
    assert len(calls) == 3  # app + its twin once, other, noise + its twin once
    out = tmp_path / "out"
    assert (out / "app.js.br").read_bytes() == (out / "app.0123456789ab.js.br").read_bytes() == real(SCRIPT)
    assert (out / "app.js.gz").read_bytes() == (out / "app.0123456789ab.js.gz").read_bytes()
    assert (out / "other.js.br").read_bytes() != (out / "app.js.br").read_bytes()
    assert sorted(Path(n).name for n in written) == sorted(_outputs(out))


def test_the_output_is_what_whitenoise_writes(tmp_path):
    """Same file names, same bytes and same modification times as whitenoise's own compressor
    (which compresses every file afresh), including no output for content that does not compress."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    _tree(ours)
    shutil.copytree(ours, theirs, copy_function=shutil.copy2)
    for compressor, root in ((ContentOnceCompressor(quiet=True), ours), (Compressor(quiet=True), theirs)):
        for path in sorted(root.iterdir()):
            compressor.compress(str(path))
    assert _outputs(ours) == _outputs(theirs)
    assert not [name for name in _outputs(ours) if name.startswith("noise")]
    for name in _outputs(ours):
        assert (ours / name).stat().st_mtime == (ours / name.rsplit(".", 1)[0]).stat().st_mtime
