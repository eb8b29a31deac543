"""Golden outputs: every case of tests/golden/golden_cases.py gives exactly the digests recorded in
tests/golden/digests.json (SHA-256 of every output array, exact fit/evaluate/explain numbers).

A failure means an output changed. If that was not meant, it is a regression. If it was meant,
regenerate the changed cases and say why in the commit message (tests/golden/README.md)."""
import json
import sys

import pytest

from conftest import ROOT, minerisk_bin

GOLDEN_DIR = ROOT / "tests" / "golden"
sys.path.insert(0, str(GOLDEN_DIR))

import golden_cases  # noqa: E402

DIGESTS = GOLDEN_DIR / "digests.json"
GOLDEN = json.loads(DIGESTS.read_text())
REGENERATE = ("/usr/bin/python3 tests/golden/make_golden.py --bin build/engine/minerisk "
              "-o tests/golden/digests.json")


@pytest.fixture(scope="session")
def golden_context(tmp_path_factory):
    """One scratch folder and one set of fixtures (regions, rasters, shared runs) for every case."""
    return golden_cases.Context(minerisk_bin(), tmp_path_factory.mktemp("golden"))


# A fit's numbers come from an iterative solve whose exp and log are glibc's, and glibc picks
# their implementation by processor (FMA or not): two machines agree to ~1e-12, not bit for bit.
# They are compared to 1e-9 relative; every other entry (arrays, rasters, pictures) exactly.
FIT_TOLERANCE = 1e-9


def same(key, want, got):
    if want == got:
        return True
    if key.startswith(("fit_report.", "fitted_toml.", "json.")) or ".json." in key or ".fit_report." in key:
        try:
            a, b = float(want), float(got)
        except (TypeError, ValueError):
            return False
        # Relative, and absolute for entries that are small by cancellation (a covariance).
        return abs(a - b) <= FIT_TOLERANCE * max(abs(a), abs(b), 1e-3) or (a != a and b != b)
    return False


def describe(name, want, got, limit=25):
    changed = sorted(k for k in want.keys() & got.keys() if not same(k, want[k], got[k]))
    missing = sorted(want.keys() - got.keys())
    extra = sorted(got.keys() - want.keys())
    lines = [f"golden case '{name}': {len(changed)} changed, {len(missing)} missing, {len(extra)} new output "
             f"entries (of {len(want)} recorded)"]
    for k in changed[:limit]:
        lines.append(f"  changed  {k}: recorded {want[k]!r}, now {got[k]!r}")
    for k in missing[:limit]:
        lines.append(f"  missing  {k} (recorded {want[k]!r})")
    for k in extra[:limit]:
        lines.append(f"  new      {k}: {got[k]!r}")
    if max(len(changed), len(missing), len(extra)) > limit:
        lines.append(f"  ... (first {limit} of each shown)")
    lines.append("If this change of output is deliberate, regenerate this case with the new program and say why in "
                 f"the commit message:\n  {REGENERATE} --case {name}")
    return "\n".join(lines)


def test_every_case_has_recorded_digests():
    cases, recorded = set(golden_cases.CASES), set(GOLDEN)
    assert cases == recorded, (
        f"cases without recorded digests: {sorted(cases - recorded)}; recorded digests without a case: "
        f"{sorted(recorded - cases)}. Regenerate on purpose: {REGENERATE}")


@pytest.mark.parametrize("name", sorted(golden_cases.CASES))
def test_golden_case(golden_context, name):
    if name not in GOLDEN:
        pytest.fail(f"golden case '{name}' has no recorded digests; record them: {REGENERATE} --case {name}")
    got = golden_cases.run_case(golden_context, name)
    want = GOLDEN[name]
    assert want.keys() == got.keys() and all(same(k, want[k], got[k]) for k in want), describe(name, want, got)
