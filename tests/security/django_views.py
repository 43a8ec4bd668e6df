"""Django views (HttpRequest.GET/POST/COOKIES): request data into sinks."""

from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect
from django.utils.html import escape
from django.utils.safestring import mark_safe


def search(request):
    term = request.GET.get("q", "")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM item WHERE title LIKE '%%%s%%'" % term)  # ruleid: taint-sql-injection
        cursor.execute("SELECT * FROM item WHERE title LIKE %s", ["%" + term + "%"])  # ok: taint-sql-injection
        rows = cursor.fetchall()
    return HttpResponse("<p>Results for " + term + "</p>" + str(rows))  # ruleid: taint-xss


def search_safe(request):
    term = escape(request.GET.get("q", ""))
    return HttpResponse(mark_safe("<p>Results for " + term + "</p>"))  # ok: taint-xss


def leave(request):
    return HttpResponseRedirect(request.POST["next"])  # ruleid: taint-open-redirect


def remember(request):
    request.session["last_search"] = request.COOKIES.get("q")  # ruleid: taint-trust-boundary
    return HttpResponse("ok")
