"""The house rules a newcomer relies on, checked: rooms by capability, a pure core, no
cycles between rooms, small files."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOT = ROOT / "bot"
IO_LIBRARIES = {"sqlalchemy", "sqlmodel", "httpx", "githubkit", "subprocess", "starlette",
                "uvicorn", "openai", "anyio", "asyncio", "socket", "alembic", "psycopg"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_imports_no_io_library() -> None:
    for path in sorted((BOT / "core").glob("*.py")):
        roots = {name.split(".")[0] for name in imports_of(path)}
        assert not roots & IO_LIBRARIES, f"{path.name} imports {sorted(roots & IO_LIBRARIES)}"
        assert not {n for n in imports_of(path) if n.startswith("bot.")
                    and not n.startswith(("bot.core", "bot.errors"))}, path.name


def test_few_modules_directly_under_bot() -> None:
    modules = [p.name for p in BOT.glob("*.py")]
    assert len(modules) <= 8, modules


def test_no_file_over_400_lines() -> None:
    for folder in ("bot", "checks"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines"


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "bot" and len(parts) > 2 else None


def test_no_import_cycle_between_rooms() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in BOT.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        here = room_of(module) if path.name != "__init__.py" else room_of(module + ".x")
        if here is None:
            continue
        for target in imports_of(path):
            there = room_of(target)
            if there is not None and there != here:
                edges[here].add(there)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for nxt in edges[start]:
            if nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})):
                return True
        return False

    cycles = sorted(room for room in list(edges) if reaches(room, room, {room}))
    assert not cycles, f"rooms in an import cycle: {cycles}; edges: {dict(edges)}"


# The rooms from the bottom up: a room imports only rooms below it. Entry points (cli, web)
# on top; the composition root (bot/app.py) builds the services; handlers route a job to a
# flow; the flows (review, triage) run stages over the producers (checks/) and the adapters
# (obs, llm, github, store); core is pure; a workflow run (action) is an entry point
# beside the web app; errors and settings are the foundation.
LAYERS: list[set[str]] = [{"errors"}, {"settings"}, {"core"}, {"obs", "llm", "github", "store"},
                          {"checks"}, {"review", "triage"}, {"jobs"}, {"handlers"}, {"app"},
                          {"web", "action"}, {"cli"}]
RANK = {room: i for i, layer in enumerate(LAYERS) for room in layer}
IMPORT_ROOTS = ("bot", "checks")


def layer_room(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "checks":
        return "checks"
    if parts[0] == "bot" and len(parts) >= 2 and not parts[1].startswith("__"):
        return parts[1]
    return None


def modules() -> list[tuple[Path, str]]:
    return [(path, ".".join(path.relative_to(ROOT).with_suffix("").parts))
            for folder in IMPORT_ROOTS for path in sorted((ROOT / folder).rglob("*.py"))
            if "migrations" not in path.parts]


def test_every_room_is_in_a_layer() -> None:
    rooms = {layer_room(m) for _, m in modules()} - {None}
    assert rooms <= set(RANK), f"rooms without a layer: {sorted(rooms - set(RANK))}"


def test_a_room_imports_only_rooms_below_it() -> None:
    wrong = []
    for path, module in modules():
        here = layer_room(module)
        if here is None:
            continue
        for target in imports_of(path):
            there = layer_room(target)
            if there is not None and there != here and RANK[there] >= RANK[here]:
                wrong.append(f"{module} imports {target} ({here} -> {there})")
    assert not wrong, "\n".join(wrong)


def test_checks_only_produce_findings() -> None:
    """The producers see the change, the pure core and the model client: never the store,
    GitHub, the jobs or the aggregator."""
    for path, module in modules():
        if layer_room(module) != "checks":
            continue
        rooms = {layer_room(t) for t in imports_of(path)} - {None}
        assert rooms <= {"checks", "core", "errors", "llm"}, f"{module}: {sorted(rooms)}"


def test_the_aggregator_room_is_pure() -> None:
    """bot/review/aggregate decides from values: no I/O library, nothing of the store,
    GitHub, the jobs or the producers; the verifier (verify.py) alone talks to the model,
    through the client it is handed."""
    room = ROOT / "bot" / "review" / "aggregate"
    for path in sorted(room.glob("*.py")):
        found = imports_of(path)
        roots = {name.split(".")[0] for name in found}
        assert not roots & IO_LIBRARIES, f"{path.name} imports {sorted(roots & IO_LIBRARIES)}"
        allowed = ("bot.core", "bot.errors", "bot.review.aggregate",
                   *(("bot.llm",) if path.name == "verify.py" else ()))
        inside = {n for n in found if n.startswith(IMPORT_ROOTS)}
        assert all(n.startswith(allowed) for n in inside), \
            f"{path.name}: {sorted(n for n in inside if not n.startswith(allowed))}"


# Who may build a client: the factories (each in its adapter's room) are called by the
# composition root alone; nothing else constructs an SDK or a connection pool.
FACTORIES = {"app_from_settings", "client_from_settings", "embedder_from_settings",
             "create_engine"}
CONSTRUCTORS = {"GitHubApp": "bot/github/gateway.py", "LLMClient": "bot/llm/client.py",
                "Embedder": "bot/llm/embeddings.py", "AsyncOpenAI": "bot/llm/",
                "AsyncClient": "", "AsyncHTTPTransport": "bot/github/transport.py"}


def calls_in(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else
                      func.id if isinstance(func, ast.Name) else "")
    return names


def test_the_composition_root_is_the_only_place_that_builds_clients() -> None:
    for path, _module in modules():
        relative = str(path.relative_to(ROOT))
        called = calls_in(path)
        if relative not in ("bot/app.py", "bot/store/engine.py"):
            assert not called & FACTORIES, f"{relative} calls {sorted(called & FACTORIES)}"
        for name, home in CONSTRUCTORS.items():
            if name in called:
                assert home and relative.startswith(home), f"{relative} builds {name}"


def test_no_function_takes_more_than_six_parameters() -> None:
    """A longer list is a value that wants a name (a policy, a request, a target)."""
    long = []
    for path, module in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                a = node.args
                names = [x.arg for x in (*a.posonlyargs, *a.args, *a.kwonlyargs)
                         if x.arg not in ("self", "cls")]
                if len(names) > 6:
                    long.append(f"{module}.{node.name}: {len(names)}")
    assert not long, long


def test_one_flow_names_every_stage_of_a_review() -> None:
    """The review job's stages, in order, in one module a newcomer can read first."""
    text = (ROOT / "bot" / "review" / "flow.py").read_text()
    stages = ["pull_now", "decide_posting", "gather", "run_review", "post"]
    positions = [re.search(rf"(?<![\w.]){stage}\(", text).start()  # type: ignore[union-attr]
                 for stage in stages]
    assert positions == sorted(positions), stages


def test_importing_the_store_and_the_review_loads_no_ml_library() -> None:
    """scikit-learn, numpy and scipy are triage's: a review process or a migration does not
    pay for them."""
    import subprocess
    import sys

    code = ("import sys, bot.store.stores, bot.store.migrate, bot.review.flow, "
            "bot.review.pipeline; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout
