"""LDAP searches and XML parsing with input from the command line and the environment."""

import os
import sys

import ldap
from ldap.filter import escape_filter_chars
from lxml import etree


def lookup(conn: "ldap.ldapobject.LDAPObject") -> list[object]:
    user = sys.argv[1]
    found = conn.search_s("dc=example,dc=org", ldap.SCOPE_SUBTREE, "(uid=" + user + ")")  # ruleid: taint-ldap-injection
    safe = conn.search_s("dc=example,dc=org", ldap.SCOPE_SUBTREE,
                         "(uid=" + escape_filter_chars(user) + ")")  # ok: taint-ldap-injection
    return [found, safe]


def parse(document: bytes) -> object:
    unsafe = etree.XMLParser(resolve_entities=True)  # ruleid: xml-external-entities
    safe = etree.XMLParser(resolve_entities=False, no_network=True)  # ok: xml-external-entities
    return etree.fromstring(document, unsafe), etree.fromstring(document, safe)


def run_report() -> None:
    script = os.environ.get("REPORT_SCRIPT", "")
    exec(script)  # ruleid: taint-code-injection
    exec("print('report')")  # ok: taint-code-injection
