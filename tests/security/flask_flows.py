"""Flask views whose request data passes through containers and buffers before a sink
(list, dict, deque, configparser, io.StringIO, str.join), each with a safe twin. Written from
the standard library's documentation of those types, not from any public benchmark."""

import collections
import configparser
import io
import sqlite3
import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/list")
def through_a_list():
    values = []
    values.append(request.args.get("q", ""))
    db = sqlite3.connect("app.db")
    return {"rows": db.execute("SELECT * FROM t WHERE x = '%s'" % values[0]).fetchall()}  # ruleid: taint-sql-injection


@app.route("/list-safe")
def a_list_of_constants():
    values = []
    values.append("fixed")
    db = sqlite3.connect("app.db")
    return {"rows": db.execute("SELECT * FROM t WHERE x = '%s'" % values[0]).fetchall()}  # ok: taint-sql-injection


@app.route("/deque")
def through_a_deque():
    queue = collections.deque()
    queue.appendleft(request.headers.get("X-Target", ""))
    subprocess.run("ping -c1 " + queue.pop(), shell=True)  # ruleid: taint-command-injection
    return "ok"


@app.route("/dict")
def through_dict_update():
    options = {}
    options.update({"name": request.form.get("name", "")})
    subprocess.run("echo " + options["name"], shell=True)  # ruleid: taint-command-injection
    return "ok"


@app.route("/config")
def through_configparser():
    conf = configparser.ConfigParser()
    conf.add_section("s")
    conf.set("s", "k", request.cookies.get("pref", ""))
    subprocess.run("echo " + conf.get("s", "k"), shell=True)  # ruleid: taint-command-injection
    return "ok"


@app.route("/config-safe")
def a_configparser_of_constants():
    conf = configparser.ConfigParser()
    conf.add_section("s")
    conf.set("s", "k", "fixed")
    subprocess.run("echo " + conf.get("s", "k"), shell=True)  # ok: taint-command-injection
    return "ok"


@app.route("/buffer")
def through_a_buffer():
    buffer = io.StringIO()
    buffer.write(request.args.get("q", ""))
    db = sqlite3.connect("app.db")
    return {"rows": db.execute("SELECT * FROM t WHERE x = '" + buffer.getvalue() + "'").fetchall()}  # ruleid: taint-sql-injection


@app.route("/join")
def through_join():
    parts = ["ls"]
    parts.extend(request.args.getlist("dir"))
    subprocess.run(" ".join(parts), shell=True)  # ruleid: taint-command-injection
    return "ok"
