"""Library code with no untrusted source: the taint rules stay quiet."""

import sqlite3
import subprocess


def count(db: sqlite3.Connection, table: str) -> int:
    return db.execute("SELECT count(*) FROM " + table).fetchone()[0]  # ok: taint-sql-injection


def archive(folder: str) -> None:
    subprocess.run("tar czf backup.tgz " + folder, shell=True, check=True)  # ok: taint-command-injection
