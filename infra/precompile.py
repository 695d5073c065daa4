"""Byte-compile the Lambda package: each module's `__pycache__/<name>.cpython-311.pyc` added to the deployment zip.

Lambda's code directory is read-only, so a package of sources only is compiled again at every cold start, in the INIT
that each first request pays (issue #14 goal 1). The bytecode is compiled by this interpreter, which must be the
runtime's version (Chalice packages for the Python version that runs it), and marked `unchecked-hash`:
Lambda does not promise the zip's timestamps, and the package is immutable, so the source is never compared.

    python -m infra.precompile build/package/deployment.zip
"""

from __future__ import annotations

import argparse
import importlib.util
import py_compile
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

RUNTIME = (3, 11)  # the Lambda runtime the package is for (python3.11)
UNZIPPED_LIMIT_BYTES = 262_144_000  # Lambda's limit on a function's code, unzipped (250 MB)


def precompile(package: Path) -> int:
    """Rewrite `package` with bytecode beside every Python source it holds; the number of modules compiled."""
    if sys.version_info[:2] != RUNTIME:
        raise SystemExit(f"the package is for Python {RUNTIME[0]}.{RUNTIME[1]}; this is {sys.version.split()[0]}")
    compiled = 0
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        rebuilt = work / "package.zip"
        with zipfile.ZipFile(package) as source, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as target:
            names = set(source.namelist())
            for info in source.infolist():
                data = source.read(info)
                target.writestr(info, data)
                if not info.filename.endswith(".py"):
                    continue
                cached = importlib.util.cache_from_source(info.filename)
                if cached in names:
                    continue
                module = work / "src" / info.filename
                module.parent.mkdir(parents=True, exist_ok=True)
                module.write_bytes(data)
                bytecode = work / "pyc" / cached
                try:
                    py_compile.compile(
                        str(module),
                        cfile=str(bytecode),
                        dfile=info.filename,
                        doraise=True,
                        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
                    )
                except py_compile.PyCompileError:
                    continue  # not Python 3.11 (a vendored file for another version): imported from source, as before
                entry = zipfile.ZipInfo(cached, date_time=info.date_time)
                entry.external_attr = info.external_attr
                entry.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(entry, bytecode.read_bytes())
                compiled += 1
        with zipfile.ZipFile(rebuilt) as result:
            unzipped = sum(info.file_size for info in result.infolist())
        if unzipped > UNZIPPED_LIMIT_BYTES:
            raise SystemExit(f"{package}: {unzipped:,} bytes unzipped; Lambda takes at most {UNZIPPED_LIMIT_BYTES:,}")
        shutil.move(rebuilt, package)
    return compiled


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the deployment zip `chalice package` wrote")
    args = parser.parse_args()
    print(f"{args.package}: {precompile(args.package)} modules byte-compiled")


if __name__ == "__main__":
    main()
