"""The Lambda package carries bytecode (issue #14 goal 1): Lambda's code directory is read-only, so a package of
sources only is compiled again at every cold start."""

import subprocess
import sys
import zipfile

from infra.precompile import precompile


def package_of(path, modules: dict[str, str]):
    with zipfile.ZipFile(path, "w") as z:
        for name, source in modules.items():
            z.writestr(name, source)
    return path


def test_every_module_of_the_package_gets_its_bytecode_beside_it(tmp_path):
    package = package_of(tmp_path / "deployment.zip", {"app.py": "X = 1\n", "lib/mod.py": "Y = 2\n", "lib/data.json": "{}"})
    assert precompile(package) == 2
    names = set(zipfile.ZipFile(package).namelist())
    tag = sys.implementation.cache_tag
    assert {f"__pycache__/app.{tag}.pyc", f"lib/__pycache__/mod.{tag}.pyc", "app.py", "lib/data.json"} <= names


def test_the_bytecode_is_used_without_comparing_the_source_as_lambda_keeps_no_timestamps(tmp_path):
    # Given a package byte-compiled, unpacked, and its source changed afterwards
    package = package_of(tmp_path / "deployment.zip", {"app.py": "ANSWER = 'compiled'\n"})
    precompile(package)
    code = tmp_path / "task"
    zipfile.ZipFile(package).extractall(code)
    (code / "app.py").write_text("ANSWER = 'source'\n")
    # When the runtime imports the module, writing no bytecode of its own
    answer = subprocess.run(
        [sys.executable, "-B", "-c", "import app; print(app.ANSWER)"], cwd=code, capture_output=True, text=True, check=True
    )
    # Then it ran the bytecode shipped: nothing compiled at the cold start
    assert answer.stdout.strip() == "compiled"


def test_a_source_that_is_not_python_3_11_stays_a_source(tmp_path):
    package = package_of(tmp_path / "deployment.zip", {"py2.py": "print 'old'\n", "ok.py": "Z = 3\n"})
    assert precompile(package) == 1
