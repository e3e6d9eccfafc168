"""Assertions of the command-line tests' Python parts (tests/cli/*.sh; lib/cli_test.sh puts this
folder on PYTHONPATH): check() prints one "ok" or "FAIL" line per assertion and remembers
failures; finish() exits 1 if any check failed, else 0."""
import sys

_failed = 0


def check(cond, what):
    """Records one assertion: `cond` true passes; `what` says what was checked."""
    global _failed
    print(("ok  " if cond else "FAIL"), what)
    if not cond:
        _failed += 1
    return bool(cond)


def finish():
    """Ends the script: exit status 1 if a check failed."""
    sys.exit(1 if _failed else 0)
