"""Flask views: request data into sinks, and the same views made safe."""

import html
import os
import pickle
import shlex
import sqlite3
import subprocess

import yaml
from flask import Flask, make_response, redirect, request, send_file, session, url_for
from markupsafe import Markup, escape
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = "/srv/uploads"


@app.route("/users")
def find_user():
    name = request.args.get("name", "")
    db = sqlite3.connect("app.db")
    query = "SELECT id FROM users WHERE name = '" + name + "'"
    rows = db.execute(query).fetchall()  # ruleid: taint-sql-injection
    safe = db.execute("SELECT id FROM users WHERE name = ?", (name,)).fetchall()  # ok: taint-sql-injection
    return {"rows": rows, "safe": safe}


@app.route("/users/<int:user_id>/age")
def user_age(user_id: int):
    age = int(request.args.get("age", "0"))
    db = sqlite3.connect("app.db")
    db.execute(f"UPDATE users SET age = {age} WHERE id = {user_id}")  # ok: taint-sql-injection
    return "done"


@app.route("/ping", methods=["POST"])
def ping():
    host = request.form["host"]
    subprocess.run("ping -c 1 " + host, shell=True, check=False)  # ruleid: taint-command-injection
    subprocess.run("ping -c 1 " + shlex.quote(host), shell=True, check=False)  # ok: taint-command-injection
    subprocess.run(["ping", "-c", "1", host], check=False)  # ok: taint-command-injection
    os.system("echo " + request.args.get("msg", ""))  # ruleid: taint-command-injection
    return "pinged"


@app.route("/calc")
def calc():
    expression = request.args.get("expr", "0")
    result = eval(expression)  # ruleid: taint-code-injection
    fixed = eval("1 + 2")  # ok: taint-code-injection
    return {"result": result + fixed}


@app.route("/files/<name>")
def download(name):
    path = os.path.join(UPLOADS, name)
    with open(path, "rb") as handle:  # ruleid: taint-path-traversal
        data = handle.read()
    safe = os.path.join(UPLOADS, secure_filename(name))
    with open(safe, "rb") as handle:  # ok: taint-path-traversal
        data += handle.read()
    return send_file(os.path.join(UPLOADS, request.args["file"]))  # ruleid: taint-path-traversal


@app.route("/hello")
def hello():
    who = request.args.get("who", "world")
    return make_response("<h1>Hello " + who + "</h1>")  # ruleid: taint-xss


@app.route("/hello-safe")
def hello_safe():
    who = request.args.get("who", "world")
    return make_response("<h1>Hello " + html.escape(who) + "</h1>")  # ok: taint-xss


@app.route("/greet")
def greet():
    return "<p>" + request.args.get("name", "") + "</p>"  # ruleid: taint-xss


@app.route("/greet-safe")
def greet_safe():
    name = escape(request.args.get("name", ""))
    banner = Markup("<b>welcome</b>")  # ok: taint-xss
    return f"{banner}<p>{name}</p>"  # ok: taint-xss


@app.route("/restore", methods=["POST"])
def restore():
    state = pickle.loads(request.get_data())  # ruleid: taint-deserialization
    config = yaml.load(request.form["config"], Loader=yaml.Loader)  # ruleid: taint-deserialization
    settings = yaml.safe_load(request.form["config"])  # ok: taint-deserialization
    return {"state": str(state), "config": str(config), "settings": str(settings)}


@app.route("/login")
def login():
    target = request.args.get("next", "/")
    if not target:
        return redirect(url_for("index"))  # ok: taint-open-redirect
    return redirect(target)  # ruleid: taint-open-redirect


@app.route("/prefs", methods=["POST"])
def prefs():
    session["theme"] = request.form["theme"]  # ruleid: taint-trust-boundary
    session["visits"] = int(request.form["visits"])  # ok: taint-trust-boundary
    response = make_response("saved")
    response.set_cookie("theme", "dark")  # ruleid: insecure-cookie
    response.set_cookie("sid", "x", secure=True, httponly=True, samesite="Lax")  # ok: insecure-cookie
    return response


def index():
    return "index"
