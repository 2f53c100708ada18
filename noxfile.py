"""Sessions: `nox -s tests` (ruff + pytest), `nox -s report` (corpus + HTML reports), `nox -s bench`.

Every session installs corpuskit with the pinned versions of `requirements.lock`, so reports and
regression fixtures do not drift with new releases.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = False if nox.options.force_venv_backend == "none" else None
LOCK = "requirements.lock"


def install(session: nox.Session, extras: str = "test") -> None:
    session.install("-c", LOCK, "-e", f".[{extras}]")


@nox.session
def tests(session: nox.Session) -> None:
    """Style checks, then the test suite (pass pytest options after `--`)."""
    install(session, "test,dask")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("pytest", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Build the corpus (seeds/ or the inputs given after `--`) and the HTML reports in reports/build/.

    Options after `--` go to reports/make.py (e.g. `--out DIR`, `--speakers FILE`, `--sides FILE`).
    """
    install(session, "test")
    session.run("python", "reports/make.py", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Throughput and peak memory of `corpuskit build` beside spaCy on a generated corpus."""
    install(session, "test,dask")
    session.install("-c", LOCK, "spacy")
    session.run("python", "benchmarks/run.py", *session.posargs)
