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
    import functools

    import astroid  # noqa: F401
    import dill  # noqa: F401
    import isort  # noqa: F401
    import mccabe  # noqa: F401
    import platformdirs  # noqa: F401
    import tomlkit  # noqa: F401
    from astroid.interpreter._import import util as astroid_import_util  # type: ignore[import-untyped]
    from pylint.lint import Run

    # The snapshot holds only the changed files, so a package whose __init__.py did not
    # change looks like a namespace package; astroid's is_namespace() then reads
    # sys.modules[parent] unguarded and every later file that imports through it crashes
    # with astroid-error (which files crash depended on which others were in the run).
    # Treat that case as "not a namespace"; astroid then resolves the import normally.
    unguarded = astroid_import_util.is_namespace

    @functools.lru_cache(maxsize=4096)
    def is_namespace(modname: str) -> bool:
        try:
            return bool(unguarded(modname))
        except KeyError:
            return False

    astroid_import_util.is_namespace = is_namespace

    Run(sys.argv[2:])
