"""The import benchmark (`make bench`: bench/imports.py) runs, imports what it says, and leaves nothing."""
from bench import imports
from delegations.models import Council, ImportJob
from petitions.models import Petition


def test_the_import_benchmark_measures_and_rolls_back(db):
    figures = imports.measure(30)
    assert figures["rows"] == 30
    assert figures["upload"] > 0 and figures["import"] > 0 and figures["cpu"] >= 0
    assert not Petition.objects.exists() and not ImportJob.objects.exists() and not Council.objects.exists()
