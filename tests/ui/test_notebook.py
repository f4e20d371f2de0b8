"""notebooks/compare.ipynb runs from top to bottom (kernel: this interpreter) and is stripped."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.ui.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "compare.ipynb"


def test_committed_notebook_has_no_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


@pytest.mark.slow
def test_notebook_executes(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ipykernel.kernelspec import install

    # a python3 kernel spec that runs this interpreter (the venv), whatever is installed globally
    install(prefix=str(tmp_path / "jupyter"), kernel_name="python3")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter" / "share" / "jupyter"))
    monkeypatch.setenv("FIELDTWIN_STORE", str(tmp_path / "nb.duckdb"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})  # fmt: skip
    client.execute()
    last = nb.cells[-1].outputs
    assert any("notebook ran" in str(o.get("data", {}).get("text/plain", "")) for o in last)
