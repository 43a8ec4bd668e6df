"""Bootstrap that runs pylint with nothing third-party on its import path but pylint itself.

Run as `python -I -S checks/pylint_runner.py LINKDIR <pylint arguments>` where LINKDIR holds
links to pylint and its own dependencies only. Why:

- pylint infers calls into third-party code from whatever it can import. Beside reviewbot that
  would be *our* versions (our click, not the PR's), and a call valid for the PR's version
  becomes `unexpected-keyword-arg`. Without them, those modules are simply unknown
  (import-error is disabled) and only the standard library and the PR's own files infer.
- pylint later adds the analysed directories to sys.path; every module pylint itself needs
  is imported before that, so a file in the PR named like one of them is never imported.
"""

import sys

if __name__ == "__main__":
    sys.path[:] = [sys.argv[1], *sys.path[1:]]  # drop this script's folder, add LINKDIR
    import astroid  # noqa: F401
    import dill  # noqa: F401
    import isort  # noqa: F401
    import mccabe  # noqa: F401
    import platformdirs  # noqa: F401
    import tomlkit  # noqa: F401
    from pylint.lint import Run

    Run(sys.argv[2:])
