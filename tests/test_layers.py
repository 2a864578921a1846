"""The floors of the house hold: the import-linter contracts of pyproject.toml, checked on the
installed shape of the package (the wheel), and no import cycle between sibling packages."""
import os
import subprocess
import sys

from .conftest import ROOT


def _run(args, site, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=site.parent, timeout=300, **kwargs)


def test_import_contracts_are_kept(wheel_site):
    lint = ROOT / ".venv" / "bin" / "lint-imports"
    result = _run([str(lint) if lint.exists() else "lint-imports", str(ROOT / "pyproject.toml")], wheel_site)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 4 kept, 0 broken." in result.stdout


CYCLES = """
import itertools, sys, grimp
graph = grimp.build_graph("portalize")
cycles = []
for package in sorted(graph.modules):
    children = sorted(graph.find_children(package))
    for a, b in itertools.combinations(children, 2):
        if graph.chain_exists(a, b, as_packages=True) and graph.chain_exists(b, a, as_packages=True):
            cycles.append(f"{a} <-> {b}")
print("\\n".join(cycles))
sys.exit(1 if cycles else 0)
"""


def test_no_import_cycles_between_sibling_packages_or_modules(wheel_site):
    result = _run([sys.executable, "-c", CYCLES], wheel_site)
    assert result.returncode == 0, f"import cycles:\n{result.stdout}{result.stderr}"
