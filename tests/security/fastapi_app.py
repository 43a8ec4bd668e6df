"""FastAPI/Starlette: path and query parameters and Request data into sinks."""

import subprocess

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from lxml import etree

app = FastAPI()
DOC = etree.fromstring(b"<users><user name='a' role='admin'/></users>")


@app.get("/users/{name}/role")
async def role(name: str):
    found = DOC.xpath("//user[@name='" + name + "']/@role")  # ruleid: taint-xpath-injection
    safe = DOC.xpath("//user[@name=$name]/@role", name=name)  # ok: taint-xpath-injection
    return {"role": found, "safe": safe}


@app.get("/page")
async def page(request: Request):
    title = request.query_params.get("title", "")
    return HTMLResponse("<title>" + title + "</title>")  # ruleid: taint-xss


@app.post("/convert")
async def convert(fmt: str):
    out = subprocess.check_output("convert in.png out." + fmt, shell=True)  # ruleid: taint-command-injection
    return {"size": len(out)}


@app.get("/orders/{order_id}")
async def order(order_id: int):
    return subprocess.check_output(f"show-order {order_id}", shell=True)  # ok: taint-command-injection


@app.get("/go")
async def go(url: str):
    return RedirectResponse(url)  # ruleid: taint-open-redirect
